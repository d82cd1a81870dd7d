import { Document, isMap, isPair, isScalar, isSeq, Pair, parseDocument, Scalar, YAMLMap, YAMLSeq, type DocumentOptions, type ParsedNode, type ParseOptions, type SchemaOptions } from 'yaml';

/**
 * A fast path for the YAML that mesh manifests are nearly always written in: block mappings and sequences of
 * plain or simply quoted one-line scalars, indented with spaces, with one-line flow lists of plain scalars
 * (`[GET, POST]`) and empty `[]`/`{}`. It builds the same tree as the `yaml` library (the same node classes,
 * values, ranges, scalar types, number formats and `spaceBefore` marks: test/unit/fast-yaml.test.ts compares the
 * two on every fixture and on generated and mutated documents), 4-5 times faster. Anything else (comments,
 * anchors, tags, block or multi-line scalars, escapes, tabs, CR, nested flow collections, duplicate keys, errors of
 * any kind) returns undefined, and the caller parses with the library: the fast path never decides what a
 * document means where the library could decide otherwise.
 */

type Options = DocumentOptions & ParseOptions & SchemaOptions;
type Directives = DocumentOptions['_directives'];

/** Characters the fast path leaves to the library anywhere in a document. */
const UNSUPPORTED_CHARS = /[\t\r\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff\\]/;
/** Deeper nesting than this goes to the library (which reports what is too deep). */
const MAX_DEPTH = 64;

const INT_RE = /^[-+]?[0-9]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
/** Plain scalars the core schema reads as numbers in a form this file does not build (octal, hex, exponent, inf, nan). */
const OTHER_NUMBER_RE = /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

/**
 * Nodes without their constructors: those define the node type on each instance (Object.defineProperty, a
 * runtime call per node, a quarter of the parse). Built here, a node inherits it from a prototype between it and
 * the library's class: it is of the same class, has the same own properties, and isScalar/isPair/isMap/isSeq and
 * instanceof hold (checked once below: should the library change, the constructors are used). Collections still
 * get the document's schema as their own property, as the library's do.
 */
const NODE_TYPE = Symbol.for('yaml.node.type');
const SCALAR_PROTO = Object.create(Scalar.prototype, { [NODE_TYPE]: { value: Symbol.for('yaml.scalar') } }) as Scalar;
const PAIR_PROTO = Object.create(Pair.prototype, { [NODE_TYPE]: { value: Symbol.for('yaml.pair') } }) as Pair;

function protoScalar(value: unknown): Scalar.Parsed {
  const s = Object.create(SCALAR_PROTO) as Scalar.Parsed;
  s.value = value;
  return s;
}

function protoPair(key: unknown, value: unknown): Pair {
  const p = Object.create(PAIR_PROTO) as Pair;
  p.key = key;
  p.value = value;
  return p;
}

const MAP_PROTO = Object.create(YAMLMap.prototype, { [NODE_TYPE]: { value: Symbol.for('yaml.map') } }) as YAMLMap;
const SEQ_PROTO = Object.create(YAMLSeq.prototype, { [NODE_TYPE]: { value: Symbol.for('yaml.seq') } }) as YAMLSeq;

/** A collection as the library's constructor makes it: the document's schema (own, not enumerable), no items yet. */
function protoCollection<T extends YAMLMap | YAMLSeq>(proto: T, schema: unknown): T {
  const c = Object.create(proto) as T;
  Object.defineProperty(c, 'schema', { value: schema, configurable: true, enumerable: false, writable: true });
  c.items = [];
  return c;
}

/** Whether nodes are built without their constructors (tested: a yaml release that breaks it is noticed). */
export const PROTOTYPE_NODES = ((): boolean => {
  const s = protoScalar(1);
  const p = protoPair(s, null);
  const m = protoCollection(MAP_PROTO, undefined);
  const q = protoCollection(SEQ_PROTO, undefined);
  const lib = new YAMLMap();
  return (
    isScalar(s) && s instanceof Scalar && !isPair(s) && isPair(p) && p instanceof Pair && !isScalar(p) && isMap(m) && m instanceof YAMLMap && !isSeq(m) && isSeq(q) && q instanceof YAMLSeq && !isMap(q) &&
    Object.keys(s).join() === 'value' && Object.keys(p).join() === 'key,value' && Object.keys(m).join() === Object.keys(lib).join() && Object.keys(q).join() === 'items'
  );
})();
const newScalar = PROTOTYPE_NODES ? protoScalar : (value: unknown): Scalar.Parsed => new Scalar(value) as Scalar.Parsed;
const newPair = PROTOTYPE_NODES ? protoPair : (key: unknown, value: unknown): Pair => new Pair(key, value);
const newMap = PROTOTYPE_NODES ? (schema: unknown): YAMLMap => protoCollection(MAP_PROTO, schema) : (schema: unknown): YAMLMap => new YAMLMap(schema as never);
const newSeq = PROTOTYPE_NODES ? (schema: unknown): YAMLSeq => protoCollection(SEQ_PROTO, schema) : (schema: unknown): YAMLSeq => new YAMLSeq(schema as never);

/** Characters that start something other than a plain scalar: `, [ ] { } & * ! | > % @` and backquote. */
const STARTS_OTHER = new Set([44, 91, 93, 123, 125, 38, 42, 33, 124, 62, 37, 64, 96]);

class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported();

/** The directives object the library's composer hands each document (one, shared: documents only copy from it). */
const directivesCache = new Map<string, Directives>();
function directivesFor(options: Options): Directives {
  const key = JSON.stringify(options);
  let d = directivesCache.get(key);
  if (d === undefined) {
    d = (parseDocument('', options).options as DocumentOptions)._directives;
    directivesCache.set(key, d);
  }
  return d;
}

/**
 * Does a key of the mapping so far have this value (a duplicate key, which the library reports)? A scan for the
 * few keys of most mappings; past 32 keys, a set (`keys`, filled on the way).
 */
function repeats(map: YAMLMap, value: unknown, keys: Set<unknown> | undefined): boolean {
  if (keys) return keys.has(value);
  const items = map.items as Array<Pair<Scalar>>;
  for (let i = 0; i < items.length; i++) if (items[i].key.value === value) return true;
  return false;
}

class Parser {
  /** Offset of the start of each line, and one past the end of the text. */
  readonly starts: number[] = [];
  /** Indentation (spaces) of each line; -1 for a blank line. */
  readonly indents: number[] = [];
  /** Offset after the last non-space character of each line. */
  readonly ends: number[] = [];
  private depth = 0;

  /** The document's schema, which every collection node refers to. */
  schema: unknown;

  constructor(private readonly text: string) {
    const t = text;
    const hasHash = t.indexOf('#') >= 0;
    let s = 0;
    for (;;) {
      let nl = t.indexOf('\n', s);
      if (nl < 0) nl = t.length;
      let i = s;
      while (i < nl && t.charCodeAt(i) === 32) i++;
      let e = nl;
      while (e > i && t.charCodeAt(e - 1) === 32) e--;
      // a comment: a `#` that starts the content or follows a space (a `#` inside a word, `a#b`, is text)
      if (hasHash && i < e) {
        if (t.charCodeAt(i) === 35) throw UNSUPPORTED;
        for (let k = i + 1; k < e; k++) if (t.charCodeAt(k) === 35 && t.charCodeAt(k - 1) === 32) throw UNSUPPORTED;
      }
      // a line of spaces alone: the library gives it meaning by its indentation; left to it
      if (e === i && nl > s) throw UNSUPPORTED;
      this.starts.push(s);
      this.indents.push(e === i ? -1 : i - s);
      this.ends.push(e);
      if (nl >= t.length) break;
      s = nl + 1;
    }
    this.starts.push(t.length);
  }

  get lineCount(): number {
    return this.indents.length;
  }

  /** The first non-blank line at or after `li`, or lineCount. */
  nextContent(li: number): number {
    while (li < this.indents.length && this.indents[li] < 0) li++;
    return li;
  }

  /** The offset of line li's newline (trailing spaces included before it), or the text length. */
  private newlineAt(li: number): number {
    const t = this.text;
    const n = t.indexOf('\n', this.ends[li]);
    return n < 0 ? t.length : n;
  }

  /** The offset after line li's newline, or the text length. */
  private afterLine(li: number): number {
    return this.starts[li + 1] === this.text.length && this.text.charCodeAt(this.text.length - 1) !== 10 ? this.text.length : this.starts[li + 1];
  }

  /** Is the character at `at` the indicator `c` (`-`, `?`, `:`) followed by a space or the end of the content at `end`? */
  private indicator(c: number, at: number, end: number): boolean {
    return this.text.charCodeAt(at) === c && (at + 1 === end || this.text.charCodeAt(at + 1) === 32);
  }

  /** Does a plain scalar starting with `c` at `at` begin with an indicator (so it is not a plain scalar here)? */
  private startsWithIndicator(c: number, at: number, end: number): boolean {
    return STARTS_OTHER.has(c) || ((c === 45 || c === 63 || c === 58) && this.indicator(c, at, end));
  }

  /** Where a key's colon is, when the content from `at` to `end` is `key:` followed by a space or the end; else -1. */
  private keyColon(at: number, end: number): number {
    const t = this.text;
    const c = t.charCodeAt(at);
    // `- `, `? `, `: ` start something else than a key; other indicators and quoted keys are left to the library
    if ((c === 45 || c === 63 || c === 58) && this.indicator(c, at, end)) return -1;
    if (STARTS_OTHER.has(c) || c === 34 || c === 39) return -2;
    for (let i = at; i < end; i++) {
      if (t.charCodeAt(i) === 58 && (i + 1 === end || t.charCodeAt(i + 1) === 32)) return i;
    }
    return -1;
  }

  /** A scalar from `at` to `end` (one line, trailing spaces excluded); `after` is where its range ends. */
  private scalar(at: number, end: number, after: number, isKey: boolean): Scalar.Parsed {
    const t = this.text;
    const c = t.charCodeAt(at);
    let node: Scalar.Parsed;
    if (c === 34 || c === 39) {
      // a quoted scalar alone on the rest of the line, with no escapes ('' or \) inside
      if (end - at < 2 || t.charCodeAt(end - 1) !== c) throw UNSUPPORTED;
      const inner = t.slice(at + 1, end - 1);
      if (inner.indexOf(c === 34 ? '"' : "'") >= 0) throw UNSUPPORTED;
      node = newScalar(inner);
      node.range = [at, end, after];
      node.source = inner;
      node.type = c === 34 ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE';
      return node;
    }
    if (this.startsWithIndicator(c, at, end)) throw UNSUPPORTED;
    const src = t.slice(at, end);
    // a value that holds `: ` or ends with `:` is a mapping the library would reject here
    if (!isKey && (src.indexOf(': ') >= 0 || src.charCodeAt(src.length - 1) === 58)) throw UNSUPPORTED;
    let value: unknown = src;
    let minFractionDigits: number | undefined;
    const f = c === 45 || c === 43 || c === 46 || (c >= 48 && c <= 57);
    if (src === 'null' || src === '~' || src === 'Null' || src === 'NULL') value = null;
    else if (src === 'true' || src === 'True' || src === 'TRUE') value = true;
    else if (src === 'false' || src === 'False' || src === 'FALSE') value = false;
    else if (f && INT_RE.test(src)) value = parseInt(src, 10);
    else if (f && FLOAT_RE.test(src)) {
      value = parseFloat(src);
      const dot = src.indexOf('.');
      if (dot !== -1 && src[src.length - 1] === '0') minFractionDigits = src.length - dot - 1;
    } else if ((f || c === 48) && OTHER_NUMBER_RE.test(src)) throw UNSUPPORTED;
    node = newScalar(value);
    if (minFractionDigits !== undefined) node.minFractionDigits = minFractionDigits;
    node.range = [at, end, after];
    node.source = src;
    node.type = 'PLAIN';
    return node;
  }

  /**
   * A flow collection that is the rest of the line: `[a, b]` of plain scalars, or an empty `[]` or `{}`. Items
   * end where their `,` or `]` is (the spaces before it are part of the item's range, as in the library).
   */
  private flow(at: number, end: number, after: number): ParsedNode {
    const t = this.text;
    const open = t.charCodeAt(at);
    const close = open === 91 ? 93 : 125;
    if (t.charCodeAt(end - 1) !== close) throw UNSUPPORTED;
    let i = at + 1;
    while (i < end - 1 && t.charCodeAt(i) === 32) i++;
    const node = open === 91 ? newSeq(this.schema) : newMap(this.schema);
    if (i < end - 1) {
      if (open !== 91) throw UNSUPPORTED;
      for (;;) {
        // one item: up to the next `,` or the closing `]`
        let j = i;
        while (j < end - 1 && t.charCodeAt(j) !== 44) j++;
        let e = j;
        while (e > i && t.charCodeAt(e - 1) === 32) e--;
        if (e === i) throw UNSUPPORTED; // an empty item
        for (let k = i; k < e; k++) {
          const ch = t.charCodeAt(k);
          if (ch === 91 || ch === 93 || ch === 123 || ch === 125 || ch === 58 || ch === 34 || ch === 39 || ch === 35) throw UNSUPPORTED;
        }
        const item = this.scalar(i, e, e, false);
        item.range[2] = j;
        (node as YAMLSeq).items.push(item);
        if (j >= end - 1) break;
        i = j + 1;
        while (i < end - 1 && t.charCodeAt(i) === 32) i++;
        if (i >= end - 1) throw UNSUPPORTED; // a trailing comma
      }
    }
    node.flow = true;
    node.range = [at, end, after];
    return node as unknown as ParsedNode;
  }

  /** Where the last empty scalar is (the library ends a document that ends with one there, blank lines after it aside). */
  lastEmptyAt = -1;

  private empty(at: number): Scalar.Parsed {
    this.lastEmptyAt = at;
    const node = newScalar(null);
    node.range = [at, at, at];
    node.source = '';
    node.type = 'PLAIN';
    return node;
  }

  /**
   * The node whose content starts at offset `at` on line `li` (at its indentation, or after `- ` or `key: `);
   * returns it and the next line to read. `parentCol` is the column of the collection entry it belongs to.
   */
  node(li: number, at: number, parentCol: number): [ParsedNode, number] {
    const t = this.text;
    const end = this.ends[li];
    const c = t.charCodeAt(at);
    if (this.indicator(45, at, end)) return this.seq(li, at);
    if (c === 91 /* [ */ || c === 123 /* { */) {
      const next = this.nextContent(li + 1);
      if (next < this.lineCount && this.indents[next] > parentCol) throw UNSUPPORTED;
      return [this.flow(at, end, this.afterLine(li)), li + 1];
    }
    const colon = this.keyColon(at, end);
    if (colon >= 0) return this.map(li, at, colon);
    if (colon === -2) throw UNSUPPORTED;
    // a scalar: the rest of the line; a more indented line after it would continue it (multi-line plain)
    const next = this.nextContent(li + 1);
    if (next < this.lineCount && this.indents[next] > parentCol) throw UNSUPPORTED;
    return [this.scalar(at, end, this.afterLine(li), false), li + 1];
  }

  /**
   * The value after `key:` or `- ` with nothing else on the line: the block below, or an empty scalar. Below a
   * key (`inMap`), a sequence may start at the key's column, and blank lines before the block mark it
   * `spaceBefore` (as the library does; below `-` it does not).
   */
  private blockBelow(li: number, emptyAt: number, col: number, inMap: boolean): [ParsedNode, number] {
    const next = this.nextContent(li + 1);
    if (next < this.lineCount) {
      const ind = this.indents[next];
      const at = this.starts[next] + ind;
      let below: [ParsedNode, number] | undefined;
      if (ind > col) below = this.node(next, at, col);
      else if (ind === col && inMap && this.indicator(45, at, this.ends[next])) below = this.seq(next, at);
      if (below) {
        if (inMap && next !== li + 1) below[0].spaceBefore = true;
        return below;
      }
    }
    // an empty value followed by blank lines: where the library puts them depends on what follows; left to it
    if ((next < this.lineCount ? next : this.lineCount - 1) > li + 1) throw UNSUPPORTED;
    return [this.empty(emptyAt), li + 1];
  }

  /**
   * The value of an entry: after `key:` or `- ` (from `from`, spaces first) on line `li` of a collection at column
   * `col`. On the same line it may not be a `- ` sequence, nor (after a key) another `key:`.
   */
  private entryValue(li: number, from: number, col: number, inMap: boolean): [ParsedNode, number] {
    const lineEnd = this.ends[li];
    let v = from;
    while (v < lineEnd && this.text.charCodeAt(v) === 32) v++;
    if (v >= lineEnd) return this.blockBelow(li, this.newlineAt(li), col, inMap);
    if (this.indicator(45, v, lineEnd)) throw UNSUPPORTED; // `key: - x`, `- - x`
    if (inMap && this.keyColon(v, lineEnd) >= 0) throw UNSUPPORTED; // `a: b: c`
    return this.node(li, v, col);
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw UNSUPPORTED;
  }

  /** A block mapping whose first key starts at `at` on line `li` (its colon at `colon`). */
  private map(li: number, at: number, colon: number): [ParsedNode, number] {
    this.enter();
    const map = newMap(this.schema);
    const col = at - this.starts[li];
    let keys: Set<unknown> | undefined;
    const start = at;
    let endOffset = at;
    let spaceBefore = false;
    for (;;) {
      let keyEnd = colon;
      while (keyEnd > at && this.text.charCodeAt(keyEnd - 1) === 32) keyEnd--;
      const key = this.scalar(at, keyEnd, keyEnd, true);
      if (spaceBefore) key.spaceBefore = true;
      if (key.value === '<<' || repeats(map, key.value, keys)) throw UNSUPPORTED;
      if (keys) keys.add(key.value);
      else if (map.items.length === 32) keys = new Set((map.items as Array<Pair<Scalar>>).map((p) => p.key.value).concat([key.value]));
      const [value, next] = this.entryValue(li, colon + 1, col, true);
      map.items.push(newPair(key, value));
      endOffset = value.range[2];
      // the next entry, after blank lines maybe; a line less indented ends the mapping (the parent reads on from `next`)
      const following = this.nextContent(next);
      if (following >= this.lineCount || this.indents[following] < col) {
        li = next;
        break;
      }
      if (this.indents[following] > col) throw UNSUPPORTED;
      spaceBefore = following !== next;
      li = following;
      at = this.starts[li] + col;
      colon = this.keyColon(at, this.ends[li]);
      // anything but a key at the mapping's column (`- x` after a scalar value, say) is an error for the library
      if (colon < 0) throw UNSUPPORTED;
    }
    map.range = [start, endOffset, endOffset];
    this.depth--;
    return [map as unknown as ParsedNode, li];
  }

  /** A block sequence whose first `-` is at `at` on line `li`. */
  private seq(li: number, at: number): [ParsedNode, number] {
    this.enter();
    const seq = newSeq(this.schema);
    const col = at - this.starts[li];
    const start = at;
    let endOffset = at;
    let spaceBefore = false;
    for (;;) {
      const [item, next] = this.entryValue(li, at + 1, col, false);
      if (spaceBefore) item.spaceBefore = true;
      seq.items.push(item);
      endOffset = item.range[2];
      const following = this.nextContent(next);
      if (following >= this.lineCount || this.indents[following] < col) {
        li = next;
        break;
      }
      if (this.indents[following] > col) throw UNSUPPORTED;
      const a = this.starts[following] + col;
      if (!this.indicator(45, a, this.ends[following])) {
        // a key at the sequence's column: the sequence was a mapping's value at that column
        li = next;
        break;
      }
      spaceBefore = following !== next;
      li = following;
      at = a;
    }
    seq.range = [start, endOffset, endOffset];
    this.depth--;
    return [seq as unknown as ParsedNode, li];
  }
}

/**
 * Parses one document the way `parseDocument(text, options)` does, when the document is in the subset above;
 * undefined otherwise (and for documents with errors or warnings).
 */
export function fastParse(text: string, options: Options): Document.Parsed | undefined {
  if (UNSUPPORTED_CHARS.test(text)) return undefined;
  try {
    const p = new Parser(text);
    let li = p.nextContent(0);
    let docStart = false;
    if (li < p.lineCount) {
      const s = p.starts[li] + p.indents[li];
      if (text.startsWith('---', s) && (s + 3 === text.length || text.charCodeAt(s + 3) === 10 || text.charCodeAt(s + 3) === 32)) {
        if (li !== 0 || s !== 0) return undefined; // blank lines or indentation before the marker
        if (p.ends[0] !== 3) return undefined; // content after the marker
        docStart = true;
        li = p.nextContent(1);
      }
    }
    if (li >= p.lineCount) return undefined; // an empty document: cheap for the library
    if (p.indents[li] !== 0) return undefined; // an indented root
    const first = p.starts[li];
    if (text.startsWith('---', first) || text.startsWith('...', first) || text.charCodeAt(first) === 37) return undefined;
    if (!docStart && li !== 0) return undefined; // blank lines before the content, without a marker
    const doc = new Document(undefined, Object.assign({ _directives: directivesFor(options) }, options)) as unknown as Document.Parsed;
    p.schema = doc.schema;
    const [contents, next] = p.node(li, first, -1);
    if (contents instanceof Scalar || (contents as YAMLMap).flow) return undefined; // a scalar or flow document
    if (p.nextContent(next) < p.lineCount) return undefined; // something after the root collection
    if (docStart) doc.directives.docStart = true;
    if (docStart && li !== 1) contents.spaceBefore = true; // blank lines between the marker and the content
    doc.contents = contents;
    // blank lines after the content belong to the document, not to its contents (unless it ends with an empty value)
    const end = contents.range[2];
    doc.range = [0, end, p.lastEmptyAt === end ? end : text.length];
    return doc;
  } catch (e) {
    if (e instanceof Unsupported || e instanceof RangeError) return undefined;
    throw e;
  }
}
