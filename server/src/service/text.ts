/** Line/offset helpers over a piece of text. Lines are 0-based, characters in UTF-16 code units (LSP default). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

export interface Pos {
  line: number;
  character: number;
}

export interface Rng {
  start: Pos;
  end: Pos;
}

export function positionAt(starts: number[], offset: number): Pos {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - starts[lo] };
}

export function offsetAt(starts: number[], pos: Pos, textLength: number): number {
  if (pos.line >= starts.length) return textLength;
  if (pos.line < 0) return 0;
  return Math.min(starts[pos.line] + pos.character, pos.line + 1 < starts.length ? starts[pos.line + 1] : textLength);
}

/** Levenshtein distance, bounded: returns max+1 as soon as the distance exceeds max. */
export function editDistance(a: string, b: string, max = 3): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

function normalizeName(s: string): string {
  return s.replace(/[_-]/g, '').toLowerCase();
}

/** The candidates closest to `word` (case, snake_case and small typos forgiven), best first. */
export function suggest(word: string, candidates: Iterable<string>, limit = 3): string[] {
  const norm = normalizeName(word);
  const scored: Array<[number, string]> = [];
  for (const c of candidates) {
    if (c === word) continue;
    const nc = normalizeName(c);
    let score: number;
    if (nc === norm) score = 0;
    else {
      const max = word.length <= 3 ? 1 : word.length <= 6 ? 2 : 3;
      const d = editDistance(norm, nc, max);
      if (d > max) {
        if (norm.length >= 4 && (nc.startsWith(norm) || norm.startsWith(nc))) score = 2.5;
        else continue;
      } else score = d;
    }
    scored.push([score, c]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
  return scored.slice(0, limit).map((x) => x[1]);
}
