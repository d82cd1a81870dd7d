/**
 * Base inputs of the fuzz suite: the valid corpus (test/fixtures/valid, samples/) and resources generated from the
 * bundled schemas (schemas/kinds/*.json), which the mutations in mutations.ts then damage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import type { KindInfo, KindSchemas, SchemaNode } from '../../server/src/service/schema/types';

export const ROOT = path.join(__dirname, '..', '..');
export const SCHEMAS = path.join(ROOT, 'schemas');

export interface BaseInput {
  name: string;
  text: string;
}

function yamlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFilesUnder(p));
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out;
}

let validCache: BaseInput[] | undefined;
/** test/fixtures/valid/*.yaml and samples/**: real, valid mesh configuration. */
export function validCorpus(): BaseInput[] {
  validCache ??= [...yamlFilesUnder(path.join(ROOT, 'test', 'fixtures', 'valid')), ...yamlFilesUnder(path.join(ROOT, 'samples'))].map((f) => ({
    name: path.relative(ROOT, f),
    text: fs.readFileSync(f, 'utf8'),
  }));
  return validCache;
}

/** The istio-bookstore sample: the other files of the workspace the fuzzed file lives in (cross-file rules, routing). */
export function workspaceCorpus(): BaseInput[] {
  return validCorpus().filter((b) => b.name.startsWith(`samples${path.sep}istio-bookstore`) || b.name.startsWith(`samples${path.sep}linkerd-app`));
}

export interface KindVersion {
  group: string;
  kind: string;
  version: string;
  scope: string;
  schema: SchemaNode;
}

let kindsCache: KindVersion[] | undefined;
/** Every served version of every bundled kind, with its schema. */
export function bundledKinds(): KindVersion[] {
  if (kindsCache) return kindsCache;
  const index = JSON.parse(fs.readFileSync(path.join(SCHEMAS, 'index.json'), 'utf8')) as KindInfo[];
  const out: KindVersion[] = [];
  for (const info of index) {
    const ks = JSON.parse(fs.readFileSync(path.join(SCHEMAS, 'kinds', info.file), 'utf8')) as KindSchemas;
    for (const v of info.versions) {
      const key = ks.versions[v.name];
      const schema = key ? ks.schemas[key] : undefined;
      if (v.served && schema) out.push({ group: info.group, kind: info.kind, version: v.name, scope: info.scope, schema });
    }
  }
  kindsCache = out;
  return out;
}

/** Words that make generated values look like mesh configuration (and refer to each other). */
const WORDS = ['reviews', 'ratings', 'details', 'productpage', 'web', 'api', 'v1', 'v2', 'shop', 'default', 'istio-system', 'mesh', '*.example.com', 'example.com', 'reviews.shop.svc.cluster.local', '/api', 'GET', 'http', 'grpc', 'x-user'];
const MAX_GEN_DEPTH = 7;

const memo = new WeakMap<SchemaNode, fc.Arbitrary<unknown>[]>();

/** A value that (mostly) fits a structural schema: required keys present, some optional ones, enums respected. */
export function valueFor(s: SchemaNode | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!s) return fc.constantFrom(...WORDS);
  let byDepth = memo.get(s);
  if (!byDepth) memo.set(s, (byDepth = []));
  const cached = byDepth[depth];
  if (cached) return cached;
  const arb = build(s, depth);
  byDepth[depth] = arb;
  return arb;
}

function build(s: SchemaNode, depth: number): fc.Arbitrary<unknown> {
  if (s.enum?.length) return fc.constantFrom(...s.enum);
  if (s['x-kubernetes-int-or-string']) return fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom('50%', 'http', '8080'));
  switch (s.type) {
    case 'string':
      if (s.format === 'duration') return fc.constantFrom('1s', '5m', '100ms', '1h', '0.5s');
      if (s.format === 'date-time') return fc.constant('2024-01-01T00:00:00Z');
      return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...WORDS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });
    case 'integer': {
      const min = s.minimum ?? 0;
      const max = s.maximum ?? Math.max(min, 65535);
      return fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) });
    }
    case 'number':
      return fc.double({ min: s.minimum ?? 0, max: s.maximum ?? 100, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      if (depth >= MAX_GEN_DEPTH) return fc.constant([]);
      const minLength = Math.min(s.minItems ?? 0, 3);
      return fc.array(valueFor(s.items, depth + 1), { minLength, maxLength: Math.max(minLength, Math.min(s.maxItems ?? 3, 3)) });
    }
    default:
      break;
  }
  if (s.properties) {
    if (depth >= MAX_GEN_DEPTH) return fc.constant({});
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [k, child] of Object.entries(s.properties)) model[k] = fc.constant(null).chain(() => valueFor(child, depth + 1));
    const required = (s.required ?? []).filter((r) => r in model);
    return fc.record(model, { requiredKeys: required });
  }
  if (typeof s.additionalProperties === 'object') {
    if (depth >= MAX_GEN_DEPTH) return fc.constant({});
    return fc.dictionary(fc.constantFrom('app', 'version', 'x-user', 'team', 'a'), valueFor(s.additionalProperties, depth + 1), { maxKeys: 3 });
  }
  return fc.oneof(fc.constantFrom(...WORDS), fc.integer(), fc.constant({}));
}

/** A generated resource of a bundled kind, as YAML text. */
export function generatedResource(): fc.Arbitrary<BaseInput> {
  const kinds = bundledKinds();
  return fc.nat({ max: kinds.length - 1 }).chain((i) => {
    const k = kinds[i];
    const spec = k.schema.properties?.spec;
    return fc
      .record({
        name: fc.constantFrom('reviews', 'web', 'default', 'a'),
        namespace: fc.option(fc.constantFrom('shop', 'default', 'prod', 'istio-system'), { nil: undefined }),
        spec: spec ? valueFor(spec) : fc.constant(undefined),
      })
      .map(({ name, namespace, spec: body }) => {
        const obj: Record<string, unknown> = { apiVersion: `${k.group}/${k.version}`, kind: k.kind, metadata: namespace && k.scope === 'Namespaced' ? { name, namespace } : { name } };
        if (body !== undefined) obj.spec = body;
        return { name: `generated ${k.group}/${k.version} ${k.kind}`, text: stringify(obj) };
      });
  });
}

/** A base input: mostly a corpus file, sometimes a generated resource. */
export function baseInput(): fc.Arbitrary<BaseInput> {
  const corpus = validCorpus();
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...corpus) }, { weight: 2, arbitrary: generatedResource() });
}
