/**
 * Kubernetes CEL libraries (k8s.io/apiserver/pkg/cel/library) for @bufbuild/cel:
 *
 * - URLs:   url(), isURL(), <URL>.getScheme/getHost/getHostname/getPort/getEscapedPath/getQuery()
 * - Regex:  <string>.find(re), <string>.findAll(re[, limit]); matches() is re-registered with a
 *           compiled-pattern cache (RE2 semantics, linear time)
 * - Lists:  <list>.isSorted(), sum(), min(), max(), indexOf(x), lastIndexOf(x)
 * - IP:     ip(), isIP(), ip.isCanonical(), <IP>.family/isUnspecified/isLoopback/
 *           isLinkLocalMulticast/isLinkLocalUnicast/isGlobalUnicast(), string(<IP>)
 * - CIDR:   cidr(), isCIDR(), <CIDR>.containsIP/containsCIDR(string|IP|CIDR), ip(), masked(),
 *           prefixLength(), string(<CIDR>)
 * - Sets:   sets.contains(), sets.equivalent(), sets.intersects() (cel-go ext.Sets, enabled in k8s)
 *
 * The strings extension (charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace, split,
 * substring, trim, join, strings.quote, format) comes from @bufbuild/cel/ext; charAt, indexOf,
 * lastIndexOf, substring, split and replace are re-registered here with cel-go's semantics
 * (code point indices, Go SplitN/Replace counts), and int()/uint()/double() of strings with Go's
 * strconv rules. `list + list` is re-registered to append in amortized O(1) (map/filter accumulators).
 *
 * URL, IP and CIDR values are small protobuf messages (kubernetes.URL, net.IP, net.CIDR) holding the
 * canonical text, so CEL equality and type() work on them.
 */
import {
  CelScalar,
  celEnv,
  celFunc,
  celMethod,
  celType,
  celUint,
  isCelError,
  isCelUint,
  listType,
  mapType,
  objectType,
} from '@bufbuild/cel';
import type { CelFunc, CelList, CelUint, CelValue } from '@bufbuild/cel';
import { create, createFileRegistry } from '@bufbuild/protobuf';
import type { DescMessage, FileRegistry } from '@bufbuild/protobuf';
import { DurationSchema, FieldDescriptorProto_Label, FieldDescriptorProto_Type, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { isReflectMessage } from '@bufbuild/protobuf/reflect';
import {
  cidrContainsCIDR,
  cidrContainsIP,
  formatCIDR,
  formatIP,
  isGlobalUnicast,
  isLinkLocalMulticast,
  isLinkLocalUnicast,
  isLoopback,
  isUnspecified,
  maskedCIDR,
  parseCIDR,
  parseIP,
} from './cel-net';
import type { IPAddr, IPPrefix } from './cel-net';
import { compileRegex, regexFind, regexFindAll } from './cel-regex';
import { isURL, parseURL, urlEscapedPath, urlHostname, urlPort, urlQuery } from './cel-url';
import type { ParsedURL } from './cel-url';
import { charge, concatLists } from './cel-values';

const { BOOL, DOUBLE, DYN, INT, STRING, UINT } = CelScalar;
const LIST = listType(DYN);
const LIST_STRING = listType(STRING);
const MAP_STRING_LIST = mapType(STRING, LIST_STRING);

// ---------------------------------------------------------------------------------------------
// Custom value types

function typeFile(pkg: string, names: string[]) {
  return create(FileDescriptorProtoSchema, {
    name: `mesh_yaml/cel/${pkg}.proto`,
    package: pkg,
    syntax: 'proto3',
    messageType: names.map((name) => ({
      name,
      field: [
        {
          name: 'value',
          jsonName: 'value',
          number: 1,
          type: FieldDescriptorProto_Type.STRING,
          label: FieldDescriptorProto_Label.OPTIONAL,
        },
      ],
    })),
  });
}

/** Registry with the Kubernetes CEL value types (net.IP, net.CIDR, kubernetes.URL). */
export const k8sTypeRegistry: FileRegistry = createFileRegistry(
  createFileRegistry(typeFile('net', ['IP', 'CIDR']), () => undefined),
  createFileRegistry(typeFile('kubernetes', ['URL']), () => undefined),
);

function messageDesc(name: string): DescMessage {
  const d = k8sTypeRegistry.getMessage(name);
  if (!d) throw new Error(`internal: missing CEL type ${name}`);
  return d;
}

const IP_DESC = messageDesc('net.IP');
const CIDR_DESC = messageDesc('net.CIDR');
const URL_DESC = messageDesc('kubernetes.URL');
const IP = objectType(IP_DESC);
const CIDR = objectType(CIDR_DESC);
const URL = objectType(URL_DESC);

/** The `value` text of one of our message values (a ReflectMessage at runtime). */
function textOf(v: unknown): string {
  if (isReflectMessage(v)) return (v.message as unknown as { value: string }).value;
  throw new Error('internal: expected a message value');
}

function ipValue(ip: IPAddr) {
  return create(IP_DESC, { value: formatIP(ip) });
}

function cidrValue(p: IPPrefix) {
  return create(CIDR_DESC, { value: formatCIDR(p) });
}

function mustIP(s: string): IPAddr {
  const ip = parseIP(s);
  if (typeof ip === 'string') throw new Error(ip);
  return ip;
}

function mustCIDR(s: string): IPPrefix {
  const p = parseCIDR(s);
  if (typeof p === 'string') throw new Error(p);
  return p;
}

function mustURL(s: string): ParsedURL {
  charge(1 + (s.length >> 6));
  const u = parseURL(s);
  if (typeof u === 'string') throw new Error(u);
  return u;
}

// ---------------------------------------------------------------------------------------------
// Standard CEL operators, used for list and set functions (exact CEL equality and ordering)

const std = celEnv();

function stdGroup(name: string) {
  const g = std.funcs.find(name);
  if (!g) throw new Error(`internal: missing CEL operator ${name}`);
  return g;
}

const EQUALS = stdGroup('_==_');
const LESS = stdGroup('_<_');
const ADD = stdGroup('_+_');

function typeName(v: CelValue): string {
  try {
    return celType(v).toString();
  } catch {
    return typeof v;
  }
}

export function celEquals(a: CelValue, b: CelValue): boolean {
  return EQUALS.call(0, undefined, [a, b]) === true;
}

function celLess(a: CelValue, b: CelValue): boolean {
  const r = LESS.call(0, undefined, [a, b]);
  if (typeof r === 'boolean') return r;
  if (isCelError(r)) throw r;
  throw new Error(`no such overload: ${typeName(a)} < ${typeName(b)}`);
}

function isDuration(v: CelValue): boolean {
  return isReflectMessage(v) && v.desc.typeName === DurationSchema.typeName;
}

function listSum(list: CelList): CelValue {
  let acc: CelValue | undefined;
  for (const v of list) {
    charge();
    if (!(typeof v === 'bigint' || typeof v === 'number' || isCelUint(v) || isDuration(v))) {
      throw new Error(`no such overload: sum() on list containing ${typeName(v)}`);
    }
    if (acc === undefined) {
      acc = v;
      continue;
    }
    const r = ADD.call(0, undefined, [acc, v]);
    if (r === undefined) throw new Error(`no such overload: ${typeName(acc)} + ${typeName(v)}`);
    if (isCelError(r)) throw r;
    acc = r;
  }
  return acc ?? 0n;
}

function listExtreme(list: CelList, name: 'min' | 'max'): CelValue {
  let best: CelValue | undefined;
  for (const v of list) {
    charge();
    if (best === undefined) best = v;
    else if (name === 'min' ? celLess(v, best) : celLess(best, v)) best = v;
  }
  if (best === undefined) throw new Error(`${name} called on empty list`);
  return best;
}

function listIsSorted(list: CelList): boolean {
  let prev: CelValue | undefined;
  for (const v of list) {
    charge();
    if (prev !== undefined && celLess(v, prev)) return false;
    prev = v;
  }
  return true;
}

function listIndexOf(list: CelList, x: CelValue, last: boolean): bigint {
  const n = list.size;
  for (let k = 0; k < n; k++) {
    const i = last ? n - 1 - k : k;
    charge();
    const v = list.get(i);
    if (v !== undefined && celEquals(v, x)) return BigInt(i);
  }
  return -1n;
}

function listContainsAll(list: CelList, sub: CelList): boolean {
  for (const x of sub) {
    let found = false;
    for (const y of list) {
      charge();
      if (celEquals(x, y)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

function listsIntersect(a: CelList, b: CelList): boolean {
  for (const x of a) {
    for (const y of b) {
      charge();
      if (celEquals(x, y)) return true;
    }
  }
  return false;
}

function regexCharge(text: string, pattern: string): void {
  charge(1 + ((text.length * Math.max(1, pattern.length >> 4)) >> 6));
}

// ---------------------------------------------------------------------------------------------
// Strings extension fixes: cel-go indexes strings by code point, splits/replaces like Go's
// strings.SplitN/Replace (n < 0: all; n == 0: none; split keeps the remainder in the last part).

function runes(s: string): string[] {
  charge(1 + (s.length >> 6));
  return Array.from(s);
}

function outOfRange(i: bigint, n: number): Error {
  return new Error(`index out of range: ${i} (string has ${n} characters)`);
}

function runeIndexOf(r: string[], sub: string[], from: number): number {
  outer: for (let i = from; i + sub.length <= r.length; i++) {
    for (let j = 0; j < sub.length; j++) if (r[i + j] !== sub[j]) continue outer;
    return i;
  }
  return -1;
}

function runeLastIndexOf(r: string[], sub: string[], from: number): number {
  outer: for (let i = Math.min(from, r.length - sub.length); i >= 0; i--) {
    for (let j = 0; j < sub.length; j++) if (r[i + j] !== sub[j]) continue outer;
    return i;
  }
  return -1;
}

function splitN(s: string, sep: string, n: number): string[] {
  charge(1 + (s.length >> 6));
  if (n === 0) return [];
  if (sep === '') {
    const r = Array.from(s);
    if (n < 0 || n >= r.length) return r;
    return [...r.slice(0, n - 1), r.slice(n - 1).join('')];
  }
  const parts = s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

function replaceN(s: string, old: string, rep: string, n: number): string {
  charge(1 + (s.length >> 6));
  if (n === 0 || old === rep) return s;
  if (old === '') {
    // Go inserts the replacement before every rune and at the end.
    const r = Array.from(s);
    let out = '';
    let done = 0;
    for (let i = 0; i <= r.length; i++) {
      if (n < 0 || done < n) {
        out += rep;
        done++;
      }
      if (i < r.length) out += r[i];
    }
    return out;
  }
  const parts = s.split(old);
  if (n < 0 || parts.length - 1 <= n) return parts.join(rep);
  return parts.slice(0, n + 1).join(rep) + old + parts.slice(n + 1).join(old);
}

function clampCount(n: bigint): number {
  if (n < 0n) return -1;
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

const stringFixes: CelFunc[] = [
  celMethod('charAt', STRING, [INT], STRING, function (i) {
    const r = runes(this);
    if (i < 0n || i > BigInt(r.length)) throw outOfRange(i, r.length);
    return r[Number(i)] ?? '';
  }),
  celMethod('indexOf', STRING, [STRING], INT, function (sub) {
    return BigInt(runeIndexOf(runes(this), runes(sub), 0));
  }),
  celMethod('indexOf', STRING, [STRING, INT], INT, function (sub, from) {
    const r = runes(this);
    if (from < 0n || from > BigInt(r.length)) throw outOfRange(from, r.length);
    return BigInt(runeIndexOf(r, runes(sub), Number(from)));
  }),
  celMethod('lastIndexOf', STRING, [STRING], INT, function (sub) {
    const r = runes(this);
    return BigInt(runeLastIndexOf(r, runes(sub), r.length));
  }),
  celMethod('lastIndexOf', STRING, [STRING, INT], INT, function (sub, from) {
    const r = runes(this);
    if (from < 0n || from >= BigInt(Math.max(r.length, 1))) throw outOfRange(from, r.length);
    return BigInt(runeLastIndexOf(r, runes(sub), Number(from)));
  }),
  celMethod('substring', STRING, [INT], STRING, function (start) {
    const r = runes(this);
    if (start < 0n || start > BigInt(r.length)) throw outOfRange(start, r.length);
    return r.slice(Number(start)).join('');
  }),
  celMethod('substring', STRING, [INT, INT], STRING, function (start, end) {
    const r = runes(this);
    if (start < 0n || start > BigInt(r.length)) throw outOfRange(start, r.length);
    if (end < 0n || end > BigInt(r.length)) throw outOfRange(end, r.length);
    if (start > end) throw new Error(`invalid substring range. start: ${start}, end: ${end}`);
    return r.slice(Number(start), Number(end)).join('');
  }),
  celMethod('split', STRING, [STRING], LIST_STRING, function (sep) {
    return splitN(this, sep, -1);
  }),
  celMethod('split', STRING, [STRING, INT], LIST_STRING, function (sep, n) {
    return splitN(this, sep, clampCount(n));
  }),
  celMethod('replace', STRING, [STRING, STRING], STRING, function (old, rep) {
    return replaceN(this, old, rep, -1);
  }),
  celMethod('replace', STRING, [STRING, STRING, INT], STRING, function (old, rep, n) {
    return replaceN(this, old, rep, clampCount(n));
  }),
];

// ---------------------------------------------------------------------------------------------
// Conversions from strings with Go's strconv rules (JS BigInt()/Number() accept '', ' 1', '0x10').

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function parseIntStrict(s: string): bigint {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new Error(`cannot convert ${JSON.stringify(s)} to int`);
  const v = BigInt(s);
  if (v < INT64_MIN || v > INT64_MAX) throw new Error(`int conversion of ${JSON.stringify(s)} out of range`);
  return v;
}

function parseUintStrict(s: string): CelUint {
  if (!/^[0-9]+$/.test(s)) throw new Error(`cannot convert ${JSON.stringify(s)} to uint`);
  const v = BigInt(s);
  if (v > UINT64_MAX) throw new Error(`uint conversion of ${JSON.stringify(s)} out of range`);
  return celUint(v);
}

function parseDoubleStrict(s: string): number {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(s)) throw new Error(`cannot convert ${JSON.stringify(s)} to double`);
  return Number(s);
}

const conversionFixes: CelFunc[] = [
  celFunc('int', [STRING], INT, parseIntStrict),
  celFunc('uint', [STRING], UINT, parseUintStrict),
  celFunc('double', [STRING], DOUBLE, parseDoubleStrict),
];

// ---------------------------------------------------------------------------------------------
// Function table

export const k8sFunctions: CelFunc[] = [
  ...stringFixes,
  ...conversionFixes,
  // list + list without nesting one view per element (map/filter accumulators)
  celFunc('_+_', [LIST, LIST], LIST, (a, b) => concatLists(a, b)),

  // --- regex (cached RE2; `matches` overrides the std one, which recompiles on every call)
  celMethod('matches', STRING, [STRING], BOOL, function (pattern) {
    regexCharge(this, pattern);
    return compileRegex(pattern).test(this);
  }),
  celFunc('matches', [STRING, STRING], BOOL, (text, pattern) => {
    regexCharge(text, pattern);
    return compileRegex(pattern).test(text);
  }),
  celMethod('find', STRING, [STRING], STRING, function (pattern) {
    regexCharge(this, pattern);
    return regexFind(pattern, this);
  }),
  celMethod('findAll', STRING, [STRING], LIST_STRING, function (pattern) {
    regexCharge(this, pattern);
    return regexFindAll(pattern, this, -1, () => charge());
  }),
  celMethod('findAll', STRING, [STRING, INT], LIST_STRING, function (pattern, limit) {
    regexCharge(this, pattern);
    const n = limit > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : limit < -1n ? -1 : Number(limit);
    return regexFindAll(pattern, this, n, () => charge());
  }),

  // --- URLs
  celFunc('url', [STRING], URL, (s) => {
    mustURL(s);
    return create(URL_DESC, { value: s });
  }),
  celFunc('isURL', [STRING], BOOL, (s) => {
    charge(1 + (s.length >> 6));
    return isURL(s);
  }),
  celMethod('getScheme', URL, [], STRING, function () {
    return mustURL(textOf(this)).scheme;
  }),
  celMethod('getHost', URL, [], STRING, function () {
    return mustURL(textOf(this)).host;
  }),
  celMethod('getHostname', URL, [], STRING, function () {
    return urlHostname(mustURL(textOf(this)));
  }),
  celMethod('getPort', URL, [], STRING, function () {
    return urlPort(mustURL(textOf(this)));
  }),
  celMethod('getEscapedPath', URL, [], STRING, function () {
    return urlEscapedPath(mustURL(textOf(this)));
  }),
  celMethod('getQuery', URL, [], MAP_STRING_LIST, function () {
    return urlQuery(mustURL(textOf(this)));
  }),

  // --- lists
  celMethod('isSorted', LIST, [], BOOL, function () {
    return listIsSorted(this);
  }),
  celMethod('sum', LIST, [], DYN, function () {
    return listSum(this);
  }),
  celMethod('min', LIST, [], DYN, function () {
    return listExtreme(this, 'min');
  }),
  celMethod('max', LIST, [], DYN, function () {
    return listExtreme(this, 'max');
  }),
  celMethod('indexOf', LIST, [DYN], INT, function (x) {
    return listIndexOf(this, x, false);
  }),
  celMethod('lastIndexOf', LIST, [DYN], INT, function (x) {
    return listIndexOf(this, x, true);
  }),

  // --- sets (cel-go ext.Sets)
  celFunc('sets.contains', [LIST, LIST], BOOL, (list, sub) => listContainsAll(list, sub)),
  celFunc('sets.equivalent', [LIST, LIST], BOOL, (a, b) => listContainsAll(a, b) && listContainsAll(b, a)),
  celFunc('sets.intersects', [LIST, LIST], BOOL, (a, b) => listsIntersect(a, b)),

  // --- IP addresses
  celFunc('ip', [STRING], IP, (s) => ipValue(mustIP(s))),
  celFunc('isIP', [STRING], BOOL, (s) => typeof parseIP(s) !== 'string'),
  celFunc('ip.isCanonical', [STRING], BOOL, (s) => formatIP(mustIP(s)) === s),
  celMethod('family', IP, [], INT, function () {
    return BigInt(mustIP(textOf(this)).family);
  }),
  celMethod('isUnspecified', IP, [], BOOL, function () {
    return isUnspecified(mustIP(textOf(this)));
  }),
  celMethod('isLoopback', IP, [], BOOL, function () {
    return isLoopback(mustIP(textOf(this)));
  }),
  celMethod('isLinkLocalMulticast', IP, [], BOOL, function () {
    return isLinkLocalMulticast(mustIP(textOf(this)));
  }),
  celMethod('isLinkLocalUnicast', IP, [], BOOL, function () {
    return isLinkLocalUnicast(mustIP(textOf(this)));
  }),
  celMethod('isGlobalUnicast', IP, [], BOOL, function () {
    return isGlobalUnicast(mustIP(textOf(this)));
  }),
  celFunc('string', [IP], STRING, (v) => textOf(v)),

  // --- CIDR
  celFunc('cidr', [STRING], CIDR, (s) => cidrValue(mustCIDR(s))),
  celFunc('isCIDR', [STRING], BOOL, (s) => typeof parseCIDR(s) !== 'string'),
  celMethod('containsIP', CIDR, [STRING], BOOL, function (s) {
    return cidrContainsIP(mustCIDR(textOf(this)), mustIP(s));
  }),
  celMethod('containsIP', CIDR, [IP], BOOL, function (ip) {
    return cidrContainsIP(mustCIDR(textOf(this)), mustIP(textOf(ip)));
  }),
  celMethod('containsCIDR', CIDR, [STRING], BOOL, function (s) {
    return cidrContainsCIDR(mustCIDR(textOf(this)), mustCIDR(s));
  }),
  celMethod('containsCIDR', CIDR, [CIDR], BOOL, function (other) {
    return cidrContainsCIDR(mustCIDR(textOf(this)), mustCIDR(textOf(other)));
  }),
  celMethod('ip', CIDR, [], IP, function () {
    return ipValue(mustCIDR(textOf(this)).addr);
  }),
  celMethod('masked', CIDR, [], CIDR, function () {
    return cidrValue(maskedCIDR(mustCIDR(textOf(this))));
  }),
  celMethod('prefixLength', CIDR, [], INT, function () {
    return BigInt(mustCIDR(textOf(this)).bits);
  }),
  celFunc('string', [CIDR], STRING, (v) => textOf(v)),
];
