/**
 * Checks the hand-written hover documentation in schemas/docs/*.yaml against the
 * generated schemas: every documented path must exist in the newest served version
 * of its kind, both sides of every alias must exist and have the same shape, docs must
 * be short and non-empty, links must be https, and the coverage goals of
 * scripts/docs-coverage.ts must be met.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { computeCoverage, fieldPaths, FOUNDATION_KINDS, OVERALL_TARGET, pct } from '../../scripts/docs-coverage';
import type { SchemaNode } from '../../server/src/service/schema/types';

const ROOT = path.resolve(__dirname, '..', '..');
const DOCS_DIR = path.join(ROOT, 'schemas', 'docs');
const KINDS_DIR = path.join(ROOT, 'schemas', 'kinds');
const INDEX_FILE = path.join(ROOT, 'schemas', 'index.json');

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
const schemaCache = new Map<string, { version: string; root: Node }>();

function rootSchema(entry: IndexEntry): { version: string; root: Node } {
  const key = `${entry.group}/${entry.kind}`;
  const hit = schemaCache.get(key);
  if (hit) return hit;
  const kf: KindFile = JSON.parse(fs.readFileSync(path.join(KINDS_DIR, entry.file), 'utf8'));
  const version = newestServed(entry);
  const root = kf.schemas[kf.versions[version]];
  assert.ok(root, `${key}: no schema for version ${version}`);
  const out = { version, root };
  schemaCache.set(key, out);
  return out;
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
        const { version, root } = rootSchema(entry);
        const err = resolvePath(root, fieldPath);
        if (err) bad.push(`${fieldPath} (${entry.group}/${version} ${entry.kind}): ${err}`);
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
