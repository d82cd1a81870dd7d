/**
 * RE2 regular expressions for the CEL evaluator.
 *
 * `matches()` only needs a yes/no answer, which @bufbuild/re2 (a linear-time RE2 port) gives directly.
 * The Kubernetes regex library (`find`, `findAll`) also needs the position of the match, which that
 * package does not expose; `searchRe2` runs a small Pike VM over the compiled RE2 program instead.
 * Both are linear in the input (times the program size), like Go's regexp package, and follow Go's
 * leftmost-first match semantics.
 */
import { RE2JS } from '@bufbuild/re2';

/** Compiled patterns, most recently used last. Bounded so user-edited rules cannot grow it forever. */
const cache = new Map<string, RE2JS>();
const CACHE_LIMIT = 256;

/**
 * Longest pattern compiled. The RE2 port's parser is quadratic in the pattern's length (16 KB: 2 s, 100 KB: 110 s),
 * and patterns come from the user's YAML: longer ones are not evaluated (RegexTooLongError).
 */
export const MAX_REGEX_LENGTH = 4096;

/** A pattern over MAX_REGEX_LENGTH: not compiled, so neither valid nor invalid as far as we can tell. */
export class RegexTooLongError extends Error {
  constructor(readonly length: number) {
    super(`the regex is ${length} characters long; patterns over ${MAX_REGEX_LENGTH} characters are not evaluated`);
  }
}

/** Compiles (or returns the cached) RE2 pattern. Throws an Error with a readable message when invalid. */
export function compileRegex(pattern: string): RE2JS {
  if (pattern.length > MAX_REGEX_LENGTH) throw new RegexTooLongError(pattern.length);
  const hit = cache.get(pattern);
  if (hit) {
    cache.delete(pattern);
    cache.set(pattern, hit);
    return hit;
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (e) {
    throw new Error(`invalid regex ${JSON.stringify(pattern)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  cache.set(pattern, re);
  if (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return re;
}

/** True when `pattern` matches anywhere in `text` (CEL `matches`). */
export function regexTest(pattern: string, text: string): boolean {
  return compileRegex(pattern).test(text);
}

// Instruction opcodes of the RE2 program (see @bufbuild/re2 Inst).
const ALT = 1;
const ALT_MATCH = 2;
const CAPTURE = 3;
const EMPTY_WIDTH = 4;
const MATCH = 6;
const NOP = 7;
const RUNE = 8;
const RUNE1 = 9;
const RUNE_ANY = 10;
const RUNE_ANY_NOT_NL = 11;

// Zero-width assertion flags (see @bufbuild/re2 Utils).
const EMPTY_BEGIN_LINE = 0x01;
const EMPTY_END_LINE = 0x02;
const EMPTY_BEGIN_TEXT = 0x04;
const EMPTY_END_TEXT = 0x08;
const EMPTY_WORD_BOUNDARY = 0x10;
const EMPTY_NO_WORD_BOUNDARY = 0x20;

function isWordRune(r: number): boolean {
  return (r >= 0x61 && r <= 0x7a) || (r >= 0x41 && r <= 0x5a) || (r >= 0x30 && r <= 0x39) || r === 0x5f;
}

function emptyContext(before: number, after: number): number {
  let op = 0;
  if (before < 0) op |= EMPTY_BEGIN_TEXT | EMPTY_BEGIN_LINE;
  if (before === 0x0a) op |= EMPTY_BEGIN_LINE;
  if (after < 0) op |= EMPTY_END_TEXT | EMPTY_END_LINE;
  if (after === 0x0a) op |= EMPTY_END_LINE;
  op |= isWordRune(before) !== isWordRune(after) ? EMPTY_WORD_BOUNDARY : EMPTY_NO_WORD_BOUNDARY;
  return op;
}

/** The code point starting at UTF-16 index `i` (-1 at the end) and its width in UTF-16 units. */
function runeAt(text: string, i: number): [number, number] {
  if (i >= text.length) return [-1, 0];
  const cp = text.codePointAt(i) as number;
  return [cp, cp > 0xffff ? 2 : 1];
}

function runeBefore(text: string, i: number): number {
  if (i <= 0) return -1;
  const c = text.charCodeAt(i - 1);
  if (c >= 0xdc00 && c <= 0xdfff && i >= 2) {
    const h = text.charCodeAt(i - 2);
    if (h >= 0xd800 && h <= 0xdbff) return text.codePointAt(i - 2) as number;
  }
  return c;
}

interface Inst {
  op: number;
  out: number;
  arg: number;
  matchRune(r: number): boolean;
}
interface Prog {
  start: number;
  numInst(): number;
  getInst(pc: number): Inst;
}

/**
 * Leftmost-first search for `re` in `text` starting at UTF-16 index `from`.
 * Returns [start, end) of the match, or undefined. Linear in (text length × program size).
 */
export function searchRe2(re: RE2JS, text: string, from: number): [number, number] | undefined {
  const m = searchRe2Groups(re, text, from, false);
  return m ? [m[0], m[1]] : undefined;
}

/**
 * Leftmost-first search with submatches: [start0, end0, start1, end1, ...] (-1 for a group that did not take
 * part), or undefined. A Pike VM over the compiled RE2 program: each thread carries its capture slots, so the time
 * stays linear in (text length × program size × groups), with the submatch choices of Go's regexp and RE2.
 * Without `groups`, only slots 0 and 1 are filled.
 */
export function searchRe2Groups(re: RE2JS, text: string, from: number, groups = true): number[] | undefined {
  const prog = re.re2().prog as unknown as Prog;
  const n = prog.numInst();
  const slots = groups ? 2 * (re.groupCount() + 1) : 2;
  // Thread queues: parallel arrays of program counters and capture slots, in priority order.
  let cpc: number[] = [];
  let ccap: number[][] = [];
  let npc: number[] = [];
  let ncap: number[][] = [];
  const seen = new Int32Array(n).fill(-1);
  let generation = 0; // `seen[pc] === generation` means pc is already queued for the current position

  const add = (pcs: number[], caps: number[][], pc0: number, cap0: number[], pos: number, ctx: number): void => {
    // Iterative depth-first walk over the epsilon closure, keeping priority order.
    const stack: Array<[number, number[]]> = [[pc0, cap0]];
    while (stack.length > 0) {
      const [pc, cap] = stack.pop() as [number, number[]];
      if (pc === 0 || seen[pc] === generation) continue; // pc 0 is FAIL
      seen[pc] = generation;
      const inst = prog.getInst(pc);
      switch (inst.op) {
        case ALT:
        case ALT_MATCH:
          stack.push([inst.arg, cap], [inst.out, cap]); // `out` has priority, so it is popped first
          break;
        case CAPTURE:
          if (inst.arg >= 2 && inst.arg < slots) {
            const copy = cap.slice();
            copy[inst.arg] = pos;
            stack.push([inst.out, copy]);
          } else stack.push([inst.out, cap]);
          break;
        case NOP:
          stack.push([inst.out, cap]);
          break;
        case EMPTY_WIDTH:
          if ((inst.arg & ~ctx) === 0) stack.push([inst.out, cap]);
          break;
        default:
          pcs.push(pc);
          caps.push(cap);
      }
    }
  };

  let match: number[] | undefined;
  let pos = from;
  let prev = runeBefore(text, pos);
  for (;;) {
    if (cpc.length === 0 && match !== undefined) break;
    const [r, width] = runeAt(text, pos);
    if (match === undefined) {
      // A thread starting here has the lowest priority, so it goes last. It shares the
      // generation of the threads already queued for this position, which dedups against them.
      const cap0 = new Array<number>(slots).fill(-1);
      cap0[0] = pos;
      add(cpc, ccap, prog.start, cap0, pos, emptyContext(prev, r));
    }
    generation++;
    const r2 = width > 0 ? runeAt(text, pos + width)[0] : -1;
    const nextCtx = emptyContext(r, r2);
    for (let t = 0; t < cpc.length; t++) {
      const inst = prog.getInst(cpc[t]);
      if (inst.op === MATCH) {
        match = ccap[t].slice();
        match[1] = pos;
        break; // leftmost-first: drop the lower-priority threads
      }
      if (r < 0) continue;
      let ok: boolean;
      if (inst.op === RUNE_ANY) ok = true;
      else if (inst.op === RUNE_ANY_NOT_NL) ok = r !== 0x0a;
      else if (inst.op === RUNE || inst.op === RUNE1) ok = inst.matchRune(r);
      else ok = false;
      if (ok) add(npc, ncap, inst.out, ccap[t], pos + width, nextCtx);
    }
    if (width === 0) break;
    prev = r;
    pos += width;
    [cpc, npc] = [npc, cpc];
    [ccap, ncap] = [ncap, ccap];
    npc.length = 0;
    ncap.length = 0;
  }
  return match;
}

/**
 * RE2's GlobalReplace, as Envoy's `regex_rewrite` (Istio `uriRegexRewrite`) applies it: every non-overlapping
 * match of `pattern` in `text` is replaced by `rewrite`, in which `\N` (N a digit) stands for group N and `\\`
 * for a backslash. Linear time (RE2). Throws on an invalid pattern.
 */
export function regexReplaceAll(pattern: string, text: string, rewrite: string): string {
  const re = compileRegex(pattern);
  let out = '';
  let pos = 0;
  let copied = 0;
  let prevEnd = -1;
  while (pos <= text.length) {
    const m = searchRe2Groups(re, text, pos);
    if (!m) break;
    const empty = m[0] === m[1];
    if (!(empty && m[0] === prevEnd)) {
      out += text.slice(copied, m[0]) + rewrite.replace(/\\(\d|\\)/g, (_, d: string) => (d === '\\' ? '\\' : m[2 * Number(d)] >= 0 ? text.slice(m[2 * Number(d)], m[2 * Number(d) + 1]) : ''));
      copied = m[1];
    }
    prevEnd = m[1];
    if (empty) {
      const w = runeAt(text, m[1])[1];
      if (w === 0) break;
      pos = m[1] + w;
    } else pos = m[1];
  }
  return out + text.slice(copied);
}

/** Go `regexp.FindString`: the leftmost match, or '' when there is none. */
export function regexFind(pattern: string, text: string): string {
  const m = searchRe2(compileRegex(pattern), text, 0);
  return m ? text.slice(m[0], m[1]) : '';
}

/** Go `regexp.FindAllString(text, limit)`: successive non-overlapping matches; limit < 0 means all. */
export function regexFindAll(pattern: string, text: string, limit: number, onStep?: () => void): string[] {
  const re = compileRegex(pattern);
  const out: string[] = [];
  if (limit === 0) return out;
  const max = limit < 0 ? text.length + 1 : limit;
  let pos = 0;
  let prevEnd = -1;
  while (out.length < max && pos <= text.length) {
    onStep?.();
    const m = searchRe2(re, text, pos);
    if (!m) break;
    let accept = true;
    if (m[1] === pos) {
      // An empty match here: not allowed right after the previous match; always advance one rune.
      if (m[0] === prevEnd) accept = false;
      const w = runeAt(text, pos)[1];
      pos = w > 0 ? pos + w : text.length + 1;
    } else {
      pos = m[1];
    }
    prevEnd = m[1];
    if (accept) out.push(text.slice(m[0], m[1]));
  }
  return out;
}
