/**
 * What the diff shows: the live object against the server's dry-run result, both stripped of
 * what the server manages (managedFields, status, resourceVersion, generation, uid,
 * creationTimestamp, selfLink), Secret values masked (also where annotations copy them), rendered
 * as YAML.
 */
import { parse as parseYaml, stringify } from 'yaml';
import type { KubeObject } from './types';

const STRIP_METADATA = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp', 'selfLink'];

/** A copy without the fields the server manages. */
export function stripServerFields(obj: KubeObject | undefined): KubeObject | undefined {
  if (!obj) return undefined;
  const copy = structuredClone(obj);
  delete copy.status;
  const meta = copy.metadata as Record<string, unknown> | undefined;
  if (meta && typeof meta === 'object') {
    for (const k of STRIP_METADATA) delete meta[k];
    const ann = meta.annotations as Record<string, unknown> | undefined;
    if (ann && Object.keys(ann).length === 0) delete meta.annotations;
  }
  return copy;
}

/** The annotation `kubectl apply` (client-side) keeps the whole last applied object in, Secret data included. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

function isSecret(o?: KubeObject): boolean {
  return !!o && o.kind === 'Secret' && (o.apiVersion === 'v1' || o.apiVersion === undefined);
}

/** Whether a value (an annotation's JSON or YAML text, parsed) holds a `data` or `stringData` key anywhere. */
function holdsSecretData(v: unknown, depth = 0): boolean {
  if (depth > 20 || !v || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some((x) => holdsSecretData(x, depth + 1));
  return Object.entries(v as Record<string, unknown>).some(([k, x]) => k === 'data' || k === 'stringData' || holdsSecretData(x, depth + 1));
}

/**
 * Whether a Secret's annotation may carry its values: the last-applied-configuration annotation,
 * or any value that parses (as JSON or YAML) to something with `data` or `stringData` in it.
 */
export function secretAnnotationLeaks(key: string, value: unknown): boolean {
  if (key === LAST_APPLIED_ANNOTATION) return true;
  if (typeof value !== 'string' || !/\b(string)?[dD]ata\b/.test(value)) return false;
  for (const parse of [(t: string): unknown => JSON.parse(t), (t: string): unknown => parseYaml(t)]) {
    try {
      if (holdsSecretData(parse(value))) return true;
    } catch {
      /* not this format */
    }
  }
  return false;
}

/**
 * Secret values are never shown: equal values become `***`, changed ones `*** (before)` and
 * `*** (after)`, as `kubectl diff` does. This covers `data`, `stringData`, and the annotations
 * that copy them (`kubectl.kubernetes.io/last-applied-configuration`, which `kubectl apply`
 * leaves on a Secret with all its data, and any annotation whose value holds `data` or
 * `stringData`).
 */
export function maskSecrets(before: KubeObject | undefined, after: KubeObject | undefined): void {
  if (!isSecret(before) && !isSecret(after)) return;
  const mask = (b: Record<string, unknown> | undefined, a: Record<string, unknown> | undefined, only?: (k: string, v: unknown) => boolean): void => {
    const keys = new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})]);
    for (const k of keys) {
      if (only && !only(k, b?.[k]) && !only(k, a?.[k])) continue;
      const same = b && a && k in b && k in a && b[k] === a[k];
      if (b && k in b) b[k] = same ? '***' : '*** (before)';
      if (a && k in a) a[k] = same ? '***' : '*** (after)';
    }
  };
  const field = (o: KubeObject | undefined, f: string): Record<string, unknown> | undefined => {
    const v = o?.[f];
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  };
  for (const f of ['data', 'stringData']) mask(field(before, f), field(after, f));
  const annotations = (o: KubeObject | undefined): Record<string, unknown> | undefined => field(field(o, 'metadata') as KubeObject | undefined, 'annotations');
  mask(annotations(before), annotations(after), secretAnnotationLeaks);
}

/** Stable JSON (sorted keys) for equality checks. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function toYaml(obj: KubeObject | undefined): string {
  if (!obj) return '';
  return stringify(obj, { lineWidth: 0, aliasDuplicateObjects: false });
}

export type DiffLine = { op: ' ' | '-' | '+'; text: string };

/** Line diff (longest common subsequence). Large inputs fall back to "all removed, all added". */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = a === '' ? [] : a.replace(/\n$/, '').split('\n');
  const y = b === '' ? [] : b.replace(/\n$/, '').split('\n');
  // trim the common head and tail first
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const xs = x.slice(head, x.length - tail);
  const ys = y.slice(head, y.length - tail);
  const out: DiffLine[] = x.slice(0, head).map((text) => ({ op: ' ', text }));
  const n = xs.length;
  const m = ys.length;
  if (n * m > 25_000_000) {
    out.push(...xs.map((text) => ({ op: '-' as const, text })), ...ys.map((text) => ({ op: '+' as const, text })));
  } else {
    const w = m + 1;
    const L = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--) L[i * w + j] = xs[i] === ys[j] ? L[(i + 1) * w + j + 1] + 1 : Math.max(L[(i + 1) * w + j], L[i * w + j + 1]);
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (xs[i] === ys[j]) {
        out.push({ op: ' ', text: xs[i] });
        i++;
        j++;
      } else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) out.push({ op: '-', text: xs[i++] });
      else out.push({ op: '+', text: ys[j++] });
    }
    while (i < n) out.push({ op: '-', text: xs[i++] });
    while (j < m) out.push({ op: '+', text: ys[j++] });
  }
  out.push(...x.slice(x.length - tail).map((text) => ({ op: ' ' as const, text })));
  return out;
}

/** A unified diff (`---`/`+++`/`@@` hunks); empty string when the texts are equal. */
export function unifiedDiff(a: string, b: string, labelA: string, labelB: string, context = 3): string {
  const lines = diffLines(a, b);
  if (!lines.some((l) => l.op !== ' ')) return '';
  const out = [`--- ${labelA}`, `+++ ${labelB}`];
  let i = 0;
  while (i < lines.length) {
    if (lines[i].op === ' ') {
      i++;
      continue;
    }
    // a hunk: from `context` lines before this change to `context` lines after the last change nearby
    let start = Math.max(0, i - context);
    let end = i;
    while (end < lines.length) {
      let k = end;
      while (k < lines.length && lines[k].op !== ' ') k++;
      let gap = k;
      while (gap < lines.length && lines[gap].op === ' ') gap++;
      if (gap < lines.length && gap - k <= 2 * context) end = gap;
      else {
        end = Math.min(lines.length, k + context);
        break;
      }
    }
    // line numbers
    let aLine = 1;
    let bLine = 1;
    for (let k = 0; k < start; k++) {
      if (lines[k].op !== '+') aLine++;
      if (lines[k].op !== '-') bLine++;
    }
    const hunk = lines.slice(start, end);
    const aCount = hunk.filter((l) => l.op !== '+').length;
    const bCount = hunk.filter((l) => l.op !== '-').length;
    out.push(`@@ -${aCount ? aLine : aLine - 1},${aCount} +${bCount ? bLine : bLine - 1},${bCount} @@`);
    for (const l of hunk) out.push(`${l.op}${l.text}`);
    i = end;
    start = end;
  }
  return `${out.join('\n')}\n`;
}

/** Counts of added and removed lines. */
export function diffStat(a: string, b: string): { added: number; removed: number } {
  const lines = diffLines(a, b);
  return { added: lines.filter((l) => l.op === '+').length, removed: lines.filter((l) => l.op === '-').length };
}
