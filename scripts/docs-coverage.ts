/**
 * How much of each kind's schema our own hover docs (schemas/docs/*.yaml) cover.
 *
 * For every kind in schemas/index.json it takes the schema of the current version (the one new documents
 * should use), lists every property path under it (array items as `[]`, map values as `{}`, properties of
 * oneOf/anyOf/allOf branches included), and counts the paths that `findFieldDoc` resolves, aliases included.
 * `status`, `apiVersion`, `kind` and `metadata` are not counted: metadata is the same Kubernetes ObjectMeta
 * for every kind and is documented once in _common.yaml.
 *
 * Usage: tsx scripts/docs-coverage.ts [--no-fail] [--missing] [--kind <Kind or group_Kind>]
 * Exits 1 when a foundation kind is below 100% or the overall share is below 80% (unless --no-fail).
 */
import * as path from 'node:path';
import { findFieldDoc, SchemaRegistry } from '../server/src/service/schema/registry';
import type { SchemaNode } from '../server/src/service/schema/types';

/** Kinds whose every field must be documented (`group/Kind`). */
export const FOUNDATION_KINDS = [
  'networking.istio.io/VirtualService',
  'networking.istio.io/DestinationRule',
  'networking.istio.io/Gateway',
  'networking.istio.io/ServiceEntry',
  'networking.istio.io/Sidecar',
  'security.istio.io/PeerAuthentication',
  'security.istio.io/RequestAuthentication',
  'security.istio.io/AuthorizationPolicy',
  'policy.linkerd.io/Server',
  'policy.linkerd.io/AuthorizationPolicy',
  'policy.linkerd.io/MeshTLSAuthentication',
  'policy.linkerd.io/HTTPRoute',
  'gateway.networking.k8s.io/HTTPRoute',
  'linkerd.io/ServiceProfile',
  'split.smi-spec.io/TrafficSplit',
];

/** Minimum share of documented fields over all kinds. */
export const OVERALL_TARGET = 0.8;

const SKIPPED_TOP_LEVEL = new Set(['status', 'apiVersion', 'kind', 'metadata']);

export interface KindCoverage {
  id: string;
  group: string;
  kind: string;
  version: string;
  total: number;
  documented: number;
  missing: string[];
  foundation: boolean;
}

export interface Coverage {
  kinds: KindCoverage[];
  total: number;
  documented: number;
  /** documented / total over every kind */
  share: number;
  /** human-readable reasons the goals are not met (empty when they are) */
  failures: string[];
}

/** Properties of a node, including those its oneOf/anyOf/allOf branches declare. */
function propertiesOf(node: SchemaNode): Array<[string, SchemaNode]> {
  const out: Array<[string, SchemaNode]> = Object.entries(node.properties ?? {});
  for (const branch of [...(node.allOf ?? []), ...(node.oneOf ?? []), ...(node.anyOf ?? [])]) out.push(...propertiesOf(branch));
  return out;
}

/** Every documentable field path of a kind's schema, in doc-path syntax (`spec.http[].match[].headers{}.exact`). */
export function fieldPaths(root: SchemaNode): string[] {
  const seen = new Set<string>();
  const walk = (node: SchemaNode, prefix: string, depth: number): void => {
    if (depth > 40) return;
    for (const [name, child] of propertiesOf(node)) {
      if (!prefix && SKIPPED_TOP_LEVEL.has(name)) continue;
      const p = prefix ? `${prefix}.${name}` : name;
      if (seen.has(p)) continue;
      seen.add(p);
      walk(child, p, depth + 1);
    }
    if (node.items) walk(node.items, `${prefix}[]`, depth + 1);
    if (node.additionalProperties && typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${prefix}{}`, depth + 1);
  };
  walk(root, '', 0);
  return [...seen];
}

export function computeCoverage(schemasDir: string): Coverage {
  const registry = new SchemaRegistry(schemasDir);
  const common = registry.kindDocs('', '_common');
  const kinds: KindCoverage[] = [];
  for (const info of registry.kinds()) {
    const version = registry.preferredVersion(info).name;
    const root = registry.schemaAt(info, version);
    if (!root) continue;
    const docs = registry.kindDocs(info.group, info.kind);
    const paths = fieldPaths(root);
    const missing = paths.filter((p) => !findFieldDoc(docs, common, p));
    const id = `${info.group}/${info.kind}`;
    kinds.push({
      id,
      group: info.group,
      kind: info.kind,
      version,
      total: paths.length,
      documented: paths.length - missing.length,
      missing,
      foundation: FOUNDATION_KINDS.includes(id),
    });
  }
  const total = kinds.reduce((n, k) => n + k.total, 0);
  const documented = kinds.reduce((n, k) => n + k.documented, 0);
  const share = total ? documented / total : 1;
  const failures: string[] = [];
  for (const id of FOUNDATION_KINDS) {
    const k = kinds.find((x) => x.id === id);
    if (!k) failures.push(`${id}: not in schemas/index.json`);
    else if (k.documented < k.total) failures.push(`${id}: ${k.documented}/${k.total} documented (foundation kinds need 100%)`);
  }
  if (share < OVERALL_TARGET) failures.push(`overall: ${pct(share)} documented (need ${pct(OVERALL_TARGET)})`);
  return { kinds, total, documented, share, failures };
}

export function pct(x: number): string {
  return `${(Math.floor(x * 1000) / 10).toFixed(1)}%`;
}

function main(argv: string[]): number {
  const noFail = argv.includes('--no-fail');
  const showMissing = argv.includes('--missing');
  const only = argv.includes('--kind') ? argv[argv.indexOf('--kind') + 1] : undefined;
  const cov = computeCoverage(path.resolve(__dirname, '..', 'schemas'));
  const rows = cov.kinds.filter((k) => !only || k.kind === only || `${k.group}_${k.kind}` === only || k.id === only);
  const width = Math.max(...rows.map((k) => `${k.id} ${k.version}`.length), 10);
  console.log('Field docs coverage (metadata, status, apiVersion and kind not counted; metadata is documented in _common.yaml)');
  for (const k of rows) {
    const label = `${k.id} ${k.version}`.padEnd(width);
    const counts = `${k.documented}/${k.total}`.padStart(9);
    console.log(`${k.foundation ? '*' : ' '} ${label} ${counts} (${pct(k.total ? k.documented / k.total : 1)})`);
    if (showMissing) for (const m of k.missing) console.log(`      missing: ${m}`);
  }
  console.log(`  overall ${cov.documented}/${cov.total} (${pct(cov.share)}); * = foundation kind, needs 100%; overall needs ${pct(OVERALL_TARGET)}`);
  if (cov.failures.length) {
    console.log(`\nGoals not met:\n  ${cov.failures.join('\n  ')}`);
    return noFail ? 0 : 1;
  }
  console.log('All coverage goals met.');
  return 0;
}

if (/docs-coverage\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) process.exitCode = main(process.argv.slice(2));
