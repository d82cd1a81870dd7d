import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMap, isPair, isScalar, isSeq, parseDocument, Pair, Scalar, visit, YAMLMap, YAMLSeq } from 'yaml';
import { PARSE_OPTIONS, splitOffsets } from '../../server/src/service/documents';
import { fastParse, PROTOTYPE_NODES } from '../../server/src/service/fast-yaml';
import { manifest } from '../bench/workload';

const ROOT = path.join(__dirname, '..', '..');
/** FAST_YAML_RUNS and FAST_YAML_SEED run the generated cases longer or elsewhere (for example 100000 and a random seed). */
const RUNS = Number(process.env.FAST_YAML_RUNS ?? 3000);
const SEED = process.env.FAST_YAML_SEED ? Number(process.env.FAST_YAML_SEED) : undefined;

/** The first difference between two trees of the yaml library (classes, own properties, values), or undefined. */
function difference(a: unknown, b: unknown, at = '$', seen = new Set<unknown>()): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    if (Number.isNaN(a) && Number.isNaN(b)) return undefined;
    return `${at}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`;
  }
  if (seen.has(a)) return undefined;
  seen.add(a);
  if ((a as object).constructor !== (b as object).constructor) return `${at}: ${(a as object).constructor?.name} ≠ ${(b as object).constructor?.name}`;
  // the schema is an object of its own in every document; everything else must match
  const ka = Object.keys(a as object).filter((k) => k !== 'schema');
  const kb = Object.keys(b as object).filter((k) => k !== 'schema');
  if (ka.join() !== kb.join()) return `${at}: keys [${ka.join()}] ≠ [${kb.join()}]`;
  for (const k of ka) {
    const d = difference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`, seen);
    if (d) return d;
  }
  return undefined;
}

/** Checks one document; returns whether the fast path took it. */
function same(text: string, where: string): boolean {
  const fast = fastParse(text, PARSE_OPTIONS);
  if (!fast) return false;
  const ref = parseDocument(text, PARSE_OPTIONS);
  const d = difference(fast, ref);
  assert.equal(d, undefined, `${where}: the fast path builds another tree than the library\n${text}`);
  assert.equal(fast.toString(), ref.toString(), `${where}: prints differently`);
  return true;
}

function documentsOf(text: string): string[] {
  const offs = splitOffsets(text);
  return offs.map((o, i) => text.slice(o, offs[i + 1] ?? text.length));
}

function yamlFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out;
}

// ------------------------------------------------------------------------------------------ generated YAML

/** Scalars of the kind manifests are made of (the fast path builds them), and rarer forms (mostly left to the library). */
const COMMON = ['a', 'svc-1', 'reviews.shop.svc.cluster.local', '5s', '/api/*', 'cluster.local/ns/shop/sa/frontend', 'GET', 'x y', '0', '12', '-3', '1.5', '2.50', 'true', 'false', 'null', '"q"', "'s'", '[]', '{}', '[GET, POST]', 'a:b', 'a#b'];
const RARE = [
  'a', 'svc-1', 'reviews.shop.svc.cluster.local', '5s', '/api/*', 'cluster.local/ns/shop/sa/frontend', 'GET', 'x y', 'a:b', 'a#b', 'ends:', 'a: b', '-x', '- x', '-',
  '?x', '? x', ':x', '0', '12', '-3', '+4', '007', '9007199254740993', '1.5', '2.50', '.5', '1.', '-0.0', '1e3', '0x1F', '0o17', '.inf', '-.Inf', '.nan', 'true', 'True', 'FALSE',
  'yes', 'no', 'null', '~', 'Null', 'NULL', '"q"', "'s'", '"a\'b"', "'a\"b'", '"a\\"b"', "'it''s'", '""', "''", '[]', '[a, b]', '[ GET,POST ]', '[a,]', '[,a]', '[a, [b]]',
  '{}', '{ }', '{a: 1}', '[a: b]', '&x a', '*x', '!tag a', '|', '>', '@x', '`x', '%x', 'a # c', 'a  b', '[a b, c]', '["a", b]',
];
const KEYS = ['name', 'host', 'a', 'b', 'spec', 'x y', '1', 'true', 'ns/name', 'weight', 'k-8'];
const RARE_KEYS = ['"k"', "'k'", '-k', '<<', 'a:b', '? k', 'k#', 'k ', '~', '1.50'];
const SCALARS_ARB = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...COMMON) }, { weight: 1, arbitrary: fc.constantFrom(...RARE) });
const KEYS_ARB = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.constantFrom(...RARE_KEYS) });

/** A block node at `indent`, as text lines; every generated shape is valid or invalid YAML, both must agree. */
function blockArb(depth: number): fc.Arbitrary<(indent: number) => string[]> {
  const scalar = SCALARS_ARB.map((s) => (indent: number) => [`${' '.repeat(indent)}${s}`]);
  if (depth <= 0) return scalar;
  const child = blockArb(depth - 1);
  const map = fc
    .array(fc.tuple(KEYS_ARB, fc.oneof(SCALARS_ARB.map((s) => ({ inline: s as string | undefined, block: undefined })), child.map((b) => ({ inline: undefined, block: b }))), fc.constantFrom('', ' ', '  '), fc.nat(2)), { minLength: 1, maxLength: 4 })
    .map((entries) => (indent: number) => {
      const out: string[] = [];
      for (const [k, v, trail, step] of entries) {
        if (v.inline !== undefined) out.push(`${' '.repeat(indent)}${k}: ${v.inline}${trail}`);
        else {
          out.push(`${' '.repeat(indent)}${k}:${trail}`);
          out.push(...v.block!(indent + step));
        }
      }
      return out;
    });
  const seq = fc
    .array(fc.oneof(SCALARS_ARB.map((s) => ({ inline: s as string | undefined, block: undefined })), child.map((b) => ({ inline: undefined, block: b }))), { minLength: 1, maxLength: 4 })
    .map((items) => (indent: number) => {
      const out: string[] = [];
      for (const it of items) {
        if (it.inline !== undefined) out.push(`${' '.repeat(indent)}- ${it.inline}`);
        else {
          // a compact mapping (`- key: v`) or a block below the dash
          const lines = it.block!(indent + 2);
          if (lines.length && /^\s*[^-\s]/.test(lines[0])) out.push(`${' '.repeat(indent)}- ${lines[0].trimStart()}`, ...lines.slice(1));
          else out.push(`${' '.repeat(indent)}-`, ...lines);
        }
      }
      return out;
    });
  return fc.oneof({ weight: 1, arbitrary: scalar }, { weight: 3, arbitrary: map }, { weight: 2, arbitrary: seq });
}

const documentArb = fc
  .tuple(blockArb(4), fc.boolean(), fc.constantFrom('', '\n', '\n\n'), fc.array(fc.nat(30), { maxLength: 2 }), fc.boolean())
  .map(([block, marker, tail, blanks, keepFirst]) => {
    const lines = block(0);
    // blank lines at random places
    for (const b of blanks) lines.splice(keepFirst ? 1 + (b % Math.max(1, lines.length)) : b % (lines.length + 1), 0, '');
    return `${marker ? '---\n' : ''}${lines.join('\n')}${tail}`;
  });

describe('fast YAML path', () => {
  it('builds the same tree as the yaml library for every document of the fixtures, samples and CRDs it takes', () => {
    let taken = 0;
    let total = 0;
    const files = [...yamlFiles(path.join(ROOT, 'test', 'fixtures')), ...yamlFiles(path.join(ROOT, 'samples')), ...yamlFiles(path.join(ROOT, '..', 'shared', 'crds'))];
    for (const f of files) {
      for (const doc of documentsOf(fs.readFileSync(f, 'utf8'))) {
        total++;
        if (same(doc, path.relative(ROOT, f))) taken++;
      }
    }
    assert.ok(total > 300, `only ${total} documents`);
    assert.ok(taken > total / 5, `the fast path took only ${taken} of ${total} documents`);
  });

  it('takes every document of the benchmark workload', () => {
    const docs = documentsOf(manifest(20));
    for (const [i, d] of docs.entries()) assert.ok(same(d, `document ${i}`), `document ${i} left to the library:\n${d}`);
  });

  it('agrees with the library on generated block YAML (or leaves the document to it)', () => {
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(documentArb, (text) => {
        runs++;
        if (same(text, 'generated')) taken++;
      }),
      { numRuns: RUNS, seed: SEED ?? 20261204 },
    );
    assert.ok(taken > runs / 10, `the fast path took only ${taken} of ${runs} generated documents`);
  });

  it('agrees with the library on mutated documents of the workload (a character inserted, deleted or replaced)', () => {
    const base = documentsOf(manifest(3));
    const chars = [' ', '\n', ':', '-', '#', '"', "'", '[', ']', ',', '{', 'x', '0', '.', '\t', '\r', '&', '*', '|', '>', '?', '!'];
    fc.assert(
      fc.property(fc.nat(base.length - 1), fc.nat(5000), fc.constantFrom(...chars), fc.constantFrom('insert', 'delete', 'replace'), (di, pos, ch, op) => {
        const d = base[di];
        const at = pos % d.length;
        const text = op === 'insert' ? d.slice(0, at) + ch + d.slice(at) : op === 'delete' ? d.slice(0, at) + d.slice(at + 1) : d.slice(0, at) + ch + d.slice(at + 1);
        same(text, `${op} ${JSON.stringify(ch)} at ${at}`);
      }),
      { numRuns: RUNS, seed: SEED ?? 4242 },
    );
  });

  it('builds nodes the library recognises: identity checks, instanceof, visit and clone', () => {
    const text = documentsOf(manifest(1))[0];
    const fast = fastParse(text, PARSE_OPTIONS)!;
    assert.ok(fast);
    assert.ok(PROTOTYPE_NODES, 'nodes are built from prototypes (the checks of fast-yaml.ts passed with this yaml release)');
    let scalars = 0;
    let pairs = 0;
    let collections = 0;
    visit(fast, {
      Map(_, node) {
        assert.ok(isMap(node) && node instanceof YAMLMap && !isSeq(node) && (node as unknown as { schema: unknown }).schema === fast.schema);
        collections++;
      },
      Seq(_, node) {
        assert.ok(isSeq(node) && node instanceof YAMLSeq && !isMap(node) && (node as unknown as { schema: unknown }).schema === fast.schema);
        collections++;
      },
      Scalar(_, node) {
        assert.ok(isScalar(node) && node instanceof Scalar && !isPair(node) && !isMap(node) && !isSeq(node));
        scalars++;
      },
      Pair(_, node) {
        assert.ok(isPair(node) && node instanceof Pair && !isScalar(node));
        pairs++;
      },
    });
    assert.ok(scalars > 20 && pairs > 10 && collections > 5, `${scalars} scalars, ${pairs} pairs, ${collections} collections`);
    const copy = fast.clone();
    assert.equal(copy.toString(), parseDocument(text, PARSE_OPTIONS).toString());
    assert.deepEqual(copy.toJS(), parseDocument(text, PARSE_OPTIONS).toJS());
  });

  it('leaves a repeated key to the library, in small and in large mappings', () => {
    const keys = Array.from({ length: 200 }, (_, i) => `k${i}: v`);
    assert.ok(same(`${keys.join('\n')}\n`, 'unique keys'));
    for (const at of [1, 31, 32, 33, 150]) assert.equal(fastParse(`${keys.join('\n')}\nk${at - 1}: again\n`, PARSE_OPTIONS), undefined, `k${at - 1} repeated`);
    assert.equal(fastParse('a: 1\nb: 2\na: 3\n', PARSE_OPTIONS), undefined);
  });

  it('leaves comments, anchors, tags, block scalars, tabs, CR and escapes to the library', () => {
    for (const text of ['a: 1 # c\n', '# c\na: 1\n', 'a: &x 1\nb: *x\n', 'a: !!str 1\n', 'a: |\n  x\n', 'a:\tb\n', 'a: 1\r\nb: 2\r\n', 'a: "x\\ny"\n', 'a: b\n  c\n', 'a: 0x1F\n', 'a: [b, [c]]\n', '- - a\n', 'a: 1\na: 2\n', '\ufeffa: 1\n']) {
      assert.equal(fastParse(text, PARSE_OPTIONS), undefined, JSON.stringify(text));
    }
  });
});
