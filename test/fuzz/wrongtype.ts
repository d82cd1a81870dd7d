/**
 * A deterministic "every field given a wrong type" sweep (the random fuzzer's wrongType mutation picks one slot
 * per case). For every field path of the corpus documents (test/fuzz/corpus.ts: test/fixtures/valid and samples),
 * deduplicated by kind and path pattern (`VirtualService spec.http[].route[].destination.host`), the value is
 * replaced by each hostile value of another type: a string, a number, a boolean, null, a list, a map, and always
 * a deep nest and a 100 KB string. Each replacement is a fuzz case of one document (the document that holds the
 * field, cut out of its file, so a case costs milliseconds), whose valid edit is the original document.
 */
import { isMap, isScalar, isSeq, parseAllDocuments, parseDocument, type Document, type Node, type Pair } from 'yaml';
import type { FuzzCase } from './cases';
import { validCorpus, type BaseInput } from './corpus';

export type ValueType = 'string' | 'number' | 'boolean' | 'null' | 'list' | 'map' | 'deep' | 'long';

/** The hostile values, as single-line flow YAML (they replace the value's text in place). */
export const SWEEP_VALUES: Record<ValueType, string> = {
  string: 'hostile-string',
  number: '42',
  boolean: 'true',
  null: 'null',
  list: '[a, 1]',
  map: '{a: 1}',
  // 256 levels, flow sequences and maps alternating
  deep: '[{a: '.repeat(128) + '1' + '}]'.repeat(128),
  long: 'x'.repeat(100 * 1024),
};
export const SWEEP_TYPES = Object.keys(SWEEP_VALUES) as ValueType[];

type Path = Array<string | number>;

export interface FieldSlot {
  /** `apiVersion/kind path.with[].brackets`: one slot per pattern, from its first occurrence. */
  pattern: string;
  /** The corpus file and the index of the document in it. */
  file: string;
  doc: number;
  /** The document's text alone (cut out of the file). */
  text: string;
  /** The file's other documents (the workspace of the case: the resources the document refers to). */
  rest: string;
  path: Path;
  /** The type the value has in the corpus. */
  type: 'string' | 'number' | 'boolean' | 'null' | 'list' | 'map' | 'other';
}

export interface SweepCase {
  slot: FieldSlot;
  value: ValueType;
  c: FuzzCase;
}

function typeOf(n: unknown): FieldSlot['type'] {
  if (isMap(n)) return 'map';
  if (isSeq(n)) return 'list';
  if (isScalar(n)) {
    const v = n.value;
    if (v === null) return 'null';
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return typeof v as 'string' | 'number' | 'boolean';
  }
  return 'other';
}

function pathPattern(p: Path): string {
  return p.map((x) => (typeof x === 'number' ? '[]' : x)).join('.').replace(/\.\[\]/g, '[]');
}

/** Every value slot (pair values and sequence items) of a document, with its path (bounded). */
function slotsOf(doc: Document.Parsed): Array<{ path: Path; node: unknown }> {
  const out: Array<{ path: Path; node: unknown }> = [];
  const walk = (n: unknown, p: Path): void => {
    if (out.length > 20000 || p.length > 64) return;
    if (isMap(n)) {
      for (const pair of n.items as Pair[]) {
        if (!isScalar(pair.key)) continue;
        const q = [...p, String(pair.key.value)];
        out.push({ path: q, node: pair.value });
        walk(pair.value, q);
      }
    } else if (isSeq(n)) {
      n.items.forEach((it, i) => {
        const q = [...p, i];
        out.push({ path: q, node: it });
        walk(it, q);
      });
    }
  };
  walk(doc.contents, []);
  return out;
}

let slotCache: FieldSlot[] | undefined;

/** One slot per (apiVersion/kind, path pattern) over the corpus, in corpus order. */
export function fieldSlots(corpus: BaseInput[] = validCorpus()): FieldSlot[] {
  if (slotCache && corpus === validCorpus()) return slotCache;
  const seen = new Set<string>();
  const out: FieldSlot[] = [];
  for (const b of corpus) {
    const docs = parseAllDocuments(b.text);
    if (!Array.isArray(docs)) continue;
    docs.forEach((d, di) => {
      if (d.errors.length || !d.range || !isMap(d.contents)) return;
      const text = b.text.slice(d.range[0], d.range[2]);
      const rest = docs
        .filter((o, oi) => oi !== di && o.range)
        .map((o) => b.text.slice(o.range[0], o.range[2]))
        .join('\n---\n');
      const alone = parseDocument(text);
      if (alone.errors.length) return;
      const js = alone.toJS() as { apiVersion?: unknown; kind?: unknown } | null;
      const kind = `${String(js?.apiVersion)}/${String(js?.kind)}`;
      for (const s of slotsOf(alone as Document.Parsed)) {
        const pattern = `${kind} ${pathPattern(s.path)}`;
        if (seen.has(pattern)) continue;
        seen.add(pattern);
        out.push({ pattern, file: b.name, doc: di, text, rest, path: s.path, type: typeOf(s.node) });
      }
    });
  }
  if (corpus === validCorpus()) slotCache = out;
  return out;
}

/**
 * Does the slot hold a regular expression: a `regex`/`pathRegex`/`proxyVersion` key (Istio, ServiceProfile,
 * EnvoyFilter), or the `value` of a match whose `type` is RegularExpression (Gateway API, Linkerd HTTPRoute)?
 */
export function isRegexField(slot: FieldSlot): boolean {
  const last = slot.path[slot.path.length - 1];
  if (typeof last === 'string' && /^(regex|pathRegex|proxyVersion)$/.test(last)) return true;
  if (last === 'match' && slot.path[slot.path.length - 2] === 'uriRegexRewrite') return true;
  if (last !== 'value') return false;
  const parent = parseDocument(slot.text).getIn(slot.path.slice(0, -1)) as unknown;
  return isMap(parent) && parent.get('type') === 'RegularExpression';
}

/** The hostile values a slot gets: those of another type than its own, and always the deep nest and the long string. */
export function valuesFor(slot: FieldSlot): ValueType[] {
  return SWEEP_TYPES.filter((v) => v === 'deep' || v === 'long' || v !== slot.type);
}

function positionOf(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let last = -1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, character: offset - last - 1 };
}

/**
 * The document with the value at `slot.path` replaced by `value`: its text replaced in place (the rest of the
 * document is kept byte for byte), or, when that does not parse to the intended shape, through the YAML AST.
 * Returns the text and the offset of the new value.
 */
export function replaceAt(slot: FieldSlot, value: ValueType): { text: string; offset: number } | undefined {
  const raw = SWEEP_VALUES[value];
  const doc = parseDocument(slot.text);
  const node = doc.getIn(slot.path, true) as Node | null | undefined;
  const want = value === 'deep' ? 'list' : value === 'long' ? 'string' : value;
  /** The offset of the new value when `text` parses and holds a value of the intended type at the path. */
  const check = (text: string): number | undefined => {
    const again = parseDocument(text);
    if (again.errors.length) return undefined;
    const n = again.getIn(slot.path, true) as Node | null | undefined;
    if ((n === null || n === undefined ? 'null' : typeOf(n)) !== want) return undefined;
    return n?.range?.[0] ?? 0;
  };
  if (node?.range) {
    const [start, end] = node.range;
    const removed = slot.text.slice(start, end);
    const text = slot.text.slice(0, start) + raw + (removed.endsWith('\n') ? '\n' : '') + slot.text.slice(end);
    const offset = check(text);
    if (offset !== undefined) return { text, offset };
  }
  const donor = parseDocument(`v: ${raw}`);
  const v = isMap(donor.contents) ? ((donor.contents.items[0] as Pair).value as Node | null) : null;
  doc.setIn(slot.path, v);
  const text = doc.toString({ lineWidth: 0 });
  const offset = check(text);
  return offset === undefined ? undefined : { text, offset };
}

export interface SweepPlan {
  slots: number;
  /** Every (slot, value) pair. */
  pairs: number;
  /** The pairs the plan keeps, in order. */
  cases: Array<{ slot: FieldSlot; value: ValueType }>;
}

/**
 * The cases of the sweep: every (slot, value) pair when there are at most `max`; otherwise, deterministically,
 * the same number of values for every slot (rotating which ones, so every value type is used about equally),
 * or, when `max` is below the number of slots, evenly spaced slots.
 */
export function sweepPlan(max: number, slots = fieldSlots()): SweepPlan {
  const all = slots.map((slot) => ({ slot, values: valuesFor(slot) }));
  const pairs = all.reduce((n, s) => n + s.values.length, 0);
  const cases: SweepPlan['cases'] = [];
  if (pairs <= max) {
    for (const s of all) for (const value of s.values) cases.push({ slot: s.slot, value });
  } else if (max >= all.length) {
    const per = Math.floor(max / all.length);
    all.forEach((s, i) => {
      const n = Math.min(per, s.values.length);
      for (let k = 0; k < n; k++) cases.push({ slot: s.slot, value: s.values[(i + k) % s.values.length] });
    });
  } else {
    const step = all.length / max;
    for (let k = 0; k < max; k++) {
      const i = Math.floor(k * step);
      const s = all[i];
      cases.push({ slot: s.slot, value: s.values[i % s.values.length] });
    }
  }
  return { slots: all.length, pairs, cases };
}

/** The fuzz case of one (slot, value): requests at the new value and at the start of its line. */
export function sweepCase(slot: FieldSlot, value: ValueType, seed: number): SweepCase | undefined {
  const r = replaceAt(slot, value);
  if (!r) return undefined;
  const at = positionOf(r.text, r.offset);
  const positions = [at, { line: at.line, character: 0 }];
  const c: FuzzCase = {
    seed,
    base: `${slot.file} document ${slot.doc}`,
    mutations: [{ t: 'wrongType', pick: -1, value: `${slot.path.join('.')} := ${value}` }],
    text: r.text,
    positions,
    hosts: ['reviews', SWEEP_VALUES[value].slice(0, 40)],
    requests: [{ host: 'reviews' }],
    valid: { name: `${slot.file} document ${slot.doc}`, text: slot.text },
    encoding: 'utf8',
    flips: [],
  };
  return { slot, value, c };
}
