/**
 * Plain JSON (as parsed from YAML) -> CEL values, typed by the structural schema the way the
 * Kubernetes apiserver does it (k8s.io/apiserver/pkg/cel/common/values.go):
 *
 * - `integer` -> int (bigint), `number` -> double, `boolean` -> bool, `string` -> string, except
 *   `format: byte` -> bytes, `format: duration` -> duration, `format: date`/`date-time` -> timestamp;
 * - `x-kubernetes-int-or-string` -> int or string, as the value is;
 * - objects with `properties` -> maps keyed by the escaped property names (`__namespace__`,
 *   `foo__dash__bar`, ...); schema defaults are applied to absent properties (the apiserver defaults
 *   before it validates); absent and null-valued properties are absent, unknown fields are invisible;
 *   `apiVersion`, `kind`, `metadata.name`, `metadata.generateName` are visible at the root and in
 *   embedded resources;
 * - objects with `additionalProperties` -> maps keyed by the raw keys;
 * - arrays -> lists.
 *
 * Lists and maps are lazy views over the JSON: a rule only pays for what it touches. Every element
 * access and iteration step is charged to the active evaluation budget, which bounds the work a rule
 * can do (nested comprehensions over large lists) in both cost units and wall-clock time.
 */
import type { CelList, CelMap, CelValue } from '@bufbuild/cel';
import { isCelList } from '@bufbuild/cel';
import { create } from '@bufbuild/protobuf';
import { reflect } from '@bufbuild/protobuf/reflect';
import { DurationSchema, TimestampSchema } from '@bufbuild/protobuf/wkt';
import type { SchemaNode } from './types';

// ---------------------------------------------------------------------------------------------
// Evaluation budget

/** Thrown when an evaluation exceeds its budget; evaluation code turns it into a CEL error. */
export class CostLimitError extends Error {}

export interface EvalBudget {
  used: number;
  limit: number;
  deadline: number;
  ticks: number;
  exceeded?: 'cost' | 'time';
  /** First value found not to match its schema type (the rule then cannot be judged). */
  mismatch?: string;
}

let active: EvalBudget | undefined;

export function newBudget(costLimit: number, timeLimitMs: number): EvalBudget {
  return { used: 0, limit: costLimit, deadline: performance.now() + timeLimitMs, ticks: 0 };
}

/** Runs `fn` with `budget` as the active budget (evaluation is synchronous and may nest). */
export function withBudget<T>(budget: EvalBudget, fn: () => T): T {
  const prev = active;
  active = budget;
  try {
    return fn();
  } finally {
    active = prev;
  }
}

/** Charges `units` of work to the active budget; throws CostLimitError when it is used up. */
export function charge(units = 1): void {
  const b = active;
  if (b === undefined) return;
  if (b.exceeded) throw new CostLimitError(`evaluation ${b.exceeded} limit exceeded`);
  b.used += units;
  if (b.used > b.limit) {
    b.exceeded = 'cost';
    throw new CostLimitError('evaluation cost limit exceeded');
  }
  b.ticks += units;
  if (b.ticks >= 256) {
    b.ticks = 0;
    if (performance.now() > b.deadline) {
      b.exceeded = 'time';
      throw new CostLimitError('evaluation time limit exceeded');
    }
  }
}

function noteMismatch(path: string, expected: string, raw: unknown): void {
  if (active && active.mismatch === undefined) {
    const got = raw === null ? 'null' : Array.isArray(raw) ? 'array' : typeof raw;
    active.mismatch = `${path || 'self'}: expected ${expected}, got ${got}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Property name escaping (k8s.io/apiserver/pkg/cel/escaping.go)

const CEL_RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

/** The CEL field name of a property, or undefined when the property is not accessible from CEL. */
export function escapePropertyName(name: string): string | undefined {
  if (name.length === 0 || (name[0] >= '0' && name[0] <= '9')) return undefined;
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z0-9_./-]+$/.test(name)) return undefined;
  return name.replace(/__|[./-]/g, (m) =>
    m === '__' ? '__underscores__' : m === '.' ? '__dot__' : m === '-' ? '__dash__' : '__slash__',
  );
}

// ---------------------------------------------------------------------------------------------
// Durations and timestamps

const NANOS_PER_SECOND = 1_000_000_000n;
const MAX_DURATION_NANOS = 9223372036854775807n;

/** A google.protobuf.Duration CEL value from a nanosecond count. */
export function durationValue(nanos: bigint): CelValue {
  if (nanos > MAX_DURATION_NANOS || nanos < -MAX_DURATION_NANOS - 1n) throw new Error('duration out of range');
  const msg = create(DurationSchema, { seconds: nanos / NANOS_PER_SECOND, nanos: Number(nanos % NANOS_PER_SECOND) });
  return reflect(DurationSchema, msg) as unknown as CelValue;
}

const GO_UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5
  'μs': 1_000n, // U+03BC
  ms: 1_000_000n,
  s: NANOS_PER_SECOND,
  m: 60n * NANOS_PER_SECOND,
  h: 3600n * NANOS_PER_SECOND,
};

/** Go time.ParseDuration: "300ms", "-1.5h", "2h45m". Returns nanoseconds, or undefined when invalid. */
export function parseGoDuration(s: string): bigint | undefined {
  if (s.length === 0 || s.length > 128) return undefined;
  let rest = s;
  let neg = false;
  if (rest[0] === '-' || rest[0] === '+') {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return undefined;
  let total = 0n;
  while (rest.length > 0) {
    const m = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]+)/.exec(rest);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) return undefined;
    const unit = GO_UNITS[m[3]];
    if (unit === undefined) return undefined;
    total += BigInt(m[1] || '0') * unit;
    if (m[2]) total += (BigInt(m[2]) * unit) / 10n ** BigInt(m[2].length);
    if (total > MAX_DURATION_NANOS + (neg ? 1n : 0n)) return undefined;
    rest = rest.slice(m[0].length);
  }
  return neg ? -total : total;
}

const STRFMT_UNITS: [string[], bigint][] = [
  [['ns', 'nano'], 1n],
  [['us', 'µs', 'micro'], 1_000n],
  [['ms', 'milli'], 1_000_000n],
  [['s', 'sec'], NANOS_PER_SECOND],
  [['m', 'min'], 60n * NANOS_PER_SECOND],
  [['h', 'hr', 'hour'], 3600n * NANOS_PER_SECOND],
  [['d', 'day'], 86400n * NANOS_PER_SECOND],
  [['w', 'wk', 'week'], 7n * 86400n * NANOS_PER_SECOND],
];

/** go-openapi strfmt.ParseDuration (used for `format: duration`): Go syntax, or "3 days", "1w". */
export function parseStrfmtDuration(s: string): bigint | undefined {
  const go = parseGoDuration(s);
  if (go !== undefined) return go;
  let total = 0n;
  let ok = false;
  for (const m of s.matchAll(/(\d+)\s*([A-Za-zµ]+)/g)) {
    const unit = m[2].toLowerCase();
    for (const [variants, mult] of STRFMT_UNITS) {
      variants.forEach((v, i) => {
        if ((i === variants.length - 1 && unit.startsWith(v)) || v === unit) {
          ok = true;
          total += BigInt(m[1]) * mult;
        }
      });
    }
  }
  return ok ? total : undefined;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

function timestampValue(seconds: bigint, nanos: number): CelValue {
  return reflect(TimestampSchema, create(TimestampSchema, { seconds, nanos })) as unknown as CelValue;
}

function parseDateTime(s: string): CelValue | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[4].toUpperCase()}`);
  if (Number.isNaN(ms)) return undefined;
  return timestampValue(BigInt(Math.floor(ms / 1000)), Number((m[3] ?? '').padEnd(9, '0')));
}

function parseDate(s: string): CelValue | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return undefined;
  const ms = Date.parse(`${s}T00:00:00Z`);
  if (Number.isNaN(ms)) return undefined;
  return timestampValue(BigInt(Math.floor(ms / 1000)), 0);
}

function parseBase64(s: string): Uint8Array | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) return undefined;
  return new Uint8Array(Buffer.from(s, 'base64'));
}

// ---------------------------------------------------------------------------------------------
// Schema helpers

const OBJECT_META: SchemaNode = {
  type: 'object',
  properties: { name: { type: 'string' }, generateName: { type: 'string' } },
};

const effectiveProps = new WeakMap<SchemaNode, Record<string, SchemaNode> | null>();

/**
 * The properties CEL can see on an object schema, or null for objects without properties.
 * Embedded resources and the resource root expose apiVersion, kind and metadata.name/generateName.
 */
function propertiesOf(s: SchemaNode): Record<string, SchemaNode> | null {
  const hit = effectiveProps.get(s);
  if (hit !== undefined) return hit;
  let props: Record<string, SchemaNode> | null = s.properties ?? null;
  const isRoot = props !== null && 'apiVersion' in props && 'kind' in props && 'metadata' in props;
  if (s['x-kubernetes-embedded-resource'] || isRoot) {
    const meta = props?.metadata?.properties;
    props = {
      ...(props ?? {}),
      apiVersion: props?.apiVersion ?? { type: 'string' },
      kind: props?.kind ?? { type: 'string' },
      metadata: meta
        ? { type: 'object', properties: { name: meta.name ?? { type: 'string' }, generateName: meta.generateName ?? { type: 'string' } } }
        : OBJECT_META,
    };
  }
  effectiveProps.set(s, props);
  return props;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

// ---------------------------------------------------------------------------------------------
// Lazy list and map views (they satisfy @bufbuild/cel's CelList / CelMap protocols)

const LIST_TAG = Symbol.for('@bufbuild/cel/list');
const MAP_TAG = Symbol.for('@bufbuild/cel/map');

function tag(obj: object, sym: symbol): void {
  Object.defineProperty(obj, sym, { value: {}, enumerable: false });
}

class SchemaList {
  private readonly memo: (CelValue | undefined)[];
  constructor(
    private readonly raw: readonly unknown[],
    private readonly items: SchemaNode | undefined,
    private readonly path: string,
  ) {
    tag(this, LIST_TAG);
    this.memo = new Array<CelValue | undefined>(raw.length);
  }
  get size(): number {
    return this.raw.length;
  }
  private at(i: number): CelValue {
    let v = this.memo[i];
    if (v === undefined) {
      v = toCelValue(this.raw[i], this.items, `${this.path}[${i}]`);
      this.memo[i] = v;
    }
    return v;
  }
  get(index: number): CelValue | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.raw.length) return undefined;
    charge();
    return this.at(index);
  }
  *values(): IterableIterator<CelValue> {
    for (let i = 0; i < this.raw.length; i++) {
      charge();
      yield this.at(i);
    }
  }
  [Symbol.iterator](): IterableIterator<CelValue> {
    return this.values();
  }
}

/** A list produced during evaluation (function results), made to charge the budget when iterated. */
class ChargedList {
  constructor(private readonly inner: CelList) {
    tag(this, LIST_TAG);
  }
  get size(): number {
    return this.inner.size;
  }
  get(index: number): CelValue | undefined {
    charge();
    return this.inner.get(index);
  }
  *values(): IterableIterator<CelValue> {
    for (const v of this.inner.values()) {
      charge();
      yield v;
    }
  }
  [Symbol.iterator](): IterableIterator<CelValue> {
    return this.values();
  }
}

/**
 * The result of list concatenation: a view of the first `size` elements of a shared buffer. Appending
 * to the most recent view extends the buffer in place (like Go's append), so the accumulator of
 * `map`/`filter` grows in amortized O(1) per step instead of nesting one concatenation per element.
 */
class AppendList {
  constructor(
    private readonly buf: CelValue[],
    readonly size: number,
  ) {
    tag(this, LIST_TAG);
  }
  get(index: number): CelValue | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) return undefined;
    charge();
    return this.buf[index];
  }
  *values(): IterableIterator<CelValue> {
    for (let i = 0; i < this.size; i++) {
      charge();
      yield this.buf[i];
    }
  }
  [Symbol.iterator](): IterableIterator<CelValue> {
    return this.values();
  }
  append(other: CelList): AppendList {
    let buf = this.buf;
    if (buf.length !== this.size) {
      charge(this.size);
      buf = buf.slice(0, this.size); // another view already extended the buffer: copy
    }
    for (const v of other) buf.push(v);
    return new AppendList(buf, buf.length);
  }
}

/** CEL `list + list`. */
export function concatLists(a: CelList, b: CelList): CelList {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  const base = a instanceof AppendList ? a : new AppendList(Array.from(a), a.size);
  return base.append(b) as unknown as CelList;
}

/** Wraps a list value so that iterating it is charged to the active budget. */
export function chargedList(v: CelValue): CelValue {
  if (isCelList(v) && !(v instanceof SchemaList) && !(v instanceof ChargedList) && !(v instanceof AppendList)) {
    return new ChargedList(v) as unknown as CelValue;
  }
  return v;
}

interface Entry {
  raw: unknown;
  schema: SchemaNode | undefined;
  value?: CelValue;
}

type MapKey = string | bigint | boolean | { value: bigint };

class SchemaMap {
  private index_?: Map<string, Entry>;
  constructor(
    private readonly raw: Record<string, unknown>,
    private readonly schema: SchemaNode | undefined,
    private readonly mode: 'object' | 'map',
    private readonly path: string,
  ) {
    tag(this, MAP_TAG);
  }
  private index(): Map<string, Entry> {
    if (this.index_) return this.index_;
    const out = new Map<string, Entry>();
    const keys = Object.keys(this.raw);
    charge(1 + (keys.length >> 3));
    if (this.mode === 'object') {
      const props = this.schema ? propertiesOf(this.schema) : null;
      if (props) {
        for (const k of keys) {
          const ps = Object.prototype.hasOwnProperty.call(props, k) ? props[k] : undefined;
          if (!ps) continue; // unknown fields are not visible
          let v = this.raw[k];
          // The apiserver prunes non-nullable nulls and applies defaults before validating.
          if (v === null && !ps.nullable && ps.default !== undefined) v = ps.default;
          if (v === null || v === undefined) continue; // null-valued fields are absent
          const name = escapePropertyName(k);
          if (name !== undefined) out.set(name, { raw: v, schema: ps });
        }
        for (const [k, ps] of Object.entries(props)) {
          if (ps.default === undefined || ps.default === null || Object.prototype.hasOwnProperty.call(this.raw, k)) continue;
          const name = escapePropertyName(k);
          if (name !== undefined) out.set(name, { raw: ps.default, schema: ps });
        }
      }
    } else {
      const ap = this.schema?.additionalProperties;
      const vs = typeof ap === 'object' ? ap : undefined;
      for (const k of keys) {
        const v = this.raw[k];
        if (v !== undefined) out.set(k, { raw: v, schema: vs });
      }
    }
    this.index_ = out;
    return out;
  }
  private valueOf(key: string, e: Entry): CelValue {
    if (e.value === undefined) {
      e.value = toCelValue(e.raw, e.schema, this.path ? `${this.path}.${key}` : key);
    }
    return e.value;
  }
  get size(): number {
    return this.index().size;
  }
  get(key: MapKey | number): CelValue | undefined {
    if (typeof key !== 'string') return undefined;
    charge();
    const e = this.index().get(key);
    return e ? this.valueOf(key, e) : undefined;
  }
  has(key: MapKey | number): boolean {
    return typeof key === 'string' && this.index().has(key);
  }
  *keys(): IterableIterator<string> {
    for (const k of this.index().keys()) {
      charge();
      yield k;
    }
  }
  *values(): IterableIterator<CelValue> {
    for (const [k, e] of this.index()) {
      charge();
      yield this.valueOf(k, e);
    }
  }
  *entries(): IterableIterator<[string, CelValue]> {
    for (const [k, e] of this.index()) {
      charge();
      yield [k, this.valueOf(k, e)];
    }
  }
  forEach(cb: (value: CelValue, key: string, map: unknown) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) cb.call(thisArg, v, k, this);
  }
  [Symbol.iterator](): IterableIterator<[string, CelValue]> {
    return this.entries();
  }
}

/**
 * How `self` of this schema is bound to a JSON object, as toCelValue does it: 'object' (the properties CEL can
 * see, by escaped name: `fields` maps each escaped name to the property), 'map' (the raw keys), or undefined when
 * the schema or the value is not an object (int-or-string, a list, a scalar, a value of the wrong type).
 */
export function celObjectView(raw: unknown, schema: SchemaNode): { mode: 'object'; fields: ReadonlyMap<string, string> } | { mode: 'map' } | undefined {
  if (schema['x-kubernetes-int-or-string'] || !isPlainObject(raw)) return undefined;
  const type =
    schema.type ??
    (schema.properties || schema.additionalProperties || schema['x-kubernetes-embedded-resource'] ? 'object' : undefined);
  if (type !== 'object') return undefined;
  const props = propertiesOf(schema);
  if (!props && schema.additionalProperties) return { mode: 'map' };
  let fields = escapedFields.get(schema);
  if (!fields) {
    fields = new Map();
    for (const k of Object.keys(props ?? {})) {
      const name = escapePropertyName(k);
      if (name !== undefined) fields.set(name, k);
    }
    escapedFields.set(schema, fields);
  }
  return { mode: 'object', fields };
}

const escapedFields = new WeakMap<SchemaNode, Map<string, string>>();

// ---------------------------------------------------------------------------------------------
// Conversion

const INT64_LIMIT = 2 ** 63;

function naturalNumber(n: number): CelValue {
  return Number.isInteger(n) && Math.abs(n) < INT64_LIMIT ? BigInt(n) : n;
}

/** Converts a value that has no (usable) schema: JSON types map to the obvious CEL types. */
function natural(raw: unknown, path: string): CelValue {
  switch (typeof raw) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return raw;
    case 'number':
      return naturalNumber(raw);
    case 'object':
      if (raw === null) return null;
      if (Array.isArray(raw)) return new SchemaList(raw, undefined, path) as unknown as CelList;
      if (raw instanceof Uint8Array) return raw;
      if (raw instanceof Date) return raw.toISOString();
      if (isPlainObject(raw)) return new SchemaMap(raw, undefined, 'map', path) as unknown as CelMap;
      break;
  }
  noteMismatch(path, 'a JSON value', raw);
  return null;
}

function mismatch(raw: unknown, path: string, expected: string): CelValue {
  noteMismatch(path, expected, raw);
  return natural(raw, path);
}

/** Converts JSON `raw` to the CEL value Kubernetes would bind for schema `schema`. */
export function toCelValue(raw: unknown, schema: SchemaNode | undefined, path: string): CelValue {
  if (raw === null || raw === undefined) return null;
  if (!schema) return natural(raw, path);
  if (schema['x-kubernetes-int-or-string']) {
    if (typeof raw === 'string' || typeof raw === 'bigint') return raw;
    if (typeof raw === 'number' && Number.isInteger(raw) && Math.abs(raw) < INT64_LIMIT) return BigInt(raw);
    return mismatch(raw, path, 'an integer or string');
  }
  const type =
    schema.type ??
    (schema.properties || schema.additionalProperties || schema['x-kubernetes-embedded-resource']
      ? 'object'
      : schema.items
        ? 'array'
        : undefined);
  switch (type) {
    case 'object':
      if (!isPlainObject(raw)) return mismatch(raw, path, 'an object');
      if (!propertiesOf(schema) && schema.additionalProperties) {
        return new SchemaMap(raw, schema, 'map', path) as unknown as CelMap;
      }
      return new SchemaMap(raw, schema, 'object', path) as unknown as CelMap;
    case 'array':
      if (!Array.isArray(raw)) return mismatch(raw, path, 'an array');
      return new SchemaList(raw, schema.items, path) as unknown as CelList;
    case 'string': {
      if (typeof raw !== 'string') return mismatch(raw, path, 'a string');
      let v: CelValue | undefined = raw;
      switch (schema.format) {
        case 'byte':
          v = parseBase64(raw);
          break;
        case 'duration': {
          const d = parseStrfmtDuration(raw);
          v = d === undefined ? undefined : durationValue(d);
          break;
        }
        case 'date':
          v = parseDate(raw);
          break;
        case 'date-time':
          v = parseDateTime(raw);
          break;
      }
      if (v === undefined) {
        noteMismatch(path, `a string of format ${schema.format}`, raw);
        return raw;
      }
      return v;
    }
    case 'integer':
      if (typeof raw === 'bigint') return raw;
      if (typeof raw === 'number' && Number.isInteger(raw) && Math.abs(raw) < INT64_LIMIT) return BigInt(raw);
      return mismatch(raw, path, 'an integer');
    case 'number':
      if (typeof raw === 'number') return raw;
      if (typeof raw === 'bigint') return Number(raw);
      return mismatch(raw, path, 'a number');
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      return mismatch(raw, path, 'a boolean');
    default:
      return natural(raw, path);
  }
}
