/**
 * The caches that make opening a large file fast must not change a single diagnostic: CEL outcomes remembered per
 * schema node and rule (by the value the rule sees, or by the fields it reads), the direct YAML -> JSON conversion
 * of rule inputs, and the per-segment diagnostics. Each test checks both orders (the value first seen passes, then
 * fails, and the other way round), in one file and across files and services.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDocument } from 'yaml';
import { MeshService } from '../../server/src/service';
import { plainValue } from '../../server/src/service/documents';
import { fileDiagnostics } from '../../server/src/service/features/diagnostics';
import { ruleSelfReads } from '../../server/src/service/schema/cel';
import { SchemaRegistry } from '../../server/src/service/schema/registry';
import { celValueKey, validateDocument } from '../../server/src/service/schema/validate';
import { directPlainValue } from '../../server/src/service/schema/yaml-json';
import type { SchemaNode } from '../../server/src/service/schema/types';
import { file, registry, SCHEMAS } from './helpers';

const URI = 'file:///perf.yaml';

function vs(name: string, timeout: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
spec:
  hosts: [${name}]
  http:
  - route:
    - destination:
        host: ${name}
    timeout: ${timeout}
`;
}

/** The CEL findings of a text as [resource name, message] pairs, in order. */
function cel(reg: SchemaRegistry, text: string): Array<[string | null, string]> {
  return fileDiagnostics(reg, file(text))
    .filter((d) => d.rule === 'schema/cel')
    .map((d) => [d.resource.name, d.message]);
}

/** A registry with one workspace CRD (group perf.istio.io, kind Widget) of the given versions. */
function withCrd(versions: Array<{ name: string; spec: SchemaNode }>): SchemaRegistry {
  const reg = new SchemaRegistry(SCHEMAS);
  reg.setCrdSource('file:///crd.yaml', [crd(versions)]);
  return reg;
}

function crd(versions: Array<{ name: string; spec: SchemaNode }>): unknown {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.perf.istio.io' },
    spec: {
      group: 'perf.istio.io',
      names: { kind: 'Widget', plural: 'widgets' },
      scope: 'Namespaced',
      versions: versions.map((v, i) => ({
        name: v.name,
        served: true,
        storage: i === 0,
        schema: { openAPIV3Schema: { type: 'object', properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec: v.spec } } },
      })),
    },
  };
}

function widget(name: string, spec: string, version = 'v1'): string {
  return `apiVersion: perf.istio.io/${version}\nkind: Widget\nmetadata:\n  name: ${name}\nspec:\n${spec.replace(/^/gm, '  ')}\n`;
}

const join = (...docs: string[]): string => docs.join('---\n');

/**
 * The oracle: each document checked alone, with a registry of its own (new schema objects, so nothing remembered),
 * must give what it gives in a file with the others, in their order and in the reverse order.
 */
function sameAsAlone(makeRegistry: () => SchemaRegistry, docs: string[]): void {
  const alone = (d: string) => cel(makeRegistry(), d);
  const expected = docs.flatMap(alone);
  const reg = makeRegistry();
  assert.deepEqual(cel(reg, join(...docs)), expected);
  assert.deepEqual(cel(reg, join(...[...docs].reverse())), [...docs].reverse().flatMap(alone));
  assert.deepEqual(cel(reg, join(...docs)), expected, 'again, with everything remembered');
}

describe('CEL outcomes remembered across documents', () => {
  test('two documents whose values differ get their own outcome, whichever comes first', () => {
    const reg = registry();
    const got = cel(reg, join(vs('a', '5s'), vs('b', '0s'), vs('c', '5s'), vs('d', '0.5ms')));
    assert.equal(got.length, 2, JSON.stringify(got));
    assert.deepEqual(got.map((x) => x[0]), ['b', 'd']);
    // the other order, in a fresh service (the memo is shared by every service of the process)
    const svc = new MeshService(new SchemaRegistry(SCHEMAS));
    svc.setFile(URI, join(vs('d', '0.5ms'), vs('a', '5s'), vs('b', '0s')));
    assert.deepEqual(
      svc.diagnostics(URI).filter((d) => d.rule === 'schema/cel').map((d) => d.resource.name),
      ['d', 'b'],
    );
  });

  test('the same rule text and value on schemas that type the value differently (versions of a CRD) do not share outcomes', () => {
    // v1: a duration (CEL binds a google.protobuf.Duration); v2: a plain string: `self == duration('5s')` is true for
    // the first and an error (no such overload) for the second.
    const rule = [{ rule: "self == duration('5s')", message: 'must be 5s' }];
    const reg = withCrd([
      { name: 'v1', spec: { type: 'object', properties: { wait: { type: 'string', format: 'duration', 'x-kubernetes-validations': rule } } } },
      { name: 'v2', spec: { type: 'object', properties: { wait: { type: 'string', 'x-kubernetes-validations': rule } } } },
    ]);
    const v1 = widget('one', 'wait: 5s', 'v1');
    const v2 = widget('two', 'wait: 5s', 'v2');
    assert.deepEqual(cel(reg, join(v1, v2)), [['two', 'must be 5s']]);
    assert.deepEqual(cel(reg, join(v2, v1)), [['two', 'must be 5s']]);
    const reg2 = withCrd([
      { name: 'v1', spec: { type: 'object', properties: { wait: { type: 'string', format: 'duration', 'x-kubernetes-validations': rule } } } },
      { name: 'v2', spec: { type: 'object', properties: { wait: { type: 'string', 'x-kubernetes-validations': rule } } } },
    ]);
    assert.deepEqual(cel(reg2, join(v2, v1)), [['two', 'must be 5s']]);
  });

  test('a replaced CRD (a new schema generation) is evaluated with its new rules', () => {
    const spec = (limit: number): SchemaNode => ({ type: 'object', properties: { code: { type: 'string', 'x-kubernetes-validations': [{ rule: `self.size() < ${limit}`, message: 'too long' }] } } });
    const reg = withCrd([{ name: 'v1', spec: spec(3) }]);
    const text = widget('w', 'code: abcd');
    assert.deepEqual(cel(reg, text), [['w', 'too long']]);
    reg.setCrdSource('file:///crd.yaml', [crd([{ name: 'v1', spec: spec(10) }])]);
    assert.deepEqual(cel(reg, text), []);
    reg.setCrdSource('file:///crd.yaml', [crd([{ name: 'v1', spec: spec(3) }])]);
    assert.deepEqual(cel(reg, text), [['w', 'too long']]);
  });

  test('defaults: an absent field, a null one and a set one are told apart', () => {
    const reg = withCrd([
      {
        name: 'v1',
        spec: {
          type: 'object',
          properties: { mode: { type: 'string', default: 'A' }, other: { type: 'string' } },
          'x-kubernetes-validations': [{ rule: "self.mode == 'A'", message: 'mode must be A' }],
        },
      },
    ]);
    const docs = [widget('absent', 'other: x'), widget('nulled', 'mode: null\nother: x'), widget('set-b', 'mode: B'), widget('set-a', 'mode: A'), widget('absent2', 'other: y')];
    assert.deepEqual(cel(reg, join(...docs)), [['set-b', 'mode must be A']]);
    assert.deepEqual(cel(reg, join(...[...docs].reverse())), [['set-b', 'mode must be A']]);
    sameAsAlone(() => withCrd([{ name: 'v1', spec: { type: 'object', properties: { mode: { type: 'string', default: 'A' }, other: { type: 'string' } }, 'x-kubernetes-validations': [{ rule: "self.mode == 'A'", message: 'mode must be A' }] } }]), docs);
  });
});

describe('rules that read some fields of self', () => {
  test('what a rule reads: has() and selected fields, keys of a comprehension, or all of self', () => {
    const reads = (rule: string, messageExpression?: string) => {
      const r = ruleSelfReads({ rule, messageExpression });
      return r ? { fields: Object.fromEntries(r.fields), keys: r.keys } : 'whole';
    };
    assert.deepEqual(reads('has(self.a) != has(self.b)'), { fields: { a: 'has', b: 'has' }, keys: false });
    assert.deepEqual(reads("has(self.a) && self.a == 'x'"), { fields: { a: 'value' }, keys: false });
    assert.deepEqual(reads('has(self.a.b)'), { fields: { a: 'value' }, keys: false });
    assert.deepEqual(reads('self.all(k, k.size() > 1)'), { fields: {}, keys: true });
    assert.deepEqual(reads('has(self.a)', "'bad ' + self.name"), { fields: { a: 'has', name: 'value' }, keys: false });
    assert.equal(reads('self.size() < 3'), 'whole');
    assert.equal(reads('self.all(k, self[k] != "x")'), 'whole');
    assert.equal(reads('[1].all(self, self > 0) && has(self.a)'), 'whole'); // a variable named self
    assert.equal(reads('has(self.a)', 'not valid ((('), 'whole');
    assert.equal(reads('self == oldSelf'), 'whole');
  });

  test('a messageExpression that reads another field gives each document its own message', () => {
    const reg = withCrd([
      {
        name: 'v1',
        spec: {
          type: 'object',
          properties: { a: { type: 'string' }, b: { type: 'string' }, label: { type: 'string' } },
          'x-kubernetes-validations': [{ rule: 'has(self.a) || has(self.b)', messageExpression: "'set a or b on ' + self.label" }],
        },
      },
    ]);
    const docs = [widget('x', 'label: first'), widget('y', 'label: second'), widget('z', 'a: set\nlabel: third'), widget('w', 'label: first')];
    assert.deepEqual(cel(reg, join(...docs)), [
      ['x', 'set a or b on first'],
      ['y', 'set a or b on second'],
      ['w', 'set a or b on first'],
    ]);
  });

  test('a rule on the keys of a map: values do not matter, keys and their order do', () => {
    const map = (rules: Array<{ rule: string; messageExpression?: string; message?: string }>): SchemaNode => ({
      type: 'object',
      properties: { labels: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-validations': rules } },
    });
    const reg = withCrd([{ name: 'v1', spec: map([{ rule: "self.all(k, k != 'z')", messageExpression: "self.map(k, k).join(',')" }]) }]);
    const docs = [widget('bz', 'labels:\n  b: "1"\n  z: "1"'), widget('zb', 'labels:\n  z: "1"\n  b: "1"'), widget('bz2', 'labels:\n  b: "2"\n  z: "2"'), widget('ok', 'labels:\n  b: "z"')];
    const expected: Array<[string, string]> = [
      ['bz', 'b,z'],
      ['zb', 'z,b'],
      ['bz2', 'b,z'],
    ];
    assert.deepEqual(cel(reg, join(...docs)), expected);
    assert.deepEqual(cel(reg, join(docs[3], docs[2], docs[1], docs[0])), [...expected].reverse().map(([n, m]) => [n, m] as [string, string]));
    // a rule that reads the values too is keyed by the whole map
    const reg2 = withCrd([{ name: 'v1', spec: map([{ rule: "self.all(k, self[k] != 'bad')", message: 'bad value' }]) }]);
    assert.deepEqual(cel(reg2, join(widget('good', 'labels:\n  a: good'), widget('bad', 'labels:\n  a: bad'))), [['bad', 'bad value']]);
    assert.deepEqual(cel(reg2, join(widget('bad', 'labels:\n  a: bad'), widget('good', 'labels:\n  a: good'))), [['bad', 'bad value']]);
  });

  test('a key set to null is present in a map (has() is true), absent from an object', () => {
    const rules = [{ rule: '!has(self.debug)', message: 'no debug' }];
    const make = () =>
      withCrd([
        {
          name: 'v1',
          spec: {
            type: 'object',
            properties: {
              labels: { type: 'object', additionalProperties: { type: 'string', nullable: true }, 'x-kubernetes-validations': rules },
              opts: { type: 'object', properties: { debug: { type: 'string', nullable: true }, level: { type: 'string' } }, 'x-kubernetes-validations': rules },
            },
          },
        },
      ]);
    sameAsAlone(make, [
      widget('none', 'labels: {app: x}\nopts: {level: a}'),
      widget('null', 'labels: {debug: null}\nopts: {debug: null}'),
      widget('set', 'labels: {debug: "on"}\nopts: {debug: "on"}'),
      widget('none2', 'labels: {app: y}\nopts: {level: b}'),
    ]);
  });

  test('keys named like Object.prototype members are read as the document has them', () => {
    const reg = withCrd([
      {
        name: 'v1',
        spec: {
          type: 'object',
          properties: { labels: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-validations': [{ rule: '!has(self.constructor) && !has(self.toString)', message: 'reserved key' }] } },
        },
      },
    ]);
    const docs = [widget('plain', 'labels:\n  app: x'), widget('ctor', 'labels:\n  constructor: x'), widget('proto', 'labels:\n  __proto__: x\n  toString: y'), widget('plain2', 'labels:\n  app: y')];
    assert.deepEqual(cel(reg, join(...docs)).map((x) => x[0]), ['ctor', 'proto']);
    assert.deepEqual(cel(reg, join(docs[1], docs[0], docs[2])).map((x) => x[0]), ['ctor', 'proto']);
    sameAsAlone(
      () => withCrd([{ name: 'v1', spec: { type: 'object', properties: { labels: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-validations': [{ rule: '!has(self.constructor) && !has(self.toString)', message: 'reserved key' }] } } } }]),
      docs,
    );
  });

  test('objects that agree on the fields a rule reads share its outcome; the others do not', () => {
    const rule = [{ rule: '(has(self.selector) ? 1 : 0) + (has(self.targetRef) ? 1 : 0) <= 1', message: 'one of selector and targetRef' }];
    const reg = withCrd([
      { name: 'v1', spec: { type: 'object', properties: { selector: { type: 'object', additionalProperties: { type: 'string' } }, targetRef: { type: 'object', additionalProperties: { type: 'string' } }, note: { type: 'string' } }, 'x-kubernetes-validations': rule } },
    ]);
    const docs = [
      widget('s1', 'selector: {app: a}\nnote: x'),
      widget('both', 'selector: {app: a}\ntargetRef: {name: b}'),
      widget('s2', 'selector: {app: other}\nnote: y'),
      widget('t1', 'targetRef: {name: c}'),
      widget('both2', 'selector: {}\ntargetRef: {}'),
      widget('nulls', 'selector: null\ntargetRef: {name: d}'),
    ];
    assert.deepEqual(cel(reg, join(...docs)).map((x) => x[0]), ['both', 'both2']);
    assert.deepEqual(cel(reg, join(...[...docs].reverse())).map((x) => x[0]), ['both2', 'both']);
    sameAsAlone(() => withCrd([{ name: 'v1', spec: { type: 'object', properties: { selector: { type: 'object', additionalProperties: { type: 'string' } }, targetRef: { type: 'object', additionalProperties: { type: 'string' } }, note: { type: 'string' } }, 'x-kubernetes-validations': rule } }]), docs);
  });
});

test('one rule object on two schema nodes that type the value differently: outcomes are kept per node', () => {
  const rules = [{ rule: "self == duration('5s')", message: 'must be 5s' }];
  const asDuration: SchemaNode = { type: 'object', properties: { spec: { type: 'object', properties: { wait: { type: 'string', format: 'duration', 'x-kubernetes-validations': rules } } } } };
  const asString: SchemaNode = { type: 'object', properties: { spec: { type: 'object', properties: { wait: { type: 'string', 'x-kubernetes-validations': rules } } } } };
  const seg = file('spec:\n  wait: 5s\n').segments[0].parsed;
  const messages = (s: SchemaNode) => validateDocument(seg, s).map((d) => d.message);
  assert.deepEqual(messages(asDuration), []);
  assert.deepEqual(messages(asString), ['must be 5s']);
  assert.deepEqual(messages(asDuration), []);
});

describe('direct YAML -> JSON conversion of rule inputs', () => {
  const cases = [
    'a: 1\nb: two\nc: true\nd: null\ne: 1.5\nf: -0\ng: .nan\nh: .inf',
    'a: 1\nb: 2\na: 3', // a repeated key: its first place, its last value (with a duplicate-key error)
    '1: x\n2.0: y\ntrue: z\nnull: n\n~: m\n? \n: empty',
    '"b": 1\n10: x\n2: y\na: z', // integer-like keys
    'list: [1, "1", [a, {b: c}], {}, []]',
    'flow: [a: 1, b]', // a pair in a flow sequence
    'anchored: &x {a: 1}\nplain: &y 2',
    'alias: &x {a: 1}\nother: *x',
    'base: &b {a: 1}\nmerged:\n  <<: *b\n  c: 2',
    "quoted: {'<<': 1}",
    '__proto__: {polluted: true}\nok: 1',
    'tagged: !!str 123\ncustom: !thing {a: 1}\nseq: !!seq [1]',
    'block: |\n  line one\n  line two\nfolded: >\n  folded\n  text',
    '[a, b]: collection key',
    'deep: ' + '['.repeat(80) + ']'.repeat(80),
  ];
  for (const text of cases) {
    test(JSON.stringify(text.slice(0, 40)), () => {
      const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true, keepSourceTokens: false, merge: true, logLevel: 'silent' });
      const direct = directPlainValue(doc.contents as never);
      const plain = plainValue(doc as never);
      if (direct === undefined) return; // converted by plainValue instead: nothing to compare
      assert.deepStrictEqual(direct, plain);
      assert.deepEqual(Object.keys(direct as object), Object.keys(plain as object));
      assert.equal(celValueKey(direct), celValueKey(plain));
    });
  }

  test('trees with aliases, merge keys, collection keys, custom tags or __proto__ go through plainValue', () => {
    for (const text of ['alias: &x {a: 1}\nother: *x', 'base: &b {a: 1}\nm:\n  <<: *b', '[a]: 1', 'c: !thing {a: 1}', '__proto__: 1']) {
      const doc = parseDocument(text, { merge: true, logLevel: 'silent' });
      assert.equal(directPlainValue(doc.contents as never), undefined, text);
    }
  });
});

describe('celValueKey', () => {
  test('tells apart what CEL tells apart', () => {
    const distinct: unknown[] = ['1', 1, true, 'true', 't', null, 'null', 'z', 0, -0, NaN, Infinity, [], {}, [1], ['1'], { a: 1 }, { a: '1' }, { a: 1, b: 2 }, { b: 2, a: 1 }, [[]], [{}], { '': 1 }, { '"': 1 }];
    const keys = distinct.map((v) => celValueKey(v));
    assert.ok(keys.every((k) => typeof k === 'string'));
    assert.equal(new Set(keys).size, distinct.length, JSON.stringify(keys));
    assert.equal(celValueKey({ a: [1, { b: 'x' }] }), celValueKey({ a: [1, { b: 'x' }] }));
  });

  test('gives no key for values that are not plain JSON or are too large', () => {
    assert.equal(celValueKey(undefined), undefined);
    assert.equal(celValueKey(new Date(0)), undefined);
    assert.equal(celValueKey(new Map()), undefined);
    assert.equal(celValueKey({ a: 1n }), undefined);
    assert.equal(celValueKey('x'.repeat(5000)), undefined);
    assert.equal(celValueKey(Array.from({ length: 3000 }, () => 1)), undefined);
    assert.equal(celValueKey({ a: 'x' }, 3), undefined);
  });
});

test('an evaluation stopped by its time limit is not remembered: the per-document CEL budget still runs out', { timeout: 20000 }, () => {
  const slow = `[${Array.from({ length: 2000 }, (_, i) => i).join(',')}].all(a, [${Array.from({ length: 2000 }, (_, i) => i).join(',')}].all(b, a + b >= 0))`;
  const reg = withCrd([{ name: 'v1', spec: { type: 'object', properties: { items: { type: 'array', items: { type: 'string', 'x-kubernetes-validations': [{ rule: slow }] } } } } }]);
  const text = widget('slow', `items: [${Array.from({ length: 8 }, () => 'same').join(', ')}]`);
  const d = fileDiagnostics(reg, file(text));
  assert.ok(d.some((x) => x.rule === 'limits/reduced-analysis' && /CEL/.test(x.message)), JSON.stringify(d));
});

test('the registry keeps its list of kinds until the set of schemas changes', () => {
  const reg = new SchemaRegistry(SCHEMAS);
  const widgets = () => reg.kinds().filter((k) => k.kind === 'Widget').length;
  assert.equal(widgets(), 0);
  assert.equal(reg.isMeshGroup('perf.istio.io'), true); // an Istio group by its name
  const list = reg.kinds();
  list.length = 0; // a caller's copy: the registry's list is not changed
  assert.ok(reg.kinds().length > 10);
  reg.setCrdSource('file:///crd.yaml', [crd([{ name: 'v1', spec: { type: 'object' } }])]);
  assert.equal(widgets(), 1);
  assert.ok(reg.groups().has('perf.istio.io'));
  assert.equal(reg.lookup('perf.istio.io/v1', 'Widget').status, 'ok');
  reg.setCrdSource('file:///crd.yaml', []);
  assert.equal(widgets(), 0);
  assert.equal(reg.groups().has('perf.istio.io'), false);
  assert.equal(reg.lookup('perf.istio.io/v1', 'Widget').status, 'unknown-kind');
});
