import { Document, isAlias, isCollection, isMap, isNode, isPair, isScalar, isSeq, parseDocument, YAMLParseError, type Alias, type Node, type Pair, type Scalar } from 'yaml';
import { lineStarts, positionAt, type Pos, type Rng } from './text';

/**
 * One `---` document of a file, parsed on its own. Positions inside are relative to the segment; the segment
 * always starts at the beginning of a line, so a file position is (line + startLine, same character).
 * ParsedSegments are immutable and shared between edits: an edit re-parses only the documents whose text changed.
 */
export interface ParsedSegment {
  /** Unique per parse: two segments with the same id are the same parsed text. */
  readonly id: number;
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lineStarts: number[];
  /** Scalars of apiVersion, kind, metadata.name, metadata.namespace when present. */
  readonly head: ResourceHead;
  /** True when the segment holds nothing but blank lines, comments, directives or the `---` marker. */
  readonly empty: boolean;
  /** Free-form per-segment cache for features (e.g. diagnostics keyed by schema generation). */
  readonly cache: Map<string, unknown>;
}

export interface ResourceHead {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  apiVersionNode?: Scalar;
  kindNode?: Scalar;
  kindKeyNode?: Scalar;
}

export interface Segment {
  /** Index of this document in the file (0-based, empty documents included). */
  readonly index: number;
  readonly startLine: number;
  readonly startOffset: number;
  readonly parsed: ParsedSegment;
}

/**
 * logLevel 'error': the yaml library otherwise prints warnings (such as "Keys with collection values will be
 * stringified") with process.emitWarning, on the CLI's stderr; doc.errors and doc.warnings are unaffected.
 */
export const PARSE_OPTIONS = { uniqueKeys: true, prettyErrors: false, strict: true, keepSourceTokens: false, merge: true, logLevel: 'error' } as const;

/**
 * One line of an empty document: blank or a comment, a directive, or the `---` marker. Tested line by line: a
 * single regex over the whole text (`^(?:\s*(?:#.*)?(?:\r?\n|\r|$)|...)*$`) backtracks exponentially on a
 * run of blank lines followed by content (30 blank lines took more than 20 s).
 */
const EMPTY_LINE_RE = /^\s*(?:#.*)?$|^%.*$|^---[ \t]*(?:#.*)?$/;

/** True when the text holds nothing but blank lines, comments, directives or `---` markers. Linear time. */
export function isEmptyText(text: string): boolean {
  const n = text.length;
  let start = 0;
  for (;;) {
    let end = start;
    while (end < n) {
      const c = text.charCodeAt(end);
      if (c === 10 || c === 13) break;
      end++;
    }
    if (end > start && !EMPTY_LINE_RE.test(text.slice(start, end))) return false;
    if (end >= n) return true;
    start = end + (text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? 2 : 1);
  }
}

function scalarValue(node: unknown): string | undefined {
  if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) return String(node.value);
  return undefined;
}

function readHead(doc: Document.Parsed): ResourceHead {
  const head: ResourceHead = {};
  const root = doc.contents;
  if (!isMap(root)) return head;
  for (const pair of root.items as Pair[]) {
    const key = scalarValue(pair.key);
    if (key === 'apiVersion') {
      head.apiVersion = scalarValue(pair.value);
      if (isScalar(pair.value)) head.apiVersionNode = pair.value;
    } else if (key === 'kind') {
      head.kind = scalarValue(pair.value);
      if (isScalar(pair.value)) head.kindNode = pair.value;
      if (isScalar(pair.key)) head.kindKeyNode = pair.key;
    } else if (key === 'metadata' && isMap(pair.value)) {
      for (const mp of pair.value.items as Pair[]) {
        const mk = scalarValue(mp.key);
        if (mk === 'name') head.name = scalarValue(mp.value);
        else if (mk === 'namespace') head.namespace = scalarValue(mp.value);
      }
    }
  }
  return head;
}

let nextSegmentId = 1;

interface Shape {
  /** A mapping key that is a collection (`? [a]: 1`, `{[a]: 1}`, often the debris of a broken flow) or an alias. */
  collectionKey: boolean;
  nodes: number;
  aliases: number;
}

/** What a YAML tree holds, in one iterative walk (any depth; aliases not followed). */
function shape(root: unknown): Shape {
  const out: Shape = { collectionKey: false, nodes: 0, aliases: 0 };
  const stack: unknown[] = [root];
  while (stack.length) {
    const n = stack.pop();
    out.nodes++;
    if (isAlias(n)) out.aliases++;
    else if (isMap(n) || isPair(n)) {
      for (const p of isPair(n) ? [n] : (n.items as Pair[])) {
        if (isCollection(p.key) || isAlias(p.key)) out.collectionKey = true;
        stack.push(p.key, p.value);
      }
    } else if (isSeq(n)) {
      for (const it of n.items) stack.push(it);
    }
  }
  return out;
}

/**
 * Beyond this many (aliases x nodes), converting to JSON is declined: the yaml library resolves each alias by
 * walking the document (1,000 aliases in a 50 KB document took 5 s, 6,000 in 300 KB more than 2 minutes).
 */
const MAX_ALIAS_WORK = 2_000_000;

const aliasTargetCache = new WeakMap<object, Map<Alias, Node | undefined>>();

/**
 * The node an alias stands for: the last node with its anchor before it, in document order (as Alias.resolve),
 * computed for every alias of the document in one pass; Alias.resolve walks the whole document for each alias.
 */
export function aliasTarget(doc: Document.Parsed, alias: Alias): Node | undefined {
  let targets = aliasTargetCache.get(doc);
  if (!targets) {
    targets = new Map();
    const anchors = new Map<string, Node>();
    const stack: unknown[] = [doc.contents];
    while (stack.length) {
      const n = stack.pop();
      if (isAlias(n)) {
        targets.set(n, anchors.get(n.source));
        continue;
      }
      if (isNode(n) && n.anchor) anchors.set(n.anchor, n);
      if (isMap(n)) {
        const items = n.items as Pair[];
        for (let i = items.length - 1; i >= 0; i--) stack.push(items[i].value, items[i].key);
      } else if (isSeq(n)) {
        for (let i = n.items.length - 1; i >= 0; i--) stack.push(n.items[i]);
      }
    }
    aliasTargetCache.set(doc, targets);
  }
  return targets.get(alias);
}

/** Does a JS value contain itself (an alias inside its own anchor, `&a [*a]`, becomes a cycle)? Iterative. */
export function hasCycle(root: unknown): boolean {
  const state = new Map<object, 1 | 2>(); // 1: on the current path, 2: done
  const stack: Array<{ obj: object; vals: unknown[]; i: number }> = [];
  const enter = (v: unknown): boolean => {
    if (v === null || typeof v !== 'object') return false;
    const s = state.get(v);
    if (s === 1) return true;
    if (s === 2) return false;
    state.set(v, 1);
    stack.push({ obj: v, vals: Array.isArray(v) ? v : Object.values(v as Record<string, unknown>), i: 0 });
    return false;
  };
  if (enter(root)) return true;
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.i < top.vals.length) {
      if (enter(top.vals[top.i++])) return true;
    } else {
      state.set(top.obj, 2);
      stack.pop();
    }
  }
  return false;
}

/**
 * The plain JSON value of a document (or of one of its nodes), as the API server reads it; undefined when there is
 * none that is safe to use: keys that are collections (the yaml library stringifies them, in quadratic time when
 * they nest: seconds for a few thousand levels), an alias inside its own anchor (a cycle: rules and JSON.stringify
 * would loop or throw), too many aliases (each costs a walk of the document), or nesting too deep for the stack.
 */
export function plainValue(doc: Document.Parsed, node?: Node | null): unknown {
  const target = node === undefined ? doc.contents : node;
  if (!target) return undefined;
  const sh = shape(target);
  if (sh.collectionKey) return undefined;
  if (sh.aliases && sh.aliases * shape(doc.contents).nodes > MAX_ALIAS_WORK) return undefined;
  let value: unknown;
  try {
    value = node === undefined ? doc.toJS({ maxAliasCount: 100 }) : target.toJS(doc, { maxAliasCount: 100 });
  } catch {
    return undefined;
  }
  return hasCycle(value) ? undefined : value;
}

/**
 * Parses one document; never throws. The yaml parser recurses once per level of block nesting, so thousands of
 * levels (`- - - - ... x`) overflow the stack: such a document becomes an empty one with a syntax error.
 * Garbage can make one parse error per character or two; each error is an Error, whose stack trace costs more
 * than the parse itself: stack traces are off while parsing (2.5 times faster on such input).
 */
export function parseYaml(text: string, options: typeof PARSE_OPTIONS | (Omit<typeof PARSE_OPTIONS, 'uniqueKeys'> & { uniqueKeys: boolean }) = PARSE_OPTIONS): Document.Parsed {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parseDocument(text, options);
  } catch (e) {
    const doc = new Document(undefined, options) as unknown as Document.Parsed;
    const why = e instanceof RangeError ? 'it is nested too deeply' : e instanceof Error ? e.message : String(e);
    doc.errors.push(new YAMLParseError([0, Math.min(1, text.length)], 'RESOURCE_EXHAUSTION', `The document cannot be read: ${why}.`));
    return doc;
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** A document too large to parse: no tree (so nothing to analyse), but positions still work. */
function unparsedSegment(text: string): ParsedSegment {
  return { id: nextSegmentId++, text, doc: new Document(undefined, PARSE_OPTIONS) as unknown as Document.Parsed, lineStarts: lineStarts(text), head: {}, empty: false, cache: new Map([['unparsed', true]]) };
}

export function parseSegment(text: string): ParsedSegment {
  const doc = parseYaml(text);
  return {
    id: nextSegmentId++,
    text,
    doc,
    lineStarts: lineStarts(text),
    head: readHead(doc),
    empty: isEmptyText(text),
    cache: new Map(),
  };
}

/** Byte offsets where each `---` document starts. A separator line belongs to the document it opens. */
export function splitOffsets(text: string): number[] {
  const offsets = [0];
  let i = 0;
  const n = text.length;
  while (i < n) {
    if (i > 0 && text.charCodeAt(i) === 45 && text.startsWith('---', i)) {
      const c = text.charCodeAt(i + 3);
      if (i + 3 >= n || c === 32 || c === 9 || c === 10 || c === 13) offsets.push(i);
    }
    // advance to next line start
    const nl = text.indexOf('\n', i);
    if (nl < 0) break;
    i = nl + 1;
  }
  return offsets;
}

/**
 * A file split into its documents. `update` re-uses the parsed form of every document whose text did not
 * change, so the cost of an edit is the cost of re-parsing the edited document (plus a linear scan for `---`).
 */
export interface FileLimits {
  /** Files larger than this (in characters) are not analysed at all. */
  maxFileSize: number;
  /** Only the first this many documents of a file are analysed. */
  maxDocuments: number;
  /**
   * Documents larger than this (in characters) are not parsed (default DEFAULT_MAX_DOCUMENT_SIZE). Parsing densely
   * nested YAML takes ~4 s and ~500 MB per MB: a single 8 MB document took 36 s and 4 GB, the whole heap. The API
   * server does not store objects over 1.5 MiB anyway; the largest mesh CRDs are under 500 KB.
   */
  maxDocumentSize?: number;
}

export const DEFAULT_MAX_DOCUMENT_SIZE = 1024 * 1024;

/** A size in megabytes, one decimal (two under 0.1 MB, so that a small limit does not read "0.0 MB"). */
function megabytes(n: number): string {
  const v = n / 1048576;
  return `${v.toFixed(v < 0.1 ? 2 : 1)} MB`;
}

export const DEFAULT_LIMITS: FileLimits = { maxFileSize: 8 * 1024 * 1024, maxDocuments: 10000, maxDocumentSize: DEFAULT_MAX_DOCUMENT_SIZE };

export class SegmentedFile {
  segments: Segment[] = [];
  private byText = new Map<string, ParsedSegment>();
  text = '';
  /** Why the file is analysed only in part (or not at all), when it is. */
  reduced: string | undefined;

  constructor(
    text: string,
    private limits: FileLimits = DEFAULT_LIMITS,
  ) {
    this.update(text);
  }

  update(text: string, limits: FileLimits = this.limits): void {
    this.limits = limits;
    this.text = text;
    this.reduced = undefined;
    if (text.length > limits.maxFileSize) {
      this.reduced = `the file is ${megabytes(text.length)}, over the ${megabytes(limits.maxFileSize)} limit (meshYaml.maxFileSizeMB): it is not analysed`;
      this.segments = [];
      this.byText = new Map();
      return;
    }
    let offsets = splitOffsets(text);
    if (offsets.length > limits.maxDocuments) {
      this.reduced = `the file has ${offsets.length} documents, over the limit of ${limits.maxDocuments} (meshYaml.maxDocuments): only the first ${limits.maxDocuments} are analysed`;
      offsets = offsets.slice(0, limits.maxDocuments + 1);
    }
    const starts = lineStartsLite(text, offsets);
    const next = new Map<string, ParsedSegment>();
    const segments: Segment[] = [];
    const count = this.reduced ? offsets.length - 1 : offsets.length;
    const maxDoc = limits.maxDocumentSize ?? DEFAULT_MAX_DOCUMENT_SIZE;
    const tooLarge: string[] = [];
    for (let i = 0; i < count; i++) {
      const segText = text.slice(offsets[i], i + 1 < offsets.length ? offsets[i + 1] : text.length);
      let parsed = next.get(segText) ?? this.byText.get(segText);
      const tooBig = segText.length > maxDoc;
      if (parsed && !!parsed.cache.get('unparsed') !== tooBig) parsed = undefined; // the limit changed
      if (tooBig) {
        tooLarge.push(`document ${i + 1} (line ${starts[i] + 1}) is ${(segText.length / 1048576).toFixed(1)} MB`);
        parsed ??= unparsedSegment(segText);
      }
      if (!parsed) parsed = parseSegment(segText);
      next.set(segText, parsed);
      segments.push({ index: i, startLine: starts[i], startOffset: offsets[i], parsed });
    }
    if (tooLarge.length) {
      const why = `${tooLarge.slice(0, 3).join(', ')}${tooLarge.length > 3 ? ` and ${tooLarge.length - 3} more` : ''}, over the ${(maxDoc / 1048576).toFixed(1)} MB limit per document: not analysed`;
      this.reduced = this.reduced ? `${this.reduced}; ${why}` : why;
    }
    this.byText = next;
    this.segments = segments;
  }

  /** The segment holding a file position (the last one whose start line is at or before it). */
  segmentAtLine(line: number): Segment | undefined {
    let lo = 0;
    let hi = this.segments.length - 1;
    if (hi < 0) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segments[mid].startLine <= line) lo = mid;
      else hi = mid - 1;
    }
    return this.segments[lo];
  }
}

/** Line numbers of the given offsets (offsets ascending), counting only \n, \r\n and \r line breaks. */
function lineStartsLite(text: string, offsets: number[]): number[] {
  const out: number[] = [];
  const loneCr = /\r(?!\n)/.test(text);
  let line = 0;
  let pos = 0;
  for (const off of offsets) {
    if (!loneCr) {
      // fast path: only \n and \r\n breaks, so counting \n is enough
      for (let nl = text.indexOf('\n', pos); nl >= 0 && nl < off; nl = text.indexOf('\n', nl + 1)) line++;
      pos = off;
    } else {
      for (; pos < off; pos++) {
        const c = text.charCodeAt(pos);
        if (c === 10) line++;
        else if (c === 13 && text.charCodeAt(pos + 1) !== 10) line++;
      }
    }
    out.push(line);
  }
  return out;
}

/** Range of [start, end) segment offsets, as segment-relative positions. */
export function segRange(seg: ParsedSegment, start: number, end: number): Rng {
  return { start: positionAt(seg.lineStarts, start), end: positionAt(seg.lineStarts, Math.max(start, end)) };
}

export function nodeRange(seg: ParsedSegment, node: Node | null | undefined): Rng | undefined {
  if (!node || !node.range) return undefined;
  return segRange(seg, node.range[0], node.range[1]);
}

export function shiftPos(p: Pos, lines: number): Pos {
  return { line: p.line + lines, character: p.character };
}

export function shiftRange(r: Rng, lines: number): Rng {
  return { start: shiftPos(r.start, lines), end: shiftPos(r.end, lines) };
}
