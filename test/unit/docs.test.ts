/**
 * Checks the hand-written hover documentation in schemas/docs/*.yaml against the
 * generated schemas: every documented path must exist in a served version of its kind
 * (docs are looked up by path whatever the version), both sides of every alias must
 * exist and have the same shape, docs must be short and non-empty, links must be https,
 * and the coverage goals of scripts/docs-coverage.ts must be met. Reference links must
 * point at the field: every Istio and Gateway API entry has an anchor that follows the
 * page's convention, and every Linkerd/SMI kind links to its own page. Examples must
 * parse, be `<field>: <value>` for the field they document, and be accepted by the
 * field's schema. And no doc or example may copy upstream CRD description prose.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { computeCoverage, fieldPaths, FOUNDATION_KINDS, OVERALL_TARGET, pct } from '../../scripts/docs-coverage';
import { parseSegment } from '../../server/src/service/documents';
import type { SchemaNode } from '../../server/src/service/schema/types';
import { validateDocument } from '../../server/src/service/schema/validate';

const ROOT = path.resolve(__dirname, '..', '..');
const DOCS_DIR = path.join(ROOT, 'schemas', 'docs');
const KINDS_DIR = path.join(ROOT, 'schemas', 'kinds');
const INDEX_FILE = path.join(ROOT, 'schemas', 'index.json');
const CRDS_DIR = path.join(ROOT, '..', 'shared', 'crds');

const MAX_DOC_CHARS = 700;
const MIN_TOTAL_FIELDS = 150;
const COMMON_FILE = '_common.yaml';

interface Node {
  properties?: Record<string, Node>;
  items?: Node;
  additionalProperties?: boolean | Node;
  oneOf?: Node[];
  anyOf?: Node[];
  allOf?: Node[];
}

interface IndexEntry {
  group: string;
  kind: string;
  file: string;
  versions: { name: string; served: boolean }[];
}

interface KindFile {
  versions: Record<string, string>;
  schemas: Record<string, Node>;
}

interface FieldDoc {
  doc?: unknown;
  example?: unknown;
  anchor?: unknown;
}

interface DocFile {
  group?: unknown;
  kind?: unknown;
  reference?: unknown;
  fields?: Record<string, FieldDoc | null>;
  aliases?: Record<string, unknown>;
}

/** Kubernetes version priority: GA > beta > alpha, then higher major, then higher minor. */
function versionRank(v: string): [number, number, number] {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return [0, 0, 0];
  const stage = m[2] === 'alpha' ? 1 : m[2] === 'beta' ? 2 : 3;
  return [stage, Number(m[1]), m[3] ? Number(m[3]) : 0];
}

function compareVersionsDesc(a: string, b: string): number {
  const ra = versionRank(a);
  const rb = versionRank(b);
  for (let i = 0; i < 3; i++) {
    if (ra[i] !== rb[i]) return rb[i] - ra[i];
  }
  return a.localeCompare(b);
}

function newestServed(entry: IndexEntry): string {
  const served = entry.versions.filter((v) => v.served).map((v) => v.name);
  assert.ok(served.length > 0, `${entry.group}/${entry.kind} has no served version`);
  return served.sort(compareVersionsDesc)[0];
}

const index: IndexEntry[] = JSON.parse(fs.readFileSync(INDEX_FILE, 'utf8'));
const schemaCache = new Map<string, { version: string; root: Node }[]>();

/** Schemas of every served version of a kind, newest first. */
function servedSchemas(entry: IndexEntry): { version: string; root: Node }[] {
  const key = `${entry.group}/${entry.kind}`;
  const hit = schemaCache.get(key);
  if (hit) return hit;
  const kf: KindFile = JSON.parse(fs.readFileSync(path.join(KINDS_DIR, entry.file), 'utf8'));
  const newest = newestServed(entry);
  const names = entry.versions.filter((v) => v.served).map((v) => v.name).sort(compareVersionsDesc);
  const out = names.map((version) => {
    const root = kf.schemas[kf.versions[version]];
    assert.ok(root, `${key}: no schema for version ${version}`);
    return { version, root };
  });
  assert.equal(out[0].version, newest);
  schemaCache.set(key, out);
  return out;
}

/** Schema of the newest served version. */
function rootSchema(entry: IndexEntry): { version: string; root: Node } {
  return servedSchemas(entry)[0];
}

/** Find a named property on a node, also looking into oneOf/anyOf/allOf branches. */
function propertyOf(node: Node, name: string): Node | undefined {
  const direct = node.properties?.[name];
  if (direct) return direct;
  for (const branch of [...(node.allOf ?? []), ...(node.oneOf ?? []), ...(node.anyOf ?? [])]) {
    const found = propertyOf(branch, name);
    if (found) return found;
  }
  return undefined;
}

/** Split `a.b[].c{}.d` into steps: names, '[]' (array items) and '{}' (map values). */
function pathSteps(p: string): string[] {
  const steps: string[] = [];
  for (const segment of p.split('.')) {
    const m = /^([^[\]{}]+)((?:\[\]|\{\})*)$/.exec(segment);
    if (!m) throw new Error(`malformed path segment "${segment}" in "${p}"`);
    steps.push(m[1]);
    for (const suffix of m[2].match(/\[\]|\{\}/g) ?? []) steps.push(suffix);
  }
  return steps;
}

/** Returns undefined when the path resolves, otherwise a message naming the failing step. */
function resolvePath(root: Node, p: string): string | undefined {
  let node: Node = root;
  let walked = '';
  let steps: string[];
  try {
    steps = pathSteps(p);
  } catch (e) {
    return (e as Error).message;
  }
  for (const step of steps) {
    if (step === '[]') {
      if (!node.items) return `"${walked}" is not an array (no items)`;
      node = node.items;
      walked += '[]';
    } else if (step === '{}') {
      if (!node.additionalProperties || typeof node.additionalProperties !== 'object') {
        return `"${walked}" is not a map (no additionalProperties schema)`;
      }
      node = node.additionalProperties;
      walked += '{}';
    } else {
      const next = propertyOf(node, step);
      walked = walked ? `${walked}.${step}` : step;
      if (!next) return `no property "${step}" at "${walked}"`;
      node = next;
    }
  }
  return undefined;
}

/** The schema node at a doc path, or undefined. */
function schemaOf(root: Node, p: string): Node | undefined {
  let node: Node | undefined = root;
  for (const step of pathSteps(p)) {
    if (!node) return undefined;
    if (step === '[]') node = node.items;
    else if (step === '{}') node = typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
    else node = propertyOf(node, step);
  }
  return node;
}

/** The field's schema in the newest served version that has the path. */
function fieldSchema(entry: IndexEntry, p: string): { version: string; node: Node } | undefined {
  for (const { version, root } of servedSchemas(entry)) {
    const node = schemaOf(root, p);
    if (node) return { version, node };
  }
  return undefined;
}

function loadDocFiles(): { file: string; data: DocFile }[] {
  return fs
    .readdirSync(DOCS_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => ({ file, data: parse(fs.readFileSync(path.join(DOCS_DIR, file), 'utf8')) as DocFile }));
}

const docFiles = loadDocFiles();

function checkFieldShape(file: string, fieldPath: string, fd: FieldDoc | null): void {
  assert.ok(fd && typeof fd === 'object', `${file}: ${fieldPath} has no body`);
  assert.equal(typeof fd.doc, 'string', `${file}: ${fieldPath} doc must be a string`);
  const doc = (fd.doc as string).trim();
  assert.ok(doc.length > 0, `${file}: ${fieldPath} doc is empty`);
  assert.ok(
    doc.length < MAX_DOC_CHARS,
    `${file}: ${fieldPath} doc is ${doc.length} chars (limit ${MAX_DOC_CHARS})`,
  );
  if (fd.example !== undefined) {
    assert.equal(typeof fd.example, 'string', `${file}: ${fieldPath} example must be a string`);
    assert.ok(!(fd.example as string).includes('\n'), `${file}: ${fieldPath} example must be one line`);
    assert.doesNotThrow(() => parse(fd.example as string), `${file}: ${fieldPath} example is not valid YAML`);
  }
  if (fd.anchor !== undefined) {
    assert.equal(typeof fd.anchor, 'string', `${file}: ${fieldPath} anchor must be a string`);
    assert.match(fd.anchor as string, /^[A-Za-z0-9_.\-/]+$/, `${file}: ${fieldPath} anchor has odd characters`);
  }
}

void test('schemas/docs has files', () => {
  assert.ok(docFiles.length > 1, 'no doc files found');
  assert.ok(
    docFiles.some((d) => d.file === COMMON_FILE),
    `${COMMON_FILE} is missing`,
  );
});

for (const { file, data } of docFiles) {
  void test(`docs ${file}`, () => {
    assert.ok(data && typeof data === 'object', `${file}: not a YAML mapping`);
    assert.equal(typeof data.reference, 'string', `${file}: reference missing`);
    assert.match(data.reference as string, /^https:\/\/[^\s#]+$/, `${file}: reference must be an https URL without #`);
    assert.ok(data.fields && typeof data.fields === 'object', `${file}: fields missing`);
    const fields = data.fields as Record<string, FieldDoc | null>;
    assert.ok(Object.keys(fields).length > 0, `${file}: no fields`);

    // Which schemas must each path resolve in?
    let targets: IndexEntry[];
    if (file === COMMON_FILE) {
      targets = index;
    } else {
      const entry = index.find((e) => e.group === data.group && e.kind === data.kind);
      assert.ok(entry, `${file}: ${String(data.group)}/${String(data.kind)} is not in schemas/index.json`);
      assert.equal(
        file.replace(/\.yaml$/, ''),
        entry.file.replace(/\.json$/, ''),
        `${file}: file name should match ${entry.file}`,
      );
      targets = [entry];
    }

    const bad: string[] = [];
    for (const [fieldPath, fd] of Object.entries(fields)) {
      checkFieldShape(file, fieldPath, fd);
      if (file !== COMMON_FILE) {
        assert.ok(isSpecPath(fieldPath), `${file}: ${fieldPath} should be "spec" or start with "spec."`);
      }
      for (const entry of targets) {
        if (file === COMMON_FILE) {
          // common docs apply to every kind: the path must exist in each of them
          const { version, root } = rootSchema(entry);
          const err = resolvePath(root, fieldPath);
          if (err) bad.push(`${fieldPath} (${entry.group}/${version} ${entry.kind}): ${err}`);
          continue;
        }
        // a kind's docs may document a field that only an older served version has
        const errors = servedSchemas(entry).map(({ version, root }) => [version, resolvePath(root, fieldPath)] as const);
        if (errors.every(([, err]) => err)) {
          bad.push(`${fieldPath} (${entry.group}/${entry.kind}): in no served version (${errors.map(([v, err]) => `${v}: ${err}`).join('; ')})`);
        }
      }
    }
    assert.deepEqual(bad, [], `${file}: paths not found in schema:\n  ${bad.join('\n  ')}`);

    // Aliases: `<from>: <to>` makes fields under `from` share the docs of the same fields under `to`.
    if (data.aliases !== undefined) {
      assert.ok(file !== COMMON_FILE, `${file}: aliases are not supported in the common docs`);
      assert.ok(data.aliases && typeof data.aliases === 'object' && !Array.isArray(data.aliases), `${file}: aliases must be a mapping`);
      const entry = targets[0];
      const { version, root } = rootSchema(entry);
      const allPaths = fieldPaths(root as SchemaNode);
      const aliasProblems: string[] = [];
      for (const [from, to] of Object.entries(data.aliases)) {
        if (typeof to !== 'string') {
          aliasProblems.push(`${from}: target must be a string`);
          continue;
        }
        if (!isSpecPath(from) || !isSpecPath(to)) aliasProblems.push(`${from}: ${to}: both sides must be "spec" or start with "spec."`);
        if (from === to || isUnder(to, from)) aliasProblems.push(`${from}: ${to}: the target must not be the alias itself or inside it`);
        for (const [side, p] of [['alias', from], ['target', to]] as const) {
          const err = resolvePath(root, p);
          if (err) aliasProblems.push(`${from}: ${to}: ${side} not found in ${entry.group}/${version} ${entry.kind}: ${err}`);
        }
        // Same shape: every field under the alias that has no doc of its own must exist under the target.
        for (const p of allPaths) {
          if (!isUnder(p, from) || p === from || fields[p]) continue;
          // findFieldDoc uses the longest alias that applies; leave the path to that one.
          if (Object.keys(data.aliases).some((other) => other.length > from.length && isUnder(p, other))) continue;
          const mapped = to + p.slice(from.length);
          const err = resolvePath(root, mapped);
          if (err) aliasProblems.push(`${from}: ${to}: ${p} has no counterpart ${mapped} (${err}); document it directly`);
        }
      }
      assert.deepEqual(aliasProblems, [], `${file}: bad aliases:\n  ${aliasProblems.join('\n  ')}`);
    }
  });
}

function isSpecPath(p: string): boolean {
  return p === 'spec' || p.startsWith('spec.');
}

/** Is `p` the prefix `prefix` or a field below it (`prefix.x`, `prefix[]...`, `prefix{}...`)? */
function isUnder(p: string, prefix: string): boolean {
  return p === prefix || p.startsWith(prefix + '.') || p.startsWith(prefix + '[') || p.startsWith(prefix + '{');
}

void test('docs coverage goals (scripts/docs-coverage.ts)', () => {
  const cov = computeCoverage(path.join(ROOT, 'schemas'));
  for (const k of cov.kinds) console.log(`  ${k.foundation ? '*' : ' '} ${k.id} ${k.version}: ${k.documented}/${k.total}`);
  console.log(`  overall ${cov.documented}/${cov.total} (${pct(cov.share)})`);
  for (const id of FOUNDATION_KINDS) {
    const k = cov.kinds.find((x) => x.id === id);
    assert.ok(k, `${id} is not in schemas/index.json`);
    assert.deepEqual(k.missing, [], `${id}: undocumented fields (foundation kinds need 100%)`);
  }
  assert.ok(cov.share >= OVERALL_TARGET, `overall coverage ${pct(cov.share)} is below ${pct(OVERALL_TARGET)}`);
  assert.deepEqual(cov.failures, []);
});

void test('coverage is reported for every served version', () => {
  const cov = computeCoverage(path.join(ROOT, 'schemas'));
  for (const k of cov.kinds) {
    const entry = index.find((e) => e.group === k.group && e.kind === k.kind)!;
    assert.deepEqual(
      k.versions.map((v) => v.version).sort(),
      entry.versions.filter((v) => v.served).map((v) => v.name).sort(),
      `${k.id}: one figure per served version`,
    );
    assert.equal(k.versions[0].version, k.version, `${k.id}: the current version comes first`);
    assert.equal(k.allTotal, k.versions.reduce((n, v) => n + v.total, 0));
  }
  // GRPCRoute v1alpha2 (Linkerd's bundled copy) has fields that v1 lacks; they are documented by path.
  const grpc = cov.kinds.find((k) => k.id === 'gateway.networking.k8s.io/GRPCRoute')!;
  assert.ok(grpc.versions.some((v) => v.version === 'v1alpha2' && v.missing.length === 0));
  assert.ok(cov.allVersions.total > cov.total);
});

void test('coverage counts every field path', () => {
  const root: SchemaNode = {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object', properties: { name: { type: 'string' } } },
      status: { type: 'object', properties: { x: { type: 'string' } } },
      spec: {
        type: 'object',
        properties: {
          list: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } },
          map: { type: 'object', additionalProperties: { type: 'object', properties: { b: { type: 'string' } } } },
        },
        oneOf: [{ properties: { c: { type: 'string' } } }],
      },
    },
  };
  assert.deepEqual(fieldPaths(root).sort(), ['spec', 'spec.c', 'spec.list', 'spec.list[].a', 'spec.map', 'spec.map{}.b']);
});

void test('documented field count', () => {
  const perFile = docFiles.map(({ file, data }) => [file, Object.keys(data?.fields ?? {}).length] as const);
  const total = perFile.reduce((n, [, c]) => n + c, 0);
  for (const [file, count] of perFile) console.log(`  ${file}: ${count}`);
  console.log(`documented fields: ${total}`);
  assert.ok(total >= MIN_TOTAL_FIELDS, `only ${total} documented fields (need ${MIN_TOTAL_FIELDS})`);
});

void test('path resolver sanity', () => {
  const vs = index.find((e) => e.group === 'networking.istio.io' && e.kind === 'VirtualService');
  assert.ok(vs);
  const { root } = rootSchema(vs);
  assert.equal(resolvePath(root, 'spec.http[].match[].headers{}.exact'), undefined);
  assert.match(resolvePath(root, 'spec.http[].nope') ?? '', /nope/);
  assert.match(resolvePath(root, 'spec.hosts{}') ?? '', /not a map/);
  assert.match(resolvePath(root, 'spec.timeout[]') ?? '', /timeout/);
  assert.deepEqual(['v1', 'v1beta3', 'v1beta1', 'v1alpha2'].sort(compareVersionsDesc), [
    'v1',
    'v1beta3',
    'v1beta1',
    'v1alpha2',
  ]);
  assert.deepEqual(['v1alpha1', 'v1alpha2'].sort(compareVersionsDesc), ['v1alpha2', 'v1alpha1']);
});

// ---------------------------------------------------------------------------------------------
// Reference links: anchors that point at the field
// ---------------------------------------------------------------------------------------------

/** Doc files of a family, with the entry of schemas/index.json they document. */
function familyFiles(match: (group: string) => boolean): { file: string; data: DocFile; entry: IndexEntry }[] {
  const out: { file: string; data: DocFile; entry: IndexEntry }[] = [];
  for (const { file, data } of docFiles) {
    if (file === COMMON_FILE || typeof data.group !== 'string' || !match(data.group)) continue;
    const entry = index.find((e) => e.group === data.group && e.kind === data.kind);
    if (entry) out.push({ file, data, entry });
  }
  return out;
}

const isIstio = (g: string): boolean => g.endsWith('.istio.io');
const isGatewayApi = (g: string): boolean => g === 'gateway.networking.k8s.io';
const isLinkerd = (g: string): boolean => g === 'linkerd.io' || g.endsWith('.linkerd.io');
const isSmi = (g: string): boolean => g.endsWith('.smi-spec.io');

/**
 * Doc files of Istio or Gateway API kinds that have no anchors, and why. A file listed here must not have
 * anchors (remove it from the list when its anchors are added).
 */
const ANCHOR_EXCEPTIONS: Record<string, string> = {
  'extensions.istio.io_TrafficExtension.yaml':
    'TrafficExtension is new in the Istio development branch; istio.io/latest has no reference page for it yet, so the kind links to the proxy-extensions index',
};

/**
 * Istio pages: `<Type>[-<NestedType>]*-<proto_field>` for a field row (`HTTPRetry-per_try_timeout`,
 * `ConnectionPoolSettings-TCPSettings-max_connections`), or `<Type>[-<NestedType>]*` for a type. Type names may
 * hold digits (`L4MatchAttributes`).
 */
const ISTIO_FIELD_ANCHOR = /^[A-Z][A-Za-z0-9]*(-[A-Z][A-Za-z0-9]*)*-[a-z][a-z0-9_]*$/;
const ISTIO_TYPE_ANCHOR = /^[A-Z][A-Za-z0-9]*(-[A-Z][A-Za-z0-9]*)*$/;
/** Gateway API spec page: the lowercased Go type name (`httproutespec`, `parentreference`). */
const GATEWAY_API_ANCHOR = /^[a-z][a-z0-9]*$/;
/** Linkerd (Hugo) and GitHub heading ids. */
const HEADING_ANCHOR = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Proto field names a camelCase field can have: `perTryTimeout` -> per_try_timeout, `consecutive5xxErrors` -> consecutive_5xx_errors. */
function protoNames(field: string): string[] {
  if (field.includes('_')) return [field];
  const plain = field.replace(/([A-Z])/g, '_$1').toLowerCase();
  const digits = field.replace(/([A-Z])/g, '_$1').replace(/([a-z])(\d+[a-z])/g, '$1_$2').toLowerCase();
  return [...new Set([plain, digits])];
}

function fieldNames(p: string): string[] {
  return p.split('.').map((s) => s.replace(/(\[\]|\{\})+$/, ''));
}

void test('Istio and Gateway API doc entries link to the field (anchors)', () => {
  const problems: string[] = [];
  for (const file of Object.keys(ANCHOR_EXCEPTIONS)) {
    const d = docFiles.find((x) => x.file === file);
    if (!d) problems.push(`${file}: listed in ANCHOR_EXCEPTIONS but does not exist`);
    else if (Object.values(d.data.fields ?? {}).some((fd) => fd?.anchor !== undefined)) problems.push(`${file}: has anchors now; remove it from ANCHOR_EXCEPTIONS`);
  }
  for (const { file, data } of familyFiles(isIstio)) {
    assert.match(String(data.reference), /^https:\/\/istio\.io\/latest\/docs\/reference\/config\/.+\/$/, `${file}: reference should be an istio.io/latest reference page`);
    if (ANCHOR_EXCEPTIONS[file]) continue;
    for (const [p, fd] of Object.entries(data.fields ?? {})) {
      const a = fd?.anchor;
      if (typeof a !== 'string') {
        problems.push(`${file}: ${p} has no anchor`);
        continue;
      }
      if (ISTIO_TYPE_ANCHOR.test(a)) continue;
      if (!ISTIO_FIELD_ANCHOR.test(a)) {
        problems.push(`${file}: ${p}: anchor "${a}" is neither Type-proto_field nor a type name`);
        continue;
      }
      // The row must be the field itself or one of its parents (when the field's type is documented on another page).
      const protoField = a.slice(a.lastIndexOf('-') + 1);
      if (!fieldNames(p).some((n) => protoNames(n).includes(protoField))) problems.push(`${file}: ${p}: anchor "${a}" names a field that is not on the path`);
    }
  }
  for (const { file, data } of familyFiles(isGatewayApi)) {
    assert.equal(data.reference, 'https://gateway-api.sigs.k8s.io/reference/spec/', `${file}: reference should be the Gateway API spec page`);
    if (ANCHOR_EXCEPTIONS[file]) continue;
    for (const [p, fd] of Object.entries(data.fields ?? {})) {
      const a = fd?.anchor;
      if (typeof a !== 'string') problems.push(`${file}: ${p} has no anchor`);
      else if (!GATEWAY_API_ANCHOR.test(a)) problems.push(`${file}: ${p}: anchor "${a}" should be a lowercase type name like httproutespec`);
    }
  }
  assert.deepEqual(problems, [], `anchor problems:\n  ${problems.join('\n  ')}`);
});

void test('Linkerd and SMI kinds link to their own reference page', () => {
  const problems: string[] = [];
  for (const { file, data } of familyFiles(isLinkerd)) {
    // the kind's own page, not the reference index
    if (!/^https:\/\/linkerd\.io\/2-edge\/reference\/[a-z0-9-]+\/$/.test(String(data.reference))) problems.push(`${file}: reference ${String(data.reference)} is not a linkerd.io/2-edge/reference/<page>/ URL`);
    for (const [p, fd] of Object.entries(data.fields ?? {})) {
      if (fd?.anchor !== undefined && !HEADING_ANCHOR.test(String(fd.anchor))) problems.push(`${file}: ${p}: anchor "${String(fd.anchor)}" is not a heading id`);
    }
  }
  for (const { file, data } of familyFiles(isSmi)) {
    if (!/^https:\/\/github\.com\/servicemeshinterface\/smi-spec\/blob\/main\/apis\/traffic-split\/v1alpha\d\/traffic-split\.md$/.test(String(data.reference))) problems.push(`${file}: reference should be the SMI traffic-split spec`);
    for (const [p, fd] of Object.entries(data.fields ?? {})) {
      if (fd?.anchor !== undefined && !HEADING_ANCHOR.test(String(fd.anchor))) problems.push(`${file}: ${p}: anchor "${String(fd.anchor)}" is not a heading id`);
    }
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});

void test('anchor helpers', () => {
  assert.deepEqual(protoNames('perTryTimeout'), ['per_try_timeout']);
  assert.ok(protoNames('consecutive5xxErrors').includes('consecutive_5xx_errors'));
  assert.ok(protoNames('http1MaxPendingRequests').includes('http1_max_pending_requests'));
  assert.deepEqual(protoNames('mirror_percent'), ['mirror_percent']);
  assert.match('HTTPRetry-per_try_timeout', ISTIO_FIELD_ANCHOR);
  assert.match('ConnectionPoolSettings-TCPSettings-TcpKeepalive-probes', ISTIO_FIELD_ANCHOR);
  assert.match('HTTPFaultInjection-Delay', ISTIO_TYPE_ANCHOR);
  assert.match('L4MatchAttributes-destination_subnets', ISTIO_FIELD_ANCHOR);
  assert.doesNotMatch('HTTPRoute-timeout', ISTIO_TYPE_ANCHOR);
  assert.doesNotMatch('HTTPRoute-perTryTimeout', ISTIO_FIELD_ANCHOR);
  assert.doesNotMatch('gateway.networking.k8s.io/v1.HTTPRoute', GATEWAY_API_ANCHOR);
});

// ---------------------------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------------------------

/** The key an example of this doc path must use: the path's last field name. */
function exampleKey(p: string): string {
  return fieldNames(p).pop()!;
}

/**
 * Problems with one example: it must parse as one YAML document; when it is a mapping, its only key is the
 * field's own name; and the value must be valid for the field's schema. Examples are fragments, so a
 * missing required sibling is not a problem.
 */
function exampleProblems(entry: IndexEntry, p: string, example: string): string[] {
  const docs = parseAllDocuments(example);
  if (docs.length !== 1 || docs[0].errors.length) return [`does not parse as one YAML document`];
  const value: unknown = docs[0].toJSON();
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  const keys = Object.keys(value);
  const key = exampleKey(p);
  if (keys.length !== 1 || keys[0] !== key) return [`should be "${key}: <value>" (has ${keys.map((k) => JSON.stringify(k)).join(', ')})`];
  const found = fieldSchema(entry, p);
  if (!found) return [`no schema for ${p}`];
  const root = { type: 'object', properties: { [key]: found.node } } as SchemaNode;
  return validateDocument(parseSegment(example), root)
    .filter((d) => d.rule !== 'schema/required' && (d.severity === 'error' || d.severity === 'warning'))
    .map((d) => `not valid for ${found.version}: ${d.message}`);
}

void test('examples are "<field>: <value>" and valid for the field', () => {
  const problems: string[] = [];
  let checked = 0;
  for (const { file, data } of docFiles) {
    if (file === COMMON_FILE) continue;
    const entry = index.find((e) => e.group === data.group && e.kind === data.kind);
    assert.ok(entry, file);
    for (const [p, fd] of Object.entries(data.fields ?? {})) {
      if (typeof fd?.example !== 'string') continue;
      checked++;
      for (const msg of exampleProblems(entry, p, fd.example)) problems.push(`${file}: ${p}: example "${fd.example}" ${msg}`);
    }
  }
  console.log(`  examples checked: ${checked}`);
  assert.deepEqual(problems, [], `bad examples:\n  ${problems.join('\n  ')}`);
});

void test('example checks catch drift', () => {
  const vs = index.find((e) => e.group === 'networking.istio.io' && e.kind === 'VirtualService')!;
  assert.deepEqual(exampleProblems(vs, 'spec.http[].timeout', 'timeout: 5s'), []);
  assert.match(exampleProblems(vs, 'spec.http[].retries.perTryTimeout', 'retries: {perTryTimeout: 2s}')[0], /perTryTimeout: <value>/);
  // a comma inside a flow mapping starts a new key
  assert.equal(exampleProblems(vs, 'spec.http[].retries', 'retries: {attempts: 3, retryOn: 5xx,connect-failure}').length, 1);
  assert.equal(exampleProblems(vs, 'spec.http[].route[].weight', 'weight: heavy').length, 1);
  assert.deepEqual(exampleProblems(vs, 'spec.hosts', 'not a mapping'), []);
});

/** Is the field a leaf (a scalar, a list of scalars or a map of scalars)? */
function isLeaf(node: Node): boolean {
  let n = node;
  if (n.items) n = n.items;
  if (typeof n.additionalProperties === 'object' && !Object.keys(n.properties ?? {}).length) n = n.additionalProperties;
  const props = (x: Node): number => Object.keys(x.properties ?? {}).length + [...(x.allOf ?? []), ...(x.oneOf ?? []), ...(x.anyOf ?? [])].reduce((s, b) => s + props(b), 0);
  return props(n) === 0;
}

void test('every leaf field of the foundation kinds has an example', () => {
  const missing: string[] = [];
  for (const id of FOUNDATION_KINDS) {
    const [group, kind] = [id.slice(0, id.lastIndexOf('/')), id.slice(id.lastIndexOf('/') + 1)];
    const entry = index.find((e) => e.group === group && e.kind === kind);
    const d = docFiles.find((x) => x.data.group === group && x.data.kind === kind);
    assert.ok(entry && d, `${id}: no docs`);
    for (const [p, fd] of Object.entries(d.data.fields ?? {})) {
      const found = fieldSchema(entry, p);
      if (found && isLeaf(found.node) && typeof fd?.example !== 'string') missing.push(`${d.file}: ${p}`);
    }
  }
  assert.deepEqual(missing, [], `leaf fields without an example:\n  ${missing.join('\n  ')}`);
});

// ---------------------------------------------------------------------------------------------
// Our own words: nothing copied from the upstream CRD descriptions
// ---------------------------------------------------------------------------------------------

const RUN = 10;

function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

/**
 * Every run of RUN consecutive words of our text, joined by spaces. `Code spans` (field names, enum values) are
 * facts, not prose: a run does not cross or include them, so listing the values of an enum is not copying.
 */
function runs(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(/`[^`]*`/)) {
    const w = words(part);
    for (let i = 0; i + RUN <= w.length; i++) out.push(w.slice(i, i + RUN).join(' '));
  }
  return out;
}

function collectDescriptions(value: unknown, out: string[]): void {
  if (Array.isArray(value)) {
    for (const v of value) collectDescriptions(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'description' && typeof v === 'string') out.push(v);
      else collectDescriptions(v, out);
    }
  }
}

void test(`no run of ${RUN} words is copied from upstream CRD descriptions`, (t) => {
  if (!fs.existsSync(CRDS_DIR)) {
    t.skip('../shared/crds is not beside the project');
    return;
  }
  // Index our text by its runs (small), then scan the upstream descriptions (large) against it.
  const ours = new Map<string, string>();
  for (const { file, data } of docFiles) {
    for (const [p, fd] of Object.entries(data.fields ?? {})) {
      for (const text of [fd?.doc, fd?.example]) {
        if (typeof text === 'string') for (const r of runs(text)) ours.set(r, `${file}: ${p}`);
      }
    }
  }
  const yamlFiles: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(e.name)) yamlFiles.push(full);
    }
  };
  walk(CRDS_DIR);
  const copied = new Map<string, string>();
  for (const f of yamlFiles) {
    const descriptions: string[] = [];
    for (const d of parseAllDocuments(fs.readFileSync(f, 'utf8'))) collectDescriptions(d.toJSON(), descriptions);
    for (const text of descriptions) {
      for (const r of runs(text)) {
        const where = ours.get(r);
        if (where) copied.set(where, `"${r}" (${path.relative(CRDS_DIR, f)})`);
      }
    }
  }
  assert.ok(yamlFiles.length > 0, 'no CRD files found');
  assert.deepEqual([...copied].map(([where, what]) => `${where}: ${what}`), [], 'docs copy upstream description text');
});
