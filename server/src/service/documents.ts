import { isMap, isScalar, parseDocument, type Document, type Node, type Pair, type Scalar } from 'yaml';
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

export const PARSE_OPTIONS = { uniqueKeys: true, prettyErrors: false, strict: true, keepSourceTokens: false, merge: true } as const;

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

export function parseSegment(text: string): ParsedSegment {
  const doc = parseDocument(text, PARSE_OPTIONS);
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
}

export const DEFAULT_LIMITS: FileLimits = { maxFileSize: 8 * 1024 * 1024, maxDocuments: 10000 };

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
      this.reduced = `the file is ${(text.length / 1048576).toFixed(1)} MB, over the ${(limits.maxFileSize / 1048576).toFixed(1)} MB limit (meshYaml.maxFileSize): it is not analysed`;
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
    for (let i = 0; i < count; i++) {
      const segText = text.slice(offsets[i], i + 1 < offsets.length ? offsets[i + 1] : text.length);
      let parsed = next.get(segText) ?? this.byText.get(segText);
      if (!parsed) parsed = parseSegment(segText);
      next.set(segText, parsed);
      segments.push({ index: i, startLine: starts[i], startOffset: offsets[i], parsed });
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
