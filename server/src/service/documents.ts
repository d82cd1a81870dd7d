import { fastParse } from './fast-yaml';
import { Document, isAlias, isCollection, isMap, isNode, isPair, isScalar, isSeq, parseDocument, YAMLParseError, type Alias, type Node, type Pair, type Scalar } from 'yaml';
import { lineStarts, positionAt, type Pos, type Rng } from './text';
import { directPlainValue } from './schema/yaml-json';

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
  const direct = directPlainValue(target);
  if (direct !== undefined) return direct;
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
 * than the parse itself: stack traces are off while parsing (2.5 times faster on such input). Plain block YAML
 * takes the fast path of fast-yaml.ts (the same tree, built 4-5 times faster); the rest goes to the library.
 */
export function parseYaml(text: string, options: typeof PARSE_OPTIONS | (Omit<typeof PARSE_OPTIONS, 'uniqueKeys'> & { uniqueKeys: boolean }) = PARSE_OPTIONS): Document.Parsed {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fastParse(text, options) ?? parseDocument(text, options);
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

/** What an update changed: the segments parsed anew (by index in `segments`), or everything. */
export interface UpdateResult {
  /** True when the whole file was split again (first load, limits, reduced files, or a fallback). */
  full: boolean;
  /** Indexes (in the new `segments`) of the segments inside the re-split window; all of them when `full`. */
  changed: number[];
  /**
   * When not full: the re-split window, as `removed` old segments from index `start` replaced by `added` new ones;
   * the segments after it moved by `lineDelta` lines (and keep their parsed form).
   */
  window?: { start: number; removed: number; added: number; lineDelta: number };
}

/** An edit as LSP's incremental sync sends it (a range of the current text and its replacement), or a whole new text. */
export type TextChange = { range: Rng; text: string } | { text: string };

export class SegmentedFile {
  segments: Segment[] = [];
  /** Parsed segments by text, with how many segments of the file use each (identical documents share one). */
  private byText = new Map<string, { parsed: ParsedSegment; uses: number }>();
  /**
   * The whole text, when it is at hand. After a range edit it is not: the segments hold it (they cover the file
   * end to end unless the file is `reduced`, which always keeps its text), and it is joined again when asked for.
   */
  private whole: string | undefined = '';
  get text(): string {
    this.whole ??= this.segments.map((s) => s.parsed.text).join('');
    return this.whole;
  }
  /** Why the file is analysed only in part (or not at all), when it is. */
  reduced: string | undefined;
  /** Changes with every update that changes the text (caches of derived results compare it). */
  version = 0;

  constructor(
    text: string,
    private limits: FileLimits = DEFAULT_LIMITS,
  ) {
    this.update(text);
  }

  /**
   * Takes the file's new text. Only the documents around the edited region are split and parsed again: the
   * common prefix and suffix of the old and new texts are found (native string comparison, in chunks), and the
   * documents outside the edit keep their parsed form, shifted by the lines the edit added or removed.
   */
  update(text: string, limits: FileLimits = this.limits): UpdateResult {
    const sameLimits = limits === this.limits || JSON.stringify(limits) === JSON.stringify(this.limits);
    if (text === this.text && sameLimits && this.segments.length) return { full: false, changed: [], window: { start: 0, removed: 0, added: 0, lineDelta: 0 } };
    this.version++;
    if (sameLimits && !this.reduced && this.segments.length && text.length <= limits.maxFileSize) {
      const r = this.updateWindow(text);
      if (r) return r;
    }
    this.fullUpdate(text, limits);
    return { full: true, changed: this.segments.map((_, i) => i) };
  }

  private fullUpdate(text: string, limits: FileLimits): void {
    this.limits = limits;
    this.whole = text;
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
    const old = this.byText;
    this.byText = new Map();
    const segments: Segment[] = [];
    const count = this.reduced ? offsets.length - 1 : offsets.length;
    const maxDoc = limits.maxDocumentSize ?? DEFAULT_MAX_DOCUMENT_SIZE;
    const tooLarge: string[] = [];
    for (let i = 0; i < count; i++) {
      const segText = text.slice(offsets[i], i + 1 < offsets.length ? offsets[i + 1] : text.length);
      if (segText.length > maxDoc) tooLarge.push(`document ${i + 1} (line ${starts[i] + 1}) is ${(segText.length / 1048576).toFixed(1)} MB`);
      segments.push({ index: i, startLine: starts[i], startOffset: offsets[i], parsed: this.acquire(segText, old) });
    }
    if (tooLarge.length) {
      const why = `${tooLarge.slice(0, 3).join(', ')}${tooLarge.length > 3 ? ` and ${tooLarge.length - 3} more` : ''}, over the ${(maxDoc / 1048576).toFixed(1)} MB limit per document: not analysed`;
      this.reduced = this.reduced ? `${this.reduced}; ${why}` : why;
    }
    this.segments = segments;
  }

  /** The parsed form of a segment text: handed over by the document it replaces, reused from before, or parsed now. */
  private acquire(segText: string, previous?: Map<string, { parsed: ParsedSegment; uses: number }>): ParsedSegment {
    const tooBig = segText.length > (this.limits.maxDocumentSize ?? DEFAULT_MAX_DOCUMENT_SIZE);
    let entry = this.byText.get(segText);
    if (entry && !!entry.parsed.cache.get('unparsed') !== tooBig) entry = undefined; // the limit changed
    if (entry) {
      // the document being replaced hands its parse over (an edit re-splits the documents around it)...
      const handover = previous?.get(segText);
      if (handover && handover.parsed === entry.parsed && handover.uses === 0) {
        handover.uses++;
        entry.uses++;
        return entry.parsed;
      }
      // ...but two documents of a file with the same text get a parse each: the caches on a parse (the resource
      // object, its rules' findings) belong to one document
      return tooBig ? unparsedSegment(segText) : parseSegment(segText);
    }
    let parsed = previous?.get(segText)?.parsed;
    if (parsed && !!parsed.cache.get('unparsed') !== tooBig) parsed = undefined;
    parsed ??= tooBig ? unparsedSegment(segText) : parseSegment(segText);
    this.byText.set(segText, { parsed, uses: 1 });
    return parsed;
  }

  private release(parsed: ParsedSegment): void {
    const entry = this.byText.get(parsed.text);
    if (entry && entry.parsed === parsed && --entry.uses <= 0) this.byText.delete(parsed.text);
  }

  /**
   * Re-splits only the documents the edit touches; undefined when the edit cannot be handled that way (the caller
   * then splits the whole file). See update.
   */
  private updateWindow(text: string): UpdateResult | undefined {
    const oldText = this.text;
    const p = commonPrefix(oldText, text);
    const s = commonSuffix(oldText, text, Math.min(oldText.length, text.length) - p);
    const oldEnd = oldText.length - s;
    const delta = text.length - oldText.length;
    const segs = this.segments;
    const at = (off: number): number => this.segmentIndexAtOffset(off);
    // From the document before the one holding the edit's start (an edit at a line start can remove the `---` of the
    // document it is in, joining it to the previous one) up to the document after the one holding the edit's end,
    // which starts after an unchanged line break and so stays a document start.
    const first = Math.max(0, at(p) - 1);
    const last = at(oldEnd);
    const winStart = segs[first].startOffset;
    const winEndOld = last + 1 < segs.length ? segs[last + 1].startOffset : oldText.length;
    const winEndNew = winEndOld + delta;
    if (winEndNew < winStart) return undefined;
    const r = this.replaceWindow(first, last, text.slice(winStart, winEndNew));
    if (r) this.whole = text;
    return r;
  }

  /**
   * Applies one edit. A range edit inside a file that is analysed whole never touches the whole text: the documents
   * around the range are joined, edited and split again (the same window as a whole-text update finds), so its cost
   * follows the edit, not the file. Positions are read as LSP's text document sync does (a character past the end
   * of its line is the line's end, a line past the end the file's end; a reversed range is turned around).
   */
  edit(change: TextChange, limits: FileLimits = this.limits): UpdateResult {
    if (!('range' in change)) return this.update(change.text, limits);
    const sameLimits = limits === this.limits || JSON.stringify(limits) === JSON.stringify(this.limits);
    let { start, end } = change.range;
    if (end.line < start.line || (end.line === start.line && end.character < start.character)) [start, end] = [end, start];
    if (sameLimits && !this.reduced && this.segments.length) {
      const a = this.locate(start);
      const b = this.locate(end);
      const first = Math.max(0, a.seg - 1);
      let base = 0;
      for (let i = first; i < a.seg; i++) base += this.segments[i].parsed.text.length;
      let bBase = base;
      for (let i = a.seg; i < b.seg; i++) bBase += this.segments[i].parsed.text.length;
      const parts: string[] = [];
      for (let i = first; i <= b.seg; i++) parts.push(this.segments[i].parsed.text);
      const old = parts.join('');
      const from = base + a.offset;
      const to = Math.max(from, bBase + b.offset);
      if (old.slice(from, to) === change.text) return { full: false, changed: [], window: { start: 0, removed: 0, added: 0, lineDelta: 0 } };
      this.version++;
      const r = this.replaceWindow(first, b.seg, old.slice(0, from) + change.text + old.slice(to));
      if (r) {
        this.whole = undefined;
        return r;
      }
      this.version--;
    }
    return this.update(applyRangeChange(this.text, { start, end }, change.text), limits);
  }

  /** The segment holding a position and the position's offset in the segment's text (see edit). */
  private locate(pos: Pos): { seg: number; offset: number } {
    const segs = this.segments;
    const lastSeg = segs.length - 1;
    if (pos.line < 0) return { seg: 0, offset: 0 };
    const i = this.segmentIndexAtLine(pos.line);
    const seg = segs[i];
    const p = seg.parsed;
    const k = pos.line - seg.startLine;
    // a line past the end of the file: the end of the file (a line past a document's own is the next one's: the
    // next document starts on the line after the last line break of this one)
    if (i === lastSeg && k >= p.lineStarts.length) return { seg: lastSeg, offset: p.text.length };
    if (i < lastSeg && k >= p.lineStarts.length - 1) return { seg: i + 1, offset: 0 };
    return { seg: i, offset: lspOffset(p.text, p.lineStarts, { line: k, character: pos.character }) };
  }

  /**
   * Replaces the documents `first`..`last` with the documents of `winText` (the new text of that stretch, which
   * starts where document `first` starts). Undefined, with nothing changed, when the stretch cannot be split on its
   * own: it no longer ends with the line break before the next document, it holds a document over the size limit,
   * or the file would get too many documents.
   */
  private replaceWindow(first: number, last: number, winText: string): UpdateResult | undefined {
    const segs = this.segments;
    if (last + 1 < segs.length && winText.charCodeAt(winText.length - 1) !== 10) return undefined;
    const offsets = splitOffsetsIn(winText, 0, winText.length);
    const count = segs.length - (last - first + 1) + offsets.length;
    if (count > this.limits.maxDocuments) return undefined;
    const maxDoc = this.limits.maxDocumentSize ?? DEFAULT_MAX_DOCUMENT_SIZE;
    const texts: string[] = [];
    for (let i = 0; i < offsets.length; i++) {
      const segText = winText.slice(offsets[i], i + 1 < offsets.length ? offsets[i + 1] : winText.length);
      if (segText.length > maxDoc) return undefined; // the full split says why in `reduced`
      texts.push(segText);
    }
    const oldWindow = segs.slice(first, last + 1);
    let oldLength = 0;
    let oldLines = 0;
    for (const seg of oldWindow) {
      oldLength += seg.parsed.text.length;
      oldLines += countLines(seg.parsed.text, 0, seg.parsed.text.length);
    }
    const delta = winText.length - oldLength;
    const lineDelta = countLines(winText, 0, winText.length) - oldLines;
    const winStart = segs[first].startOffset;
    const fresh: Segment[] = [];
    let line = segs[first].startLine;
    const pending = new Map<string, { parsed: ParsedSegment; uses: number }>();
    for (const seg of oldWindow) pending.set(seg.parsed.text, { parsed: seg.parsed, uses: 0 });
    for (let i = 0; i < texts.length; i++) {
      if (i > 0) line += countLines(winText, offsets[i - 1], offsets[i]);
      fresh.push({ index: first + i, startLine: line, startOffset: winStart + offsets[i], parsed: this.acquire(texts[i], pending) });
    }
    for (const seg of oldWindow) this.release(seg.parsed);
    const shift = offsets.length - oldWindow.length;
    const moved = shift || delta || lineDelta;
    // one new array (callers may hold the old one), the documents after the window moved if they did
    const next = new Array<Segment>(segs.length + shift);
    let k = 0;
    for (let i = 0; i < first; i++) next[k++] = segs[i];
    for (const seg of fresh) next[k++] = seg;
    for (let i = last + 1; i < segs.length; i++) {
      const seg = segs[i];
      next[k++] = moved ? { index: seg.index + shift, startLine: seg.startLine + lineDelta, startOffset: seg.startOffset + delta, parsed: seg.parsed } : seg;
    }
    this.segments = next;
    return { full: false, changed: fresh.map((_, i) => first + i), window: { start: first, removed: oldWindow.length, added: fresh.length, lineDelta } };
  }

  /** The offset of a position in the whole text (as edit reads positions). */
  offsetAt(pos: Pos): number {
    if (this.reduced || !this.segments.length) return lspOffset(this.text, lineStarts(this.text), pos);
    const { seg, offset } = this.locate(pos);
    return this.segments[seg].startOffset + offset;
  }

  /** The position of an offset of the whole text (clamped to the text). */
  positionAt(offset: number): Pos {
    if (this.reduced || !this.segments.length) return positionAt(lineStarts(this.text), Math.max(0, Math.min(offset, this.text.length)));
    const segs = this.segments;
    const lastSeg = segs[segs.length - 1];
    const off = Math.max(0, Math.min(offset, lastSeg.startOffset + lastSeg.parsed.text.length));
    const lo = this.segmentIndexAtOffset(off);
    const p = positionAt(segs[lo].parsed.lineStarts, off - segs[lo].startOffset);
    return { line: p.line + segs[lo].startLine, character: p.character };
  }

  private countedLines: { version: number; lines: number } | undefined;

  /** Lines of the file (LSP's count: one more than its line breaks). */
  get lineCount(): number {
    const last = this.segments[this.segments.length - 1];
    if (!last || this.reduced) {
      if (this.countedLines?.version !== this.version) this.countedLines = { version: this.version, lines: lineStarts(this.text).length };
      return this.countedLines.lines;
    }
    return last.startLine + last.parsed.lineStarts.length;
  }

  /** The last segment starting at or before an offset. */
  private segmentIndexAtOffset(off: number): number {
    const segs = this.segments;
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid].startOffset <= off) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private segmentIndexAtLine(line: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segments[mid].startLine <= line) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The segment holding a file position (the last one whose start line is at or before it). */
  segmentAtLine(line: number): Segment | undefined {
    return this.segments.length ? this.segments[this.segmentIndexAtLine(line)] : undefined;
  }
}

/**
 * The offset of an LSP position in a text with the given line starts, as LSP's text document sync reads it: a line
 * past the end is the end of the text, a character past the end of its line the line's end (before its line break).
 */
export function lspOffset(text: string, starts: number[], pos: Pos): number {
  if (pos.line >= starts.length) return text.length;
  if (pos.line < 0) return 0;
  const lineStart = starts[pos.line];
  if (pos.character <= 0) return lineStart;
  let off = Math.min(lineStart + pos.character, pos.line + 1 < starts.length ? starts[pos.line + 1] : text.length);
  while (off > lineStart && (text.charCodeAt(off - 1) === 10 || text.charCodeAt(off - 1) === 13)) off--;
  return off;
}

/** A text with one range replaced (positions read as lspOffset reads them; a reversed range is turned around). */
export function applyRangeChange(text: string, range: Rng, insert: string): string {
  const starts = lineStarts(text);
  const a = lspOffset(text, starts, range.start);
  const b = lspOffset(text, starts, range.end);
  return text.slice(0, Math.min(a, b)) + insert + text.slice(Math.max(a, b));
}

/** Length of the common prefix of two strings (compared in chunks with native equality, then char by char). */
export function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  for (let step = 4096; step >= 1; step >>= 3) {
    while (i + step <= n && a.slice(i, i + step) === b.slice(i, i + step)) i += step;
  }
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** Length of the common suffix of two strings, at most `max`. */
export function commonSuffix(a: string, b: string, max: number): number {
  let i = 0;
  for (let step = 4096; step >= 1; step >>= 3) {
    while (i + step <= max && a.slice(a.length - i - step, a.length - i) === b.slice(b.length - i - step, b.length - i)) i += step;
  }
  while (i < max && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
}

/** splitOffsets for the part [from, to) of a text, `from` being a document start. */
function splitOffsetsIn(text: string, from: number, to: number): number[] {
  const offsets = [from];
  let i = from;
  while (i < to) {
    if (i > from && text.charCodeAt(i) === 45 && text.startsWith('---', i)) {
      const c = text.charCodeAt(i + 3);
      if (i + 3 >= text.length || c === 32 || c === 9 || c === 10 || c === 13) offsets.push(i);
    }
    const nl = text.indexOf('\n', i);
    if (nl < 0 || nl + 1 >= to) break;
    i = nl + 1;
  }
  return offsets;
}

/** Line breaks (\n, \r\n, lone \r) in [from, to) of a text. */
function countLines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) n++;
  }
  return n;
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
