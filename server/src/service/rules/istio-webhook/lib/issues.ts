import type { Fix, PathSeg } from '../../../model';
import { arr, isObj, type Obj } from '../../../workspace';

/**
 * What a validator found. istiod's webhook splits its findings into errors (the object is rejected: IST0106)
 * and warnings (accepted, but likely wrong: IST0133); validators report both and the rules pick their level.
 */
export interface Issue {
  level: 'error' | 'warning';
  path: PathSeg[];
  on?: 'key' | 'value';
  message: string;
  fixes?: Fix[];
}

export class Issues {
  readonly list: Issue[] = [];

  error(path: PathSeg[], message: string, opts: { on?: 'key' | 'value'; fixes?: Array<Fix | undefined> } = {}): void {
    this.add('error', path, message, opts);
  }

  warn(path: PathSeg[], message: string, opts: { on?: 'key' | 'value'; fixes?: Array<Fix | undefined> } = {}): void {
    this.add('warning', path, message, opts);
  }

  private add(level: Issue['level'], path: PathSeg[], message: string, opts: { on?: 'key' | 'value'; fixes?: Array<Fix | undefined> }): void {
    const fixes = (opts.fixes ?? []).filter((f): f is Fix => !!f);
    this.list.push({ level, path, message, on: opts.on, fixes: fixes.length ? fixes : undefined });
  }
}

/** Calls `fn` for each object item of a list, with its index in the original list (non-objects are skipped). */
export function eachObj(v: unknown, fn: (o: Obj, i: number) => void): void {
  arr(v).forEach((x, i) => {
    if (isObj(x)) fn(x, i);
  });
}

/** Calls `fn` for each string item of a list, with its original index. */
export function eachStr(v: unknown, fn: (s: string, i: number) => void): void {
  arr(v).forEach((x, i) => {
    if (typeof x === 'string') fn(x, i);
  });
}

/** Is the field set (present and not YAML null)? */
export function has(o: Obj, key: string): boolean {
  return o[key] !== undefined && o[key] !== null;
}

/** A non-empty string field, or undefined. */
export function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A number field (YAML ints, or numeric strings as protojson accepts them). */
export function int(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return undefined;
}

/** A `google.protobuf.*Value` wrapper may be written bare (`5`) or, rarely, as `{value: 5}`. */
export function wrapped(v: unknown): unknown {
  return isObj(v) && 'value' in v ? v.value : v;
}

export function len(v: unknown): number {
  return Array.isArray(v) ? v.length : 0;
}

export function mapSize(v: unknown): number {
  return isObj(v) ? Object.keys(v).length : 0;
}
