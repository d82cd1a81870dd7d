/**
 * How much of each kind's schema our own hover docs (schemas/docs/*.yaml) cover.
 *
 * For every kind in schemas/index.json and every served version of it, it lists every property path of that
 * version's schema (array items as `[]`, map values as `{}`, properties of oneOf/anyOf/allOf branches included)
 * and counts the paths that `findFieldDoc` resolves, aliases included. Docs are looked up by path whatever the
 * version (hover does the same), so a field that only an older version has needs its own entry in the kind's
 * file. Each kind is reported twice: for its current version (the one new documents should use) and summed
 * over all its served versions.
 * `status`, `apiVersion`, `kind` and `metadata` are not counted: metadata is the same Kubernetes ObjectMeta
 * for every kind and is documented once in _common.yaml.
 *
 * Usage: tsx scripts/docs-coverage.ts [--no-fail] [--missing] [--versions] [--kind <Kind or group_Kind>]
 *   --missing   list the undocumented paths (per version)
 *   --versions  show one line per served version, not only the versions below 100%
 * Exits 1 when a foundation kind is below 100% in any served version, or the overall share (current
 * versions, or all served versions) is below 80% (unless --no-fail).
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

export interface VersionCoverage {
  version: string;
  /** the version new documents should use */
  current: boolean;
  deprecated: boolean;
  total: number;
  documented: number;
  missing: string[];
}

export interface KindCoverage {
  id: string;
  group: string;
  kind: string;
  /** current version, and its figures */
  version: string;
  total: number;
  documented: number;
  missing: string[];
  /** every served version with a schema, current first */
  versions: VersionCoverage[];
  /** sums over `versions` */
  allTotal: number;
  allDocumented: number;
  foundation: boolean;
}

export interface Share {
  total: number;
  documented: number;
  /** documented / total */
  share: number;
}

export interface Coverage {
  kinds: KindCoverage[];
  /** current versions of every kind */
  total: number;
  documented: number;
  share: number;
  /** every served version of every kind */
  allVersions: Share;
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

function share(total: number, documented: number): Share {
  return { total, documented, share: total ? documented / total : 1 };
}

export function computeCoverage(schemasDir: string): Coverage {
  const registry = new SchemaRegistry(schemasDir);
  const common = registry.kindDocs('', '_common');
  const kinds: KindCoverage[] = [];
  for (const info of registry.kinds()) {
    const currentName = registry.preferredVersion(info).name;
    const docs = registry.kindDocs(info.group, info.kind);
    const served = info.versions.filter((v) => v.served).sort((a, b) => Number(b.name === currentName) - Number(a.name === currentName));
    const versions: VersionCoverage[] = [];
    for (const v of served) {
      const root = registry.schemaAt(info, v.name);
      if (!root) continue;
      const paths = fieldPaths(root);
      const missing = paths.filter((p) => !findFieldDoc(docs, common, p));
      versions.push({ version: v.name, current: v.name === currentName, deprecated: v.deprecated, total: paths.length, documented: paths.length - missing.length, missing });
    }
    const current = versions.find((v) => v.current);
    if (!current) continue;
    const id = `${info.group}/${info.kind}`;
    kinds.push({
      id,
      group: info.group,
      kind: info.kind,
      version: current.version,
      total: current.total,
      documented: current.documented,
      missing: current.missing,
      versions,
      allTotal: versions.reduce((n, v) => n + v.total, 0),
      allDocumented: versions.reduce((n, v) => n + v.documented, 0),
      foundation: FOUNDATION_KINDS.includes(id),
    });
  }
  const cur = share(
    kinds.reduce((n, k) => n + k.total, 0),
    kinds.reduce((n, k) => n + k.documented, 0),
  );
  const allVersions = share(
    kinds.reduce((n, k) => n + k.allTotal, 0),
    kinds.reduce((n, k) => n + k.allDocumented, 0),
  );
  const failures: string[] = [];
  for (const id of FOUNDATION_KINDS) {
    const k = kinds.find((x) => x.id === id);
    if (!k) {
      failures.push(`${id}: not in schemas/index.json`);
      continue;
    }
    for (const v of k.versions) {
      if (v.documented < v.total) failures.push(`${id} ${v.version}: ${v.documented}/${v.total} documented (foundation kinds need 100% in every served version)`);
    }
  }
  if (cur.share < OVERALL_TARGET) failures.push(`overall (current versions): ${pct(cur.share)} documented (need ${pct(OVERALL_TARGET)})`);
  if (allVersions.share < OVERALL_TARGET) failures.push(`overall (all served versions): ${pct(allVersions.share)} documented (need ${pct(OVERALL_TARGET)})`);
  return { kinds, total: cur.total, documented: cur.documented, share: cur.share, allVersions, failures };
}

export function pct(x: number): string {
  return `${(Math.floor(x * 1000) / 10).toFixed(1)}%`;
}

function figure(documented: number, total: number): string {
  return `${`${documented}/${total}`.padStart(9)} (${pct(total ? documented / total : 1).padStart(6)})`;
}

function main(argv: string[]): number {
  const noFail = argv.includes('--no-fail');
  const showMissing = argv.includes('--missing');
  const everyVersion = argv.includes('--versions');
  const only = argv.includes('--kind') ? argv[argv.indexOf('--kind') + 1] : undefined;
  const cov = computeCoverage(path.resolve(__dirname, '..', 'schemas'));
  const rows = cov.kinds.filter((k) => !only || k.kind === only || `${k.group}_${k.kind}` === only || k.id === only);
  const width = Math.max(...rows.map((k) => `${k.id} ${k.version}`.length), 10);
  console.log('Field docs coverage (metadata, status, apiVersion and kind not counted; metadata is documented in _common.yaml)');
  console.log(`  ${'kind and current version'.padEnd(width)}   current version       all served versions`);
  for (const k of rows) {
    const names = k.versions.map((v) => v.version).join(', ');
    console.log(`${k.foundation ? '*' : ' '} ${`${k.id} ${k.version}`.padEnd(width)} ${figure(k.documented, k.total)}   ${figure(k.allDocumented, k.allTotal)}  ${names}`);
    for (const v of k.versions) {
      const detail = everyVersion || v.documented < v.total;
      if (detail && (!v.current || everyVersion)) {
        console.log(`      ${`${v.version}${v.current ? ' (current)' : ''}${v.deprecated ? ' (deprecated)' : ''}`.padEnd(width - 4)} ${figure(v.documented, v.total)}`);
      }
      if (showMissing) for (const m of v.missing) console.log(`      missing in ${v.version}: ${m}`);
    }
  }
  console.log(`  overall, current versions:     ${cov.documented}/${cov.total} (${pct(cov.share)})`);
  console.log(`  overall, all served versions:  ${cov.allVersions.documented}/${cov.allVersions.total} (${pct(cov.allVersions.share)})`);
  console.log(`  * = foundation kind, needs 100% in every served version; overall needs ${pct(OVERALL_TARGET)}`);
  if (cov.failures.length) {
    console.log(`\nGoals not met:\n  ${cov.failures.join('\n  ')}`);
    return noFail ? 0 : 1;
  }
  console.log('All coverage goals met.');
  return 0;
}

if (/docs-coverage\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) process.exitCode = main(process.argv.slice(2));
