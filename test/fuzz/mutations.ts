/**
 * Mutations that turn valid mesh YAML into hostile input. Each mutation is a plain JSON descriptor (so a failing
 * case can be printed and replayed) applied deterministically by `applyMutation`.
 */
import fc from 'fast-check';
import { isMap, isSeq, parseAllDocuments, parseDocument, type Document, type Node, type Pair } from 'yaml';

export type Mutation =
  | { t: 'truncate'; at: number }
  | { t: 'wrongType'; pick: number; value: string }
  | { t: 'kind'; field: 'kind' | 'apiVersion'; nth: number; value: string }
  | { t: 'deep'; pick: number; levels: number; style: 'flowSeq' | 'flowMap' | 'blockSeq' | 'blockMap' | 'unclosed' | 'mixed' }
  | { t: 'long'; pick: number; len: number; as: 'key' | 'value' | 'quoted' | 'block' | 'comment' | 'words' }
  | { t: 'bytes'; at: number; bytes: number[]; decode: 'latin1' | 'utf8' }
  | { t: 'surrogate'; at: number; unit: number }
  | { t: 'bom'; at: number }
  | { t: 'eol'; style: 'crlf' | 'cr' | 'mixed' }
  | { t: 'tabs'; every: number }
  | { t: 'dupKey'; pick: number }
  | { t: 'dupLine'; pick: number; times: number }
  | { t: 'anchors'; pick: number; target: number; variant: 'alias' | 'undefined' | 'self' | 'merge' | 'mergeSeq' | 'redefine' }
  | { t: 'aliasBomb'; levels: number; width: number; where: 'http' | 'hosts' | 'unknown' | 'top' }
  | { t: 'mergeBomb'; levels: number; where: 'http' | 'trafficPolicy' }
  | { t: 'separators'; at: number; count: number; sep: string }
  | { t: 'blankLines'; at: number; count: number; ws: string }
  | { t: 'replaceAll'; text: string }
  | { t: 'splice'; at: number; del: number; insert: string }
  | { t: 'concat'; other: string }
  | { t: 'crd'; kind: string; schema: string; rule: string };

// ---------------------------------------------------------------------------------------------------------------
// helpers over lines

const KEY_LINE = /^([ \t]*(?:- +)*)([^\s#:'"{}[\],&*!|>%@`-][^:#]*?):(?:[ \t]+(.*))?$/;

function lines(text: string): string[] {
  return text.split('\n');
}

function offsetOf(text: string, at: number): number {
  return Math.max(0, Math.min(text.length, Math.floor(at * (text.length + 1))));
}

function lineIndex(ls: string[], at: number): number {
  return Math.max(0, Math.min(ls.length - 1, Math.floor(at * ls.length)));
}

/** Indexes of lines that look like `key: value` / `key:`. */
function keyLines(ls: string[]): number[] {
  const out: number[] = [];
  ls.forEach((l, i) => {
    if (KEY_LINE.test(l.replace(/\r$/, ''))) out.push(i);
  });
  return out;
}

function pickKeyLine(ls: string[], pick: number): number | undefined {
  const ks = keyLines(ls);
  return ks.length ? ks[Math.min(ks.length - 1, Math.floor(pick * ks.length))] : undefined;
}

function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/** Column of a key on its line (after indentation and `- ` markers). */
function keyColumn(line: string): number {
  const m = KEY_LINE.exec(line);
  return m ? m[1].length : indentOf(line).length;
}

/** Replaces the value of the key on line i (keeping `key:`) with `value` (which may span lines). */
function setValue(ls: string[], i: number, value: string): string[] {
  const m = KEY_LINE.exec(ls[i].replace(/\r$/, ''));
  if (!m) return ls;
  const out = [...ls];
  out[i] = `${m[1]}${m[2]}: ${value}`;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// structural helpers

/** Every pair value and sequence item of a document tree (bounded). */
function slots(doc: Document.Parsed): Array<{ set: (n: Node) => void }> {
  const out: Array<{ set: (n: Node) => void }> = [];
  const walk = (node: unknown, depth: number): void => {
    if (out.length > 5000 || depth > 50) return;
    if (isMap(node)) {
      for (const p of node.items as Pair[]) {
        out.push({ set: (n) => (p.value = n) });
        walk(p.value, depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((it, i) => {
        out.push({ set: (n) => (node.items[i] = n) });
        walk(it, depth + 1);
      });
    }
  };
  walk(doc.contents, 0);
  return out;
}

/** Values of the wrong type for any field: every YAML type, tags, and awkward scalars. */
export const HOSTILE_VALUES = [
  '{a: 1}',
  '[1, x]',
  '[]',
  '{}',
  '42',
  '-1',
  '0',
  '1e400',
  '9007199254740993',
  '0x1F',
  '0o17',
  '1.5',
  '.nan',
  '-.inf',
  'true',
  'no',
  'null',
  '~',
  '""',
  "''",
  'x',
  '2001-12-14t21:59:43.10-05:00',
  '!!binary aGVsbG8=',
  '!!set {a, b}',
  '!!omap [a: 1]',
  '!custom tag',
  '!!int notanumber',
  '!!float xyz',
  '!!str 5',
  '!!map [1]',
  '&anchor {x: 1}',
  '*undefined',
  '"\\u0000\\uD800"',
  '|\n  block\n  text',
  '>-\n  folded',
  '? complex\n: key',
  '[[[]]]',
  '{? a}',
] as const;

function replaceValueStructurally(text: string, pick: number, raw: string): string | undefined {
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text) as Document.Parsed[];
  } catch {
    return undefined;
  }
  if (!Array.isArray(docs) || !docs.length || docs.some((d) => d.errors.length)) return undefined;
  const all = docs.flatMap((d) => slots(d).map((s) => ({ d, s })));
  if (!all.length) return undefined;
  const target = all[Math.min(all.length - 1, Math.floor(pick * all.length))];
  const donor = parseDocument(`v: ${raw.includes('\n') ? raw.replace(/\n/g, '\n  ') : raw}`, { uniqueKeys: false });
  const node = isMap(donor.contents) ? ((donor.contents.items[0] as Pair).value as Node | null) : null;
  if (!node) return undefined;
  target.s.set(node);
  try {
    return docs.map((d) => d.toString({ lineWidth: 0 })).join('---\n');
  } catch {
    return undefined;
  }
}

function nested(levels: number, style: Extract<Mutation, { t: 'deep' }>['style'], col: number): string {
  switch (style) {
    case 'flowSeq':
      return '['.repeat(levels) + 'x' + ']'.repeat(levels);
    case 'flowMap':
      return '{a: '.repeat(levels) + '1' + '}'.repeat(levels);
    case 'unclosed':
      return '[{a: '.repeat(levels);
    case 'mixed':
      return '[{a: '.repeat(levels) + '1' + '}]'.repeat(levels);
    case 'blockSeq':
      return '\n' + ' '.repeat(col + 2) + '- '.repeat(levels) + 'x';
    case 'blockMap': {
      const n = Math.min(levels, 800); // indentation grows linearly: 800 levels are ~320k characters
      const out: string[] = [''];
      for (let i = 0; i < n; i++) out.push(' '.repeat(col + 2 + i) + 'a:');
      return out.join('\n') + ' 1';
    }
  }
}

/** Where an injected bomb goes: after the first `spec:` line, else in a new VirtualService document. */
function injectUnderSpec(text: string, body: string[]): string {
  const m = /^spec:[ \t]*\r?$/m.exec(text);
  if (m) {
    const at = m.index + m[0].length;
    return text.slice(0, at) + '\n' + body.map((l) => '  ' + l).join('\n') + text.slice(at);
  }
  const head = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: bomb\nspec:\n';
  return `${text}${text.endsWith('\n') || !text ? '' : '\n'}---\n${head}${body.map((l) => '  ' + l).join('\n')}\n`;
}

function aliasBomb(levels: number, width: number, where: Extract<Mutation, { t: 'aliasBomb' }>['where']): string[] {
  const body: string[] = ['x-lol:', `  l0: &l0 ${where === 'http' ? '{route: [{destination: {host: a}}]}' : '"lol"'}`];
  for (let i = 1; i <= levels; i++) body.push(`  l${i}: &l${i} [${Array(width).fill(`*l${i - 1}`).join(', ')}]`);
  const key = where === 'http' ? 'http' : where === 'hosts' ? 'hosts' : 'x-unknown';
  if (where === 'top') return body;
  body.push(`${key}: *l${levels}`);
  return body;
}

function mergeBomb(levels: number, where: Extract<Mutation, { t: 'mergeBomb' }>['where']): string[] {
  const body: string[] = ['x-m:', '  m0: &m0 {timeout: 1s}'];
  for (let i = 1; i <= levels; i++) body.push(`  m${i}: &m${i} {<<: [*m${i - 1}, *m${i - 1}]}`);
  if (where === 'http') body.push(`http: [*m${levels}, {<<: *m${levels}, route: [{destination: {host: a}}]}]`);
  else body.push(`trafficPolicy: {<<: *m${levels}}`);
  return body;
}

/**
 * Schemas for hostile CRDs found in the workspace (they replace the bundled schema of their kind). `%RULES%`
 * marks where the CEL rules go (x-kubernetes-validations), on the spec or on every list item.
 */
export const CRD_SCHEMAS = [
  '{type: object, x-kubernetes-preserve-unknown-fields: true}',
  '{type: object, properties: {spec: {type: object, %RULES% x-kubernetes-preserve-unknown-fields: true}}}',
  '{type: object, properties: {spec: {type: object, properties: {hosts: {type: array, items: {type: string, %RULES% pattern: "(a+)+$"}}}}}}',
  '{type: object, properties: {spec: {type: object, properties: {hosts: {type: array, items: {type: string, pattern: "["}}}}}}',
  '{type: object, properties: {spec: {type: object, %RULES% required: [nope, hosts], oneOf: [{required: [a]}, {required: [b]}], not: {required: [c]}}}}',
  '{type: object, properties: {spec: {type: object, properties: {hosts: {type: array, x-kubernetes-list-type: map, x-kubernetes-list-map-keys: [name], items: {type: object}}}}}}',
  '{type: object, properties: {spec: {type: object, default: 5, properties: {http: {type: array, items: {x-kubernetes-int-or-string: true, enum: [1, "a", null]}}}}}}',
  '{type: string}',
  '{type: array}',
  '{}',
  '[]',
  '42',
  '{type: object, properties: {spec: {type: object, additionalProperties: {type: object, %RULES% additionalProperties: {type: object}}}}}',
] as const;

export const CEL_RULES = [
  'self.size() >= 0',
  'has(self.hosts)',
  'self.hosts.all(h, self.hosts.exists_one(g, g == h))',
  'self.hosts.all(h, h.matches("^(a+)+$"))',
  '[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20].all(a, [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20].all(b, [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20].all(c, a + b + c > 0)))',
  'self.x.y.z == 1',
  '1 / 0 == 1',
  'self ==',
  '"a" + 1',
  'oldSelf == self',
  'self.hosts.map(h, h + h + h + h).size() > 0',
  'int("99999999999999999999") > 0',
  'quantity("1Gi").isGreaterThan(quantity("1Mi"))',
  'url("http://x/").getHost() == "x"',
  'duration("1h") > duration("1s")',
  'self.hosts[999] == "x"',
  '',
] as const;

function crdDoc(kind: string, schema: string, rule: string): string {
  const [group, k] = kind.split('/');
  const rules = rule ? `x-kubernetes-validations: [{rule: ${JSON.stringify(rule)}, messageExpression: ${JSON.stringify(rule)}}],` : '';
  return [
    'apiVersion: apiextensions.k8s.io/v1',
    'kind: CustomResourceDefinition',
    'metadata:',
    `  name: fuzz.${group}`,
    'spec:',
    `  group: ${group}`,
    `  names: {kind: ${k}, plural: ${k.toLowerCase()}s}`,
    '  scope: Namespaced',
    '  versions:',
    '  - name: v1',
    '    served: true',
    '    storage: true',
    '    schema:',
    `      openAPIV3Schema: ${schema.replace('%RULES%', rules)}`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------

/** Applies one mutation. Never throws (a mutation that does not apply returns the text unchanged). */
export function applyMutation(text: string, m: Mutation): string {
  const ls = lines(text);
  switch (m.t) {
    case 'truncate':
      return text.slice(0, offsetOf(text, m.at));
    case 'wrongType': {
      const structural = replaceValueStructurally(text, m.pick, m.value);
      if (structural !== undefined) return structural;
      const i = pickKeyLine(ls, m.pick);
      return i === undefined ? text : setValue(ls, i, m.value.replace(/\n/g, ' ')).join('\n');
    }
    case 'kind': {
      let n = -1;
      const re = m.field === 'kind' ? /^kind:.*$/gm : /^apiVersion:.*$/gm;
      const count = (text.match(re) ?? []).length;
      if (!count) return `${m.field}: ${m.value}\n${text}`;
      const target = m.nth % count;
      return text.replace(re, (line) => (++n === target ? `${m.field}: ${m.value}` : line));
    }
    case 'deep': {
      const i = pickKeyLine(ls, m.pick);
      if (i === undefined) return text + '\n' + nested(m.levels, m.style, 0);
      return setValue(ls, i, nested(m.levels, m.style, keyColumn(ls[i]))).join('\n');
    }
    case 'long': {
      const i = pickKeyLine(ls, m.pick) ?? 0;
      const line = ls[i] ?? '';
      const col = keyColumn(line);
      const indent = ' '.repeat(col);
      const out = [...ls];
      switch (m.as) {
        case 'key':
          out.splice(i + 1, 0, `${indent}${'k'.repeat(m.len)}: 1`);
          return out.join('\n');
        case 'value':
          return setValue(ls, i, 'v'.repeat(m.len)).join('\n');
        case 'quoted':
          return setValue(ls, i, `"${'\\u00e9\\t\\"'.repeat(Math.ceil(m.len / 12))}"`).join('\n');
        case 'block':
          return setValue(ls, i, `|\n${(indent + '  ' + 'b'.repeat(80) + '\n').repeat(Math.ceil(m.len / 80))}`).join('\n');
        case 'comment':
          out.splice(i, 0, `${indent}# ${'c'.repeat(m.len)}`);
          return out.join('\n');
        case 'words':
          return setValue(ls, i, 'word '.repeat(Math.ceil(m.len / 5)).trim()).join('\n');
      }
      return text;
    }
    case 'bytes': {
      const at = offsetOf(text, m.at);
      const s = m.decode === 'latin1' ? String.fromCharCode(...m.bytes) : Buffer.from(m.bytes).toString('utf8');
      return text.slice(0, at) + s + text.slice(at);
    }
    case 'surrogate': {
      const at = offsetOf(text, m.at);
      return text.slice(0, at) + String.fromCharCode(m.unit) + text.slice(at);
    }
    case 'bom': {
      const at = m.at <= 0.1 ? 0 : offsetOf(text, m.at);
      return text.slice(0, at) + '\uFEFF' + text.slice(at);
    }
    case 'eol':
      if (m.style === 'crlf') return text.replace(/\r?\n/g, '\r\n');
      if (m.style === 'cr') return text.replace(/\r?\n/g, '\r');
      return ls.map((l, i) => l + (i === ls.length - 1 ? '' : ['\n', '\r\n', '\r'][i % 3])).join('');
    case 'tabs':
      return ls.map((l, i) => (i % m.every === 0 ? l.replace(/^ {2}/, '\t') : l)).join('\n');
    case 'dupKey': {
      const i = pickKeyLine(ls, m.pick);
      if (i === undefined) return text;
      const out = [...ls];
      // the same key again at the same column (a `- key` item line becomes a plain key line)
      const line = ls[i].replace(/^([ \t]*)((?:- +)+)/, (_m, ind: string, dashes: string) => ind + ' '.repeat(dashes.length));
      out.splice(i + 1, 0, line);
      return out.join('\n');
    }
    case 'dupLine': {
      const i = lineIndex(ls, m.pick);
      const out = [...ls];
      out.splice(i + 1, 0, ...Array<string>(m.times).fill(ls[i]));
      return out.join('\n');
    }
    case 'anchors': {
      const ks = keyLines(ls);
      if (ks.length < 2) return text;
      const a = ks[Math.min(ks.length - 1, Math.floor(m.pick * ks.length))];
      const b = ks[Math.min(ks.length - 1, Math.floor(m.target * ks.length))];
      const out = [...ls];
      const ma = KEY_LINE.exec(out[a].replace(/\r$/, ''))!;
      out[a] = `${ma[1]}${ma[2]}: &fz ${ma[3] ?? ''}`.trimEnd();
      const col = keyColumn(out[b]);
      switch (m.variant) {
        case 'alias':
          return setValue(out, b, '*fz').join('\n');
        case 'undefined':
          return setValue(out, b, '*nope').join('\n');
        case 'self':
          return setValue(out, b, '&self [*self, {a: *self}]').join('\n');
        case 'redefine':
          return setValue(out, b, '&fz {redefined: *fz}').join('\n');
        case 'merge':
          out.splice(b + 1, 0, `${' '.repeat(col)}<<: *fz`);
          return out.join('\n');
        case 'mergeSeq':
          out.splice(b + 1, 0, `${' '.repeat(col)}<<: [*fz, *fz, *nope, {x: 1}]`);
          return out.join('\n');
      }
      return text;
    }
    case 'aliasBomb':
      return injectUnderSpec(text, aliasBomb(m.levels, m.width, m.where));
    case 'mergeBomb':
      return injectUnderSpec(text, mergeBomb(m.levels, m.where));
    case 'separators': {
      const i = lineIndex(ls, m.at);
      const out = [...ls];
      out.splice(i, 0, ...m.sep.repeat(m.count).split('\n').slice(0, -1));
      return out.join('\n');
    }
    case 'blankLines': {
      const i = lineIndex(ls, m.at);
      const out = [...ls];
      out.splice(i, 0, ...Array<string>(m.count).fill(m.ws));
      return out.join('\n');
    }
    case 'replaceAll':
      return m.text;
    case 'splice': {
      const at = offsetOf(text, m.at);
      return text.slice(0, at) + m.insert + text.slice(at + m.del);
    }
    case 'concat':
      return `${text}${text.endsWith('\n') || !text ? '' : '\n'}---\n${m.other}`;
    case 'crd':
      return `${text}${text.endsWith('\n') || !text ? '' : '\n'}---\n${crdDoc(m.kind, m.schema, m.rule)}`;
  }
}

export function applyAll(text: string, ms: Mutation[]): string {
  return ms.reduce(applyMutation, text);
}

// ---------------------------------------------------------------------------------------------------------------
// arbitraries

/** A uniform fraction in [0, 1] (fc.double is biased towards extremes such as 1e-300). */
const frac = fc.noBias(fc.integer({ min: 0, max: 1_000_000 })).map((x) => x / 1_000_000);

export const EMPTY_TEXTS = ['', ' ', '\n', '\n\n\n', '\t', '---', '---\n---\n', '#', '# only a comment\n', '\uFEFF', '\uFEFF---\n', '...', '...\n', '%YAML 1.2\n---\n', '%TAG ! tag:x,2000:\n---\n', '&a *a', '*a', '!!binary', '? ', ': ', '- ', '[', '{', '"', "'", '|', '>', '\0', '\r', '\r\n\r\n'];

const YAML_CHARS = [':', '-', '?', '[', ']', '{', '}', ',', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`', '#', '\n', ' ', '\t', '\\', 'a', '1', '\r', '\u0085', '\u2028', '\uFEFF', '\0', '<<', '---', '...'];

/** One mutation. Sizes stay within what the server is designed for (files under the 8 MB limit). */
export function mutation(others: string[]): fc.Arbitrary<Mutation> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ t: fc.constant('truncate' as const), at: frac }) },
    { weight: 5, arbitrary: fc.record({ t: fc.constant('wrongType' as const), pick: frac, value: fc.constantFrom(...HOSTILE_VALUES) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('kind' as const),
        field: fc.constantFrom('kind' as const, 'apiVersion' as const),
        nth: fc.nat(5),
        value: fc.oneof(
          fc.constantFrom('VirtualServce', 'Foo', '', '[]', '{a: 1}', '123', 'Gateway', 'HTTPRoute', 'Service', 'CustomResourceDefinition', 'networking.istio.io/v999', 'networking.istio.io', '/v1', 'v1', 'a/b/c', 'gateway.networking.k8s.io/v1', 'policy.linkerd.io/v1beta3', 'split.smi-spec.io/v1alpha4', 'networking.istio.io/v1/extra', '!!binary aGk='),
          fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, ' ')),
        ),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('deep' as const),
        pick: frac,
        levels: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 500, max: 5000 })),
        style: fc.constantFrom('flowSeq' as const, 'flowMap' as const, 'blockSeq' as const, 'blockMap' as const, 'unclosed' as const, 'mixed' as const),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('long' as const),
        pick: frac,
        len: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 100, max: 10000 }) }, { weight: 1, arbitrary: fc.integer({ min: 100000, max: 1000000 }) }),
        as: fc.constantFrom('key' as const, 'value' as const, 'quoted' as const, 'block' as const, 'comment' as const, 'words' as const),
      }),
    },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('bytes' as const), at: frac, bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 64 }), decode: fc.constantFrom('latin1' as const, 'utf8' as const) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('surrogate' as const), at: frac, unit: fc.integer({ min: 0xd800, max: 0xdfff }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('bom' as const), at: frac }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('eol' as const), style: fc.constantFrom('crlf' as const, 'cr' as const, 'mixed' as const) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('tabs' as const), every: fc.integer({ min: 1, max: 5 }) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('dupKey' as const), pick: frac }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('dupLine' as const), pick: frac, times: fc.integer({ min: 1, max: 200 }) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('anchors' as const),
        pick: frac,
        target: frac,
        variant: fc.constantFrom('alias' as const, 'undefined' as const, 'self' as const, 'merge' as const, 'mergeSeq' as const, 'redefine' as const),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('aliasBomb' as const),
        levels: fc.integer({ min: 1, max: 9 }),
        width: fc.integer({ min: 2, max: 9 }),
        where: fc.constantFrom('http' as const, 'hosts' as const, 'unknown' as const, 'top' as const),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('mergeBomb' as const), levels: fc.integer({ min: 1, max: 40 }), where: fc.constantFrom('http' as const, 'trafficPolicy' as const) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('separators' as const),
        at: frac,
        // up to past the 10,000-document limit (meshYaml.maxDocuments)
        count: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1000, max: 5000 }), fc.integer({ min: 9990, max: 12000 })),
        sep: fc.constantFrom('---\n', '--- \n', '--- # c\n', '...\n---\n', '---\n\n', '--- a: 1\n'),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('blankLines' as const), at: frac, count: fc.integer({ min: 1, max: 3000 }), ws: fc.constantFrom('', ' ', '\t', '  # c', '\r') }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('replaceAll' as const), text: fc.constantFrom(...EMPTY_TEXTS) }) },
    {
      weight: 4,
      arbitrary: fc.record({
        t: fc.constant('splice' as const),
        at: frac,
        del: fc.nat(20),
        insert: fc.array(fc.constantFrom(...YAML_CHARS), { maxLength: 12 }).map((a) => a.join('')),
      }),
    },
    ...(others.length ? [{ weight: 1, arbitrary: fc.record({ t: fc.constant('concat' as const), other: fc.constantFrom(...others) }) }] : []),
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('crd' as const),
        kind: fc.constantFrom('networking.istio.io/VirtualService', 'networking.istio.io/DestinationRule', 'gateway.networking.k8s.io/HTTPRoute', 'policy.linkerd.io/Server', 'networking.istio.io/Fuzzed'),
        schema: fc.constantFrom(...CRD_SCHEMAS),
        rule: fc.constantFrom(...CEL_RULES),
      }),
    },
  );
}

/** A list of 1 to 4 mutations. */
export function mutations(others: string[]): fc.Arbitrary<Mutation[]> {
  return fc.array(mutation(others), { minLength: 1, maxLength: 4 });
}

/** A short, human-readable summary of mutations (long strings and byte lists elided). */
export function describeMutations(ms: Mutation[]): string {
  return JSON.stringify(ms, (_k, v: unknown) => (typeof v === 'string' && v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : Array.isArray(v) && v.length > 16 && typeof v[0] === 'number' ? `[${v.length} bytes]` : v));
}
