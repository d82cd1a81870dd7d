import * as yaml from 'yaml';
import type { Document, Node, Pair, Scalar, YAMLMap } from 'yaml';
import { aliasTarget, plainValue, segRange, type ParsedSegment } from '../documents';
import type { Fix, MeshDiagnostic, PathSeg } from '../model';
import type { Rng } from '../text';
import { suggest } from '../text';
import { evaluateRule, ruleSelfReads, type CelOutcome, type SelfReads } from './cel';
import { celObjectView } from './cel-values';
import { directPlainValue } from './yaml-json';
import { parseIP } from './cel-net';
import { regexTest } from './cel-regex';
import type { CelRule, SchemaNode } from './types';

/**
 * Validates one parsed document against a structural schema, walking the YAML tree so that every problem has
 * the range of the offending key or value. Messages are written for people: a oneOf is explained by naming
 * the fields, an enum lists its values, an unknown key suggests the nearest known one.
 */
export interface ValidateOptions {
  /** Evaluate CEL rules (x-kubernetes-validations). Default true. */
  cel?: boolean;
  /** Stop after this many problems (one more diagnostic then says the rest are not shown). Default: no limit. */
  maxDiagnostics?: number;
}

type YNode = Node | null | undefined;

/*
 * The yaml library is CommonJS: in the esbuild bundle each named import becomes a property read through a getter
 * at every call (a sixth of the time of this walk, warm). Read once.
 */
const { isAlias, isMap, isPair, isScalar, isSeq } = yaml;
const ScalarNode = yaml.Scalar;

/**
 * The path of a node below the document root, as a linked list: walking a child adds one small object instead of
 * copying the parent's array; the array is only built for a message (pathOf).
 */
interface PathLink {
  readonly up: PathLink | undefined;
  readonly seg: PathSeg;
}

function pathOf(link: PathLink | undefined): PathSeg[] {
  const out: PathSeg[] = [];
  for (let l = link; l; l = l.up) out.push(l.seg);
  return out.reverse();
}

const MAX_DEPTH = 200;
/**
 * How many values reached through aliases (`*name`) and merge keys (`<<`) a document may expand to. Aliases of
 * aliases expand exponentially (a 3 KB file can stand for millions of values): beyond this, the rest of the
 * expansion is not checked, and one diagnostic says so.
 */
export const MAX_ALIAS_EXPANSION = 20000;
/** How deep merge keys are followed (a merge source that itself merges, and so on). */
const MAX_MERGE_DEPTH = 64;
/**
 * Wall-clock time the CEL rules of one document may take in all. Each evaluation is bounded (cel.ts: 100 ms), but
 * a rule on list items runs once per item: a costly rule from a workspace CRD would otherwise cost N x 100 ms.
 */
export const MAX_CEL_MS_PER_DOCUMENT = 300;
const CEL_TIME_LIMIT_MS = 100;

interface Expansion {
  /** > 0 while walking the target of an alias or a merged pair. */
  aliasDepth: number;
  /** Values visited while aliasDepth > 0. */
  expanded: number;
  exhausted: boolean;
  /** CEL time used by this document so far (ms), and whether the rest was skipped. */
  celMs: number;
  celExhausted: boolean;
  /** Problems found beyond maxDiagnostics (not reported; validation stops). */
  dropped: number;
}

interface Ctx {
  seg: ParsedSegment;
  out: MeshDiagnostic[];
  max: number;
  cel: boolean;
  depth: number;
  /**
   * Blocking problems reported so far (see BLOCKING_RULES). Not shared by the copies of a context: a failed
   * branch of a oneOf blocks nothing by itself.
   */
  blocking: number;
  /** Shared by the copies of a context (branch checks copy it). */
  expansion: Expansion;
}

export function validateDocument(seg: ParsedSegment, root: SchemaNode, opts: ValidateOptions = {}): MeshDiagnostic[] {
  const max = opts.maxDiagnostics ?? Infinity;
  const ctx: Ctx = { seg, out: [], max, cel: opts.cel !== false, depth: 0, blocking: 0, expansion: { aliasDepth: 0, expanded: 0, exhausted: false, celMs: 0, celExhausted: false, dropped: 0 } };
  const contents = seg.doc.contents as YNode;
  if (!contents) return ctx.out;
  validateNode(ctx, contents, root, undefined, undefined);
  if (ctx.expansion.dropped) {
    ctx.out.push({
      range: segRange(seg, 0, 0),
      severity: 'info',
      rule: 'limits/reduced-analysis',
      message: `Reduced analysis: this document has more than ${max} problems; only the first ${max} are shown.`,
    });
  }
  return ctx.out;
}

function resolveAlias(doc: Document.Parsed, node: YNode): YNode {
  let n = node;
  for (let i = 0; i < 10 && n && isAlias(n); i++) n = aliasTarget(doc, n);
  return n && isAlias(n) ? undefined : n;
}

function rangeOf(ctx: Ctx, node: YNode): Rng {
  if (node?.range) return segRange(ctx.seg, node.range[0], node.range[1]);
  return segRange(ctx.seg, 0, 0);
}

/** The range to report an object-level problem on: its key if it has one, else the first line of the node. */
function anchorRange(ctx: Ctx, node: YNode, key: Scalar | undefined): Rng {
  if (key?.range) return rangeOf(ctx, key);
  if (node?.range) {
    const start = node.range[0];
    const text = ctx.seg.text;
    let end = text.indexOf('\n', start);
    if (end < 0 || end > node.range[1]) end = node.range[1];
    // For a map inside a sequence item, point at its first key rather than the whole line.
    if (isMap(node) && node.items.length && isScalar(node.items[0].key) && node.items[0].key.range) {
      return rangeOf(ctx, node.items[0].key as Scalar);
    }
    return segRange(ctx.seg, start, Math.max(start, end));
  }
  return segRange(ctx.seg, 0, 0);
}

/**
 * Problems after which the API server does not evaluate the CEL rules (x-kubernetes-validations): a wrong type, a
 * value outside an enum, a missing required field, a string too long, too many items or entries. It still
 * evaluates them after other failures (pattern, format, minimum, minLength, minItems, uniqueness, a CEL rule of a
 * child, an unknown field, which it prunes). Those give `blocking: false` to report().
 */
const BLOCKING_RULES = new Set(['schema/type', 'schema/enum', 'schema/required']);

function report(
  ctx: Ctx,
  range: Rng,
  rule: string,
  message: string,
  fixes?: Fix[],
  severity: MeshDiagnostic['severity'] = 'error',
  blocking = BLOCKING_RULES.has(rule),
): void {
  if (blocking) ctx.blocking++;
  if (ctx.out.length >= ctx.max) {
    ctx.expansion.dropped++;
    return;
  }
  const d: MeshDiagnostic = { range, severity, rule, message };
  if (fixes?.length) d.fixes = fixes;
  ctx.out.push(d);
}

function isNullNode(node: YNode): boolean {
  return !node || (isScalar(node) && node.value === null);
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string "${v.length > 40 ? v.slice(0, 40) + '…' : v}"`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  return String(typeof v);
}

/** The schema's type in words, as messages and hover say it ("a list", "an integer or a string"). */
export function typeName(s: SchemaNode, brief = false): string {
  if (s['x-kubernetes-int-or-string']) return 'an integer or a string';
  switch (s.type) {
    case 'object':
      return s.properties ? (brief ? 'an object' : 'an object (a mapping of keys)') : 'a map';
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    default:
      return brief ? 'any value' : 'a value';
  }
}

function nodeKind(node: Node): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return describeValue(node.value);
  return 'a value';
}

/** Checks the node's type; returns false (after reporting) when it is wrong, so children are not walked. */
function checkType(ctx: Ctx, node: Node, s: SchemaNode): boolean {
  const want = s.type;
  if (s['x-kubernetes-int-or-string']) {
    if (isScalar(node) && (typeof node.value === 'string' || (typeof node.value === 'number' && Number.isInteger(node.value)))) return true;
    report(ctx, rangeOf(ctx, node), 'schema/type', `Expected an integer or a string, found ${nodeKind(node)}.`);
    return false;
  }
  if (!want) return true;
  let ok: boolean;
  switch (want) {
    case 'object':
      ok = isMap(node);
      break;
    case 'array':
      ok = isSeq(node);
      break;
    case 'string':
      ok = isScalar(node) && typeof node.value === 'string';
      break;
    case 'integer':
      ok = isScalar(node) && typeof node.value === 'number' && Number.isInteger(node.value);
      break;
    case 'number':
      ok = isScalar(node) && typeof node.value === 'number';
      break;
    case 'boolean':
      ok = isScalar(node) && typeof node.value === 'boolean';
      break;
    default:
      ok = true;
  }
  if (ok) return true;
  const fixes: Fix[] = [];
  let hint = '';
  if (want === 'string' && isScalar(node) && node.value !== null && typeof node.value !== 'object' && node.range) {
    const src = ctx.seg.text.slice(node.range[0], node.range[1]);
    hint = ` Quote it to make it a string: "${src}".`;
    fixes.push({ title: `Quote ${src}`, edits: [{ range: rangeOf(ctx, node), newText: JSON.stringify(src) }], preferred: true });
  } else if ((want === 'integer' || want === 'number') && isScalar(node) && typeof node.value === 'string' && /^-?\d+(\.\d+)?$/.test(node.value)) {
    hint = ' Remove the quotes to make it a number.';
    fixes.push({ title: `Use the number ${node.value}`, edits: [{ range: rangeOf(ctx, node), newText: node.value }], preferred: true });
  } else if (want === 'boolean' && isScalar(node) && typeof node.value === 'string' && /^(true|false)$/i.test(node.value)) {
    hint = ' Write true or false without quotes.';
    fixes.push({ title: `Use ${node.value.toLowerCase()}`, edits: [{ range: rangeOf(ctx, node), newText: node.value.toLowerCase() }], preferred: true });
  }
  report(ctx, rangeOf(ctx, node), 'schema/type', `Expected ${typeName(s)}, found ${nodeKind(node)}.${hint}`, fixes);
  return false;
}

const DURATION_RE = /^-?(\d+(\.\d*)?(ns|us|µs|μs|ms|s|m|h))+$|^0$/;
/**
 * Schema patterns are checked with RE2 (linear time, Go's semantics, as the API server does): patterns can come
 * from a user's own CRD files, and a backtracking engine could hang on them.
 */
function patternFails(pattern: string, value: string): boolean {
  try {
    return !regexTest(pattern, value);
  } catch {
    return false; // a pattern RE2 cannot compile is not the user's document's fault
  }
}

function checkScalar(ctx: Ctx, node: Scalar, s: SchemaNode): void {
  const v = node.value;
  // The range (two line lookups, three objects) is only computed for a problem: most scalars have none.
  if (s.enum && !s.enum.some((e) => e === v)) {
    const range = rangeOf(ctx, node);
    const allowed = s.enum.map((e) => String(e));
    const best = typeof v === 'string' ? suggest(v, allowed, 1) : [];
    const fixes: Fix[] = best.map((b) => ({ title: `Change to ${b}`, edits: [{ range, newText: b }], preferred: true }));
    const dym = best.length ? ` Did you mean "${best[0]}"?` : '';
    report(ctx, range, 'schema/enum', `"${String(v)}" is not an allowed value. Allowed: ${allowed.join(', ')}.${dym}`, fixes);
    return;
  }
  if (typeof v === 'string') {
    if (s.minLength !== undefined || s.maxLength !== undefined) {
      // in code points, as the API server counts: without surrogates, that is the string's length
      const len = SURROGATE_RE.test(v) ? [...v].length : v.length;
      if (s.minLength !== undefined && len < s.minLength) {
        report(ctx, rangeOf(ctx, node), 'schema/range', s.minLength === 1 ? 'Must not be empty.' : `Must be at least ${s.minLength} characters long (is ${len}).`);
      }
      if (s.maxLength !== undefined && len > s.maxLength) report(ctx, rangeOf(ctx, node), 'schema/range', `Must be at most ${s.maxLength} characters long (is ${len}).`, undefined, 'error', true);
    }
    if (s.pattern) {
      if (patternFails(s.pattern, v)) report(ctx, rangeOf(ctx, node), 'schema/pattern', `"${v.length > 60 ? v.slice(0, 60) + '…' : v}" does not match the required pattern ${s.pattern}`);
    }
    if (s.format) checkFormat(ctx, node, v, s.format);
  } else if (typeof v === 'number') {
    if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) {
      report(ctx, rangeOf(ctx, node), 'schema/range', `Must be ${s.exclusiveMinimum ? 'greater than' : 'at least'} ${s.minimum} (is ${v}).`);
    }
    if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) {
      report(ctx, rangeOf(ctx, node), 'schema/range', `Must be ${s.exclusiveMaximum ? 'less than' : 'at most'} ${s.maximum} (is ${v}).`);
    }
    if (s.format === 'int32' && (v > 2147483647 || v < -2147483648)) report(ctx, rangeOf(ctx, node), 'schema/range', `Must fit in a 32-bit integer (is ${v}).`);
  }
}

const SURROGATE_RE = /[\uD800-\uDFFF]/;

function checkFormat(ctx: Ctx, node: Scalar, v: string, format: string): void {
  let ok = true;
  switch (format) {
    case 'duration':
      ok = DURATION_RE.test(v);
      break;
    case 'date-time':
      ok = !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}T/.test(v);
      break;
    case 'byte':
      ok = /^[A-Za-z0-9+/]*={0,2}$/.test(v.replace(/\s/g, ''));
      break;
    case 'ipv4':
      ok = !v.includes(':') && typeof parseIP(v) !== 'string';
      break;
    case 'ipv6': {
      // Go's net.ParseIP, which the API server's format check uses, reads IPv4-mapped addresses too
      const ip = v.includes(':') ? parseIP(v) : 'not IPv6';
      ok = typeof ip !== 'string' || ip.startsWith('IPv4-mapped');
      break;
    }
    default:
      return;
  }
  if (!ok) report(ctx, rangeOf(ctx, node), 'schema/format', `"${v.length > 60 ? v.slice(0, 60) + '…' : v}" is not ${FORM_WORDS[format] ?? `a valid ${format}`}.`);
}

/**
 * The pairs of a mapping with YAML merge keys (`<<: *anchor`) expanded, as kubectl reads them: explicit keys win
 * over merged ones. Without a document, merge keys are left out.
 */
function isMergeKey(k: unknown): boolean {
  if (!isScalar(k)) return false;
  const v = k.value;
  return v === '<<' || (typeof v === 'symbol' && v.description === '<<');
}

function hasMergeKey(items: Pair[]): boolean {
  for (let i = 0; i < items.length; i++) if (isMergeKey(items[i].key)) return true;
  return false;
}

/** The pairs of a mapping with merge keys expanded (see mergedPairs). The result may be the mapping's own array: do not modify it. */
export function effectivePairs(map: YAMLMap, doc?: Document.Parsed): Pair[] {
  const items = map.items as Pair[];
  return hasMergeKey(items) ? mergedPairs(map, doc, new Set(), 0) : items;
}

/**
 * `seen`: the merge sources already expanded for this mapping. Expanding one again adds no name (its names were
 * added where it was first expanded, and the first occurrence wins), so each source is expanded once: a chain
 * of anchors that each merge the previous one twice stays linear instead of doubling at every level.
 */
function mergedPairs(map: YAMLMap, doc: Document.Parsed | undefined, seen: Set<YAMLMap>, depth: number): Pair[] {
  const items = map.items as Pair[];
  if (!hasMergeKey(items)) return items; // the common case: the pairs as they are (callers only read them)
  const own = items.filter((p) => !isMergeKey(p.key));
  if (!doc || own.length === map.items.length) return own;
  seen.add(map);
  const names = new Set(own.map((p) => (isScalar(p.key) ? String(p.key.value) : '')));
  const merged: Pair[] = [];
  for (const p of map.items as Pair[]) {
    if (!isMergeKey(p.key)) continue;
    const v = resolveAlias(doc, p.value as YNode);
    const sources = isSeq(v) ? v.items.map((i) => resolveAlias(doc, i as YNode)) : [v];
    for (const src of sources) {
      if (!isMap(src) || seen.has(src) || depth >= MAX_MERGE_DEPTH) continue;
      seen.add(src);
      for (const mp of mergedPairs(src, doc, seen, depth + 1)) {
        const name = isScalar(mp.key) ? String(mp.key.value) : '';
        if (names.has(name)) continue;
        names.add(name);
        merged.push(mp);
      }
    }
  }
  return [...own, ...merged];
}

function presentKeys(map: YAMLMap, doc?: Document.Parsed): Set<string> {
  const keys = new Set<string>();
  for (const p of effectivePairs(map, doc)) {
    if (isScalar(p.key) && p.key.value !== null && !isNullNode(p.value as YNode)) keys.add(String(p.key.value));
  }
  return keys;
}

/**
 * Does the value satisfy a branch of oneOf/anyOf/not? Only the value-level facts structural schemas allow.
 * `owner`: the schema the composition belongs to, whose defaults fill the fields the value leaves out (the API
 * server defaults before it validates: `{value: 10.0.0.1}` is read as `{type: IPAddress, value: 10.0.0.1}`).
 */
function branchMatches(ctx: Ctx, node: Node, s: SchemaNode, owner?: SchemaNode): boolean {
  if (s.required && isMap(node)) {
    const keys = presentKeys(node, ctx.seg.doc);
    if (!s.required.every((r) => keys.has(r))) return false;
  } else if (s.required && !isMap(node)) return false;
  if (s.anyOf && !s.anyOf.some((b) => branchMatches(ctx, node, b, owner))) return false;
  if (s.allOf && !s.allOf.every((b) => branchMatches(ctx, node, b, owner))) return false;
  if (s.oneOf && s.oneOf.filter((b) => branchMatches(ctx, node, b, owner)).length !== 1) return false;
  if (s.not && branchMatches(ctx, node, s.not, owner)) return false;
  if (s.properties && isMap(node)) {
    const seen = new Set<string>();
    for (const p of effectivePairs(node, ctx.seg.doc)) {
      if (!isScalar(p.key)) continue;
      const name = String(p.key.value);
      const val = resolveAlias(ctx.seg.doc, p.value as YNode);
      if (isNullNode(val)) continue;
      seen.add(name);
      const child = s.properties[name];
      if (child && val && !branchMatches(ctx, val, child, owner?.properties?.[name])) return false;
    }
    for (const [name, child] of Object.entries(s.properties)) {
      const d = seen.has(name) ? undefined : defaultScalar(owner, name);
      if (d && !branchMatches(ctx, d, child)) return false;
    }
  }
  if (s.enum && isScalar(node) && !s.enum.includes(node.value)) return false;
  if (s.type) {
    const sub: Ctx = { ...ctx, out: [], max: Infinity };
    if (!checkType(sub, node, s)) return false;
  }
  if (isScalar(node) && (s.pattern || s.format || s.minLength !== undefined || s.maxLength !== undefined || s.minimum !== undefined || s.maximum !== undefined)) {
    const sub: Ctx = { ...ctx, out: [], max: Infinity };
    checkScalar(sub, node, s);
    if (sub.out.length) return false;
  }
  return true;
}

/** The default of a scalar field of `owner`, as a node, when it has one. */
function defaultScalar(owner: SchemaNode | undefined, name: string): Scalar | undefined {
  const d = owner?.properties?.[name]?.default;
  return d !== undefined && d !== null && typeof d !== 'object' ? new ScalarNode(d) : undefined;
}

const FORM_WORDS: Record<string, string> = {
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  duration: 'a duration such as 500ms, 5s or 1m30s',
  'date-time': 'an RFC 3339 date and time',
  byte: 'base64-encoded data',
};

/** What a value must be, in words, from the facts of a branch schema; undefined when we cannot say it simply. */
function describeForm(s: SchemaNode): string | undefined {
  const keys = Object.keys(s);
  if (s.anyOf && keys.length === 1) {
    const formats = s.anyOf.map((b) => (Object.keys(b).length === 1 ? b.format : undefined));
    if (formats.length === 2 && formats.includes('ipv4') && formats.includes('ipv6')) return 'an IPv4 or IPv6 address';
    const parts = s.anyOf.map(describeForm);
    return parts.every((x): x is string => !!x) ? parts.join(' or ') : undefined;
  }
  const parts: string[] = [];
  for (const k of keys) {
    switch (k) {
      case 'format':
        if (!FORM_WORDS[s.format!]) return undefined;
        parts.push(FORM_WORDS[s.format!]);
        break;
      case 'enum':
        parts.push(s.enum!.length === 1 ? String(s.enum![0]) : `one of ${s.enum!.map(String).join(', ')}`);
        break;
      case 'not':
        if (Object.keys(s.not!).length !== 1 || !s.not!.enum) return undefined;
        parts.push(`anything but ${s.not!.enum.map(String).join(', ')}`);
        break;
      case 'pattern':
        parts.push(`a string matching ${s.pattern}`);
        break;
      case 'type':
        parts.push(typeName(s));
        break;
      case 'minLength':
        parts.push(`at least ${s.minLength} characters long`);
        break;
      case 'maxLength':
        parts.push(`at most ${s.maxLength} characters long`);
        break;
      default:
        return undefined;
    }
  }
  return parts.length ? parts.join(' and ') : undefined;
}

/** Is a branch's constraint a format (or a choice of formats)? */
function isFormatForm(s: SchemaNode): boolean {
  return !!s.format || (!!s.anyOf && s.anyOf.every((b) => !!b.format));
}

/**
 * Explains a failed oneOf whose branches are told apart by one field (a discriminator such as `type`, constrained
 * by `enum` or `not: {enum}` in every branch): names the field of the chosen branch that the value breaks, and
 * points at it. `{type: IPAddress, value: not-an-ip}` gives `"value" must be an IPv4 or IPv6 address when "type"
 * is IPAddress`.
 */
function explainByDiscriminator(ctx: Ctx, node: Node, branches: SchemaNode[], owner: SchemaNode): { range: Rng; rule: string; message: string } | undefined {
  if (!isMap(node) || !branches.every((b) => b.properties)) return undefined;
  const pairs = effectivePairs(node, ctx.seg.doc);
  const valueOf = (name: string): Node | undefined => {
    const p = pairs.find((x) => isScalar(x.key) && String(x.key.value) === name);
    const v = p ? resolveAlias(ctx.seg.doc, p.value as YNode) : undefined;
    return v && !isNullNode(v) ? v : undefined;
  };
  const names = Object.keys(branches[0].properties!).filter((n) =>
    branches.every((b) => {
      const c = b.properties![n];
      return !!c && (!!c.enum || !!c.not?.enum);
    }),
  );
  for (const d of names) {
    const disc = valueOf(d) ?? defaultScalar(owner, d);
    if (!isScalar(disc)) continue;
    const accepting = branches.filter((b) => branchMatches(ctx, disc, b.properties![d]));
    if (accepting.length !== 1) continue;
    for (const [name, c] of Object.entries(accepting[0].properties!)) {
      if (name === d) continue;
      const val = valueOf(name);
      if (!val || branchMatches(ctx, val, c, owner.properties?.[name])) continue;
      const form = describeForm(c);
      if (!form) continue;
      const found = isScalar(val) && typeof val.value === 'string' ? `; "${val.value.length > 60 ? val.value.slice(0, 60) + '…' : val.value}" is not` : '';
      return { range: rangeOf(ctx, val), rule: isFormatForm(c) ? 'schema/format' : 'schema/one-of', message: `"${name}" must be ${form} when "${d}" is ${String(disc.value)}${found}.` };
    }
  }
  return undefined;
}

/** Field names a branch of a oneOf/anyOf is about, when the branch is a plain `required` list. */
function requiredOnly(s: SchemaNode): string[] | undefined {
  const keys = Object.keys(s);
  if (keys.length === 1 && s.required) return s.required;
  return undefined;
}

/** Recognises `not: {anyOf: [{required:[a]}, {required:[b]}]}` ("none of a, b"). */
function noneOf(s: SchemaNode): string[] | undefined {
  if (Object.keys(s).length !== 1 || !s.not) return undefined;
  const inner = s.not;
  if (inner.anyOf && Object.keys(inner).length === 1) {
    const names: string[] = [];
    for (const b of inner.anyOf) {
      const r = requiredOnly(b);
      if (!r) return undefined;
      names.push(...r);
    }
    return names;
  }
  const r = requiredOnly(inner);
  return r;
}

function list(names: string[], conj = 'or'): string {
  const q = names.map((n) => `"${n}"`);
  if (q.length <= 1) return q.join('');
  return `${q.slice(0, -1).join(', ')} ${conj} ${q[q.length - 1]}`;
}

/** Explains a failed oneOf in words. */
function explainOneOf(ctx: Ctx, node: Node, branches: SchemaNode[], matching: number): string {
  const keys = isMap(node) ? presentKeys(node, ctx.seg.doc) : new Set<string>();
  let allowNone = false;
  const groups: string[][] = [];
  for (const b of branches) {
    const none = noneOf(b);
    if (none) {
      allowNone = true;
      continue;
    }
    const r = requiredOnly(b);
    if (!r) return matching === 0 ? 'The value does not match any of the allowed forms.' : 'The value matches more than one of the allowed forms; use only one.';
    groups.push(r);
  }
  const flat = groups.map((g) => g.join(' + '));
  const present = groups.filter((g) => g.every((k) => keys.has(k))).map((g) => g.join(' + '));
  if (matching === 0 && !allowNone) return `Set exactly one of ${list(flat)}; none is set.`;
  if (present.length > 1) return `Set ${allowNone ? 'at most' : 'exactly'} one of ${list(flat)}, not several: found ${list(present, 'and')}.`;
  return `Set ${allowNone ? 'at most' : 'exactly'} one of ${list(flat)}.`;
}

function explainAnyOf(branches: SchemaNode[]): string {
  const groups: string[] = [];
  for (const b of branches) {
    const r = requiredOnly(b);
    if (!r) return 'The value does not match any of the allowed forms.';
    groups.push(r.join(' + '));
  }
  return `Set at least one of ${list(groups)}.`;
}

/**
 * A oneOf/anyOf none of whose branches matches, when the branches are lists of required fields: the API server
 * reports the missing fields of the nearest branch as "required" errors, which block the CEL rules.
 */
function missingRequired(branches: SchemaNode[], matching: number): boolean {
  return matching === 0 && branches.some((b) => !!requiredOnly(b));
}

function validateComposition(ctx: Ctx, node: Node, s: SchemaNode, key: Scalar | undefined, owner: SchemaNode = s): void {
  if (s.oneOf) {
    const matching = s.oneOf.filter((b) => branchMatches(ctx, node, b, owner)).length;
    if (matching !== 1) {
      const why = matching === 0 ? explainByDiscriminator(ctx, node, s.oneOf, owner) : undefined;
      if (why) report(ctx, why.range, why.rule, why.message, undefined, 'error', false);
      else report(ctx, anchorRange(ctx, node, key), 'schema/one-of', explainOneOf(ctx, node, s.oneOf, matching), undefined, 'error', missingRequired(s.oneOf, matching));
    }
  }
  if (s.anyOf && !s.anyOf.some((b) => branchMatches(ctx, node, b, owner))) {
    const why = explainByDiscriminator(ctx, node, s.anyOf, owner);
    if (why) report(ctx, why.range, why.rule, why.message, undefined, 'error', false);
    else report(ctx, anchorRange(ctx, node, key), 'schema/one-of', explainAnyOf(s.anyOf), undefined, 'error', missingRequired(s.anyOf, 0));
  }
  if (s.allOf) {
    for (const b of s.allOf) {
      if (b.oneOf || b.anyOf || b.not) validateComposition(ctx, node, b, key, owner);
      else if (!branchMatches(ctx, node, b, owner)) {
        const r = requiredOnly(b);
        report(ctx, anchorRange(ctx, node, key), r ? 'schema/required' : 'schema/one-of', r ? `Missing required field${r.length > 1 ? 's' : ''} ${list(r, 'and')}.` : 'The value does not match the required form.');
      }
    }
  }
  if (s.not && branchMatches(ctx, node, s.not, owner)) {
    const none = noneOf({ not: s.not });
    report(ctx, anchorRange(ctx, node, key), 'schema/one-of', none ? `Do not set ${list(none)} here.` : 'The value has a form that is not allowed here.');
  }
}

/** Counts one more value walked through an alias or a merge key; true (after saying so once) when over budget. */
function expansionSpent(ctx: Ctx, at: Node): boolean {
  const exp = ctx.expansion;
  if (++exp.expanded <= MAX_ALIAS_EXPANSION) return false;
  if (!exp.exhausted) {
    exp.exhausted = true;
    report(
      ctx,
      rangeOf(ctx, at),
      'limits/reduced-analysis',
      `Reduced analysis: aliases and merge keys expand this document to more than ${MAX_ALIAS_EXPANSION} values; the rest of the expansion is not checked.`,
      undefined,
      'info',
      true, // what was not checked may be invalid: no CEL rule above it runs
    );
  }
  return true;
}

/** Validates a node and what is below it; true when none of it has a blocking problem (see BLOCKING_RULES). */
function validateNode(ctx: Ctx, raw: Node, s: SchemaNode, path: PathLink | undefined, key: Scalar | undefined): boolean {
  const node = resolveAlias(ctx.seg.doc, raw);
  if (!node) return true;
  if (ctx.depth > MAX_DEPTH || ctx.expansion.dropped) return true;
  const viaAlias = isAlias(raw);
  const exp = ctx.expansion;
  if ((viaAlias || exp.aliasDepth > 0) && expansionSpent(ctx, raw)) return true;
  if (isScalar(node) && node.value === null) {
    // The API server drops null values of non-nullable fields; nothing to check.
    return true;
  }
  const before = ctx.blocking;
  if (!checkType(ctx, node, s)) return false;
  ctx.depth++;
  if (viaAlias) exp.aliasDepth++;
  try {
    if (isScalar(node)) checkScalar(ctx, node, s);
    else if (isMap(node)) validateMap(ctx, node, s, path, key);
    else if (isSeq(node)) {
      const items = s.items;
      const n = node.items.length;
      if (s.minItems !== undefined && n < s.minItems) report(ctx, anchorRange(ctx, node, key), 'schema/range', `Needs at least ${s.minItems} item${s.minItems === 1 ? '' : 's'} (has ${n}).`);
      if (s.maxItems !== undefined && n > s.maxItems) report(ctx, anchorRange(ctx, node, key), 'schema/range', `Allows at most ${s.maxItems} items (has ${n}).`, undefined, 'error', true);
      if (items) {
        for (let i = 0; i < n; i++) {
          const item = node.items[i];
          if (item) validateNode(ctx, item as Node, items, { up: path, seg: i }, undefined);
        }
      }
      checkListType(ctx, node.items as Node[], s);
    }
    validateComposition(ctx, node, s, key);
    // As the API server: the rules of an object run unless it or something below it has a blocking problem.
    if (ctx.cel && s['x-kubernetes-validations'] && ctx.blocking === before) runCel(ctx, node, s, key);
  } finally {
    ctx.depth--;
    if (viaAlias) exp.aliasDepth--;
  }
  return ctx.blocking === before;
}

function checkListType(ctx: Ctx, items: Node[], s: SchemaNode): void {
  const lt = s['x-kubernetes-list-type'];
  if (lt !== 'set' && lt !== 'map') return;
  const seen = new Map<string, Node>();
  for (const raw of items) {
    const item = resolveAlias(ctx.seg.doc, raw);
    if (!item) continue;
    let sig: string;
    if (lt === 'set') {
      if (!isScalar(item)) continue;
      sig = JSON.stringify(item.value);
    } else {
      if (!isMap(item)) continue;
      const keys = s['x-kubernetes-list-map-keys'] ?? [];
      const vals = keys.map((k) => {
        const p = (item.items as Pair[]).find((x) => isScalar(x.key) && x.key.value === k);
        return p && isScalar(p.value) ? p.value.value : undefined;
      });
      sig = JSON.stringify(vals);
    }
    if (seen.has(sig)) {
      const what = lt === 'set' ? 'This value appears twice in the list' : `Another item has the same ${list(s['x-kubernetes-list-map-keys'] ?? [], 'and')}`;
      report(ctx, anchorRange(ctx, item, undefined), 'schema/unique', `${what}; items must be unique.`);
    } else seen.set(sig, item);
  }
}

function validateMap(ctx: Ctx, node: YAMLMap, s: SchemaNode, path: PathLink | undefined, key: Scalar | undefined): void {
  const props = s.properties ?? {};
  const addl = s.additionalProperties;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  let count = 0;
  const pairs = effectivePairs(node, ctx.seg.doc);

  // effectivePairs lists the mapping's own pairs first, then the merged ones: walking those is an expansion too.
  const ownCount = pairs === node.items ? pairs.length : (node.items as Pair[]).filter((p) => !isMergeKey(p.key)).length;
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i];
    if (!isPair(pair)) continue;
    const k = pair.key as YNode;
    if (!isScalar(k)) continue;
    const name = String(k.value);
    const value = pair.value as YNode;
    if (!isNullNode(value)) count++;
    const merged = i >= ownCount;
    // a mapping reached through an alias reports on its keys without visiting them: count the keys too
    if ((merged || ctx.expansion.aliasDepth > 0) && expansionSpent(ctx, k)) return; // the rest is not checked: no "missing field" either
    if (merged) ctx.expansion.aliasDepth++;
    try {
      const child = props[name];
      if (child) {
        if (value) validateNode(ctx, value, child, { up: path, seg: name }, k);
      } else if (addl && typeof addl === 'object') {
        if (value) validateNode(ctx, value, addl, { up: path, seg: name }, k);
      } else if (!preserve && (addl === false || s.properties)) {
        const present = namesWithValues(pairs);
        const candidates = Object.keys(props).filter((p) => !present.has(p));
        const best = suggest(name, candidates, 3);
        const range = rangeOf(ctx, k);
        const fixes: Fix[] = best.map((b, j) => ({ title: `Rename "${name}" to "${b}"`, edits: [{ range, newText: b }], preferred: j === 0 }));
        const where = path ? ` in ${pathLabel(pathOf(path))}` : '';
        const dym = best.length ? ` Did you mean "${best[0]}"?` : '';
        report(ctx, range, 'schema/unknown-field', `Unknown field "${name}"${where}: the API server drops it.${dym}`, fixes);
      }
    } finally {
      if (merged) ctx.expansion.aliasDepth--;
    }
  }
  if (s.required) {
    const missing = s.required.filter((r) => !hasValue(pairs, r));
    if (missing.length) {
      const fixes = missingFieldFix(ctx, node, key, missing, props);
      report(ctx, anchorRange(ctx, node, key), 'schema/required', `Missing required field${missing.length > 1 ? 's' : ''} ${list(missing, 'and')}.`, fixes);
    }
  }
  if (s.minProperties !== undefined && count < s.minProperties) report(ctx, anchorRange(ctx, node, key), 'schema/range', `Needs at least ${s.minProperties} entr${s.minProperties === 1 ? 'y' : 'ies'}.`);
  if (s.maxProperties !== undefined && count > s.maxProperties) report(ctx, anchorRange(ctx, node, key), 'schema/range', `Allows at most ${s.maxProperties} entries (has ${count}).`, undefined, 'error', true);
}

/** Does a pair with this key have a value? (A scan: a mapping has few keys, and this runs for every mapping.) */
function hasValue(pairs: Pair[], name: string): boolean {
  for (const p of pairs) if (isPair(p) && isScalar(p.key) && String(p.key.value) === name && !isNullNode(p.value as YNode)) return true;
  return false;
}

/** The keys of a mapping's pairs that have a value. */
function namesWithValues(pairs: Pair[]): Set<string> {
  const names = new Set<string>();
  for (const p of pairs) if (isPair(p) && isScalar(p.key) && !isNullNode(p.value as YNode)) names.add(String(p.key.value));
  return names;
}

/** Quick-fix that inserts the missing required keys after the last key of a block mapping. */
function missingFieldFix(ctx: Ctx, node: YAMLMap, _key: Scalar | undefined, missing: string[], props: Record<string, SchemaNode>): Fix[] {
  if (node.flow || !node.items.length) return [];
  const first = node.items[0].key as YNode;
  if (!first?.range) return [];
  const text = ctx.seg.text;
  const lineStart = text.lastIndexOf('\n', first.range[0] - 1) + 1;
  const col = first.range[0] - lineStart;
  const end = node.range ? node.range[1] : text.length;
  // insert at the end of the mapping's last line
  let at = end;
  while (at > 0 && (text[at - 1] === '\n' || text[at - 1] === '\r')) at--;
  const indent = ' '.repeat(col);
  const lines = missing.map((m) => `${indent}${m}:${skeletonSuffix(props[m], col)}`);
  const pos = segRange(ctx.seg, at, at);
  return [{ title: `Add ${list(missing, 'and')}`, edits: [{ range: pos, newText: '\n' + lines.join('\n') }] }];
}

function skeletonSuffix(s: SchemaNode | undefined, col: number): string {
  if (!s) return ' ';
  if (s.type === 'object' && s.required?.length) {
    return '\n' + s.required.map((r) => `${' '.repeat(col + 2)}${r}: `).join('\n');
  }
  if (s.type === 'array') return `\n${' '.repeat(col + 2)}- `;
  if (s.enum?.length) return ` ${String(s.enum[0])}`;
  return ' ';
}

export function pathLabel(path: PathSeg[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${p}` : p;
  }
  return out;
}

/**
 * Outcomes of the CEL rules already evaluated, per schema node and rule, by what of the value the rule reads
 * (celValueKey of the whole value, or projectedKey): a rule's outcome (and its message, messageExpression included)
 * depends only on the rule, the schema node that types `self`, and that value. Manifests repeat values (durations,
 * label keys, ports) across resources: each distinct one is evaluated once. Keyed by the schema objects (weakly):
 * a workspace CRD that replaces a schema gives new objects, so nothing leaks between kinds, versions or schema
 * generations. Outcomes cut short by a limit are not remembered (memorable); a remembered one costs no CEL time
 * (MAX_CEL_MS_PER_DOCUMENT counts evaluations).
 */
const celMemo = new WeakMap<SchemaNode, Map<CelRule, Map<string, CelOutcome>>>();
/** Distinct values remembered per rule (then the rule's memo starts over) and the longest key remembered. */
const CEL_MEMO_ENTRIES = 1024;
const CEL_MEMO_KEY_CHARS = 4096;

/**
 * A string that tells apart every value CEL could tell apart: JSON types marked (a string from a number, `-0`,
 * NaN and infinities from null), object keys in their order (a messageExpression may list them). Undefined for
 * a value that is too large or not plain JSON (such values are evaluated every time).
 */
export function celValueKey(v: unknown, maxChars = CEL_MEMO_KEY_CHARS): string | undefined {
  const parts: string[] = [];
  let budget = maxChars;
  const walk = (x: unknown, depth: number): boolean => {
    if (depth > 64) return false;
    let t: string;
    switch (typeof x) {
      case 'string':
        t = JSON.stringify(x);
        break;
      case 'number':
        t = Object.is(x, -0) ? '-0' : String(x);
        break;
      case 'boolean':
        t = x ? 't' : 'f';
        break;
      case 'object': {
        if (x === null) {
          t = 'z';
          break;
        }
        if (Array.isArray(x)) {
          parts.push('[');
          for (let i = 0; i < x.length; i++) {
            if (i in x ? !walk(x[i], depth + 1) : true) return false;
            parts.push(',');
          }
          parts.push(']');
          return (budget -= 2) >= 0;
        }
        const proto = Object.getPrototypeOf(x) as unknown;
        if (proto !== Object.prototype && proto !== null) return false;
        parts.push('{');
        for (const k of Object.keys(x)) {
          const kk = JSON.stringify(k);
          budget -= kk.length + 2;
          if (budget < 0) return false;
          parts.push(kk, ':');
          if (!walk((x as Record<string, unknown>)[k], depth + 1)) return false;
          parts.push(',');
        }
        parts.push('}');
        return (budget -= 2) >= 0;
      }
      default:
        return false; // undefined, bigint, symbol, function
    }
    budget -= t.length + 1;
    if (budget < 0) return false;
    parts.push(t);
    return true;
  };
  return walk(v, 0) ? parts.join('') : undefined;
}

/** Outcomes that depend on more than the value (the time left, the stack) are not remembered. */
function memorable(o: CelOutcome): boolean {
  if (o.status === 'skip') return !o.reason.includes('limit exceeded');
  if (o.status === 'error') return !o.message.startsWith('internal error');
  return true;
}

function ruleMemo(s: SchemaNode, rule: CelRule): Map<string, CelOutcome> {
  let byRule = celMemo.get(s);
  if (!byRule) celMemo.set(s, (byRule = new Map()));
  let memo = byRule.get(rule);
  if (!memo) byRule.set(rule, (memo = new Map()));
  return memo;
}

/** The value of a node as the rules of `s` see it, before pruning and defaults (see apiServerView). */
function celInput(ctx: Ctx, node: Node): unknown {
  return directPlainValue(node) ?? plainValue(ctx.seg.doc, node);
}

const ruleReads = new WeakMap<CelRule, SelfReads | null>();

/**
 * The memo key of a rule that reads only some fields of `self` (see ruleSelfReads): those fields (set or not, or
 * their values) and, for a rule iterating a map, its keys; two objects that agree on them give the rule the same
 * outcome. Undefined when the rule reads all of `self`, or `self` is not an object, or a value is too large.
 */
function projectedKey(rule: CelRule, input: unknown, s: SchemaNode): string | undefined {
  let reads = ruleReads.get(rule);
  if (reads === undefined) ruleReads.set(rule, (reads = ruleSelfReads(rule) ?? null));
  if (!reads) return undefined;
  const view = celObjectView(input, s);
  if (!view || (reads.keys && view.mode !== 'map')) return undefined;
  const obj = input as Record<string, unknown>;
  const parts = ['P'];
  for (const name of reads.names) {
    const prop = view.mode === 'map' ? name : view.fields.get(name); // undefined: a field CEL cannot see, never set
    const v = prop !== undefined && Object.prototype.hasOwnProperty.call(obj, prop) ? obj[prop] : undefined;
    let part: string | undefined;
    if (reads.fields.get(name) === 'has') part = v === undefined ? 'u' : v === null ? 'n' : 'p';
    else part = v === undefined ? 'u' : celValueKey(v);
    if (part === undefined) return undefined;
    parts.push(JSON.stringify(name), part, ';');
  }
  if (reads.keys) {
    const keys = JSON.stringify(Object.keys(obj));
    if (keys.length > CEL_MEMO_KEY_CHARS) return undefined;
    parts.push('K', keys);
  }
  return parts.join('');
}

function runCel(ctx: Ctx, node: Node, s: SchemaNode, key: Scalar | undefined): void {
  const input = celInput(ctx, node);
  if (input === undefined) return;
  // The API server prunes unknown fields and applies schema defaults before it validates (apiServerView). That
  // view is a function of the input and the schema: a key of the input stands for the value the rules see.
  let fullKey: string | undefined | null = null; // null: not computed yet
  let value: unknown;
  let viewed = false;
  const budget = ctx.expansion;
  for (const rule of s['x-kubernetes-validations'] ?? []) {
    let memoKey = projectedKey(rule, input, s);
    if (memoKey === undefined) {
      if (fullKey === null) fullKey = celValueKey(input);
      memoKey = fullKey;
    }
    const memo = memoKey === undefined ? undefined : ruleMemo(s, rule);
    let outcome = memo?.get(memoKey!);
    if (!outcome) {
      const remaining = MAX_CEL_MS_PER_DOCUMENT - budget.celMs;
      if (remaining <= 0) {
        if (!budget.celExhausted) {
          budget.celExhausted = true;
          const msg = `Reduced analysis: the CEL rules (x-kubernetes-validations) took more than ${MAX_CEL_MS_PER_DOCUMENT} ms on this document; the rest are not evaluated.`;
          report(ctx, anchorRange(ctx, node, key), 'limits/reduced-analysis', msg, undefined, 'info');
        }
        return;
      }
      if (!viewed) {
        value = apiServerView(input, s, 0);
        viewed = true;
      }
      const started = performance.now();
      outcome = evaluateRule(rule, value, s, { timeLimitMs: Math.min(CEL_TIME_LIMIT_MS, remaining) });
      budget.celMs += performance.now() - started;
      if (memo && memorable(outcome)) {
        if (memo.size >= CEL_MEMO_ENTRIES) memo.clear();
        memo.set(memoKey!, outcome);
      }
    }
    if (outcome.status === 'fail' || outcome.status === 'error') {
      const range = celRange(ctx, node, key, rule.fieldPath);
      const msg = outcome.status === 'fail' ? outcome.message : rule.message ?? `Failed rule: ${rule.rule}`;
      report(ctx, range, 'schema/cel', msg);
    }
  }
}

/** Where a CEL failure is shown: at fieldPath below the node when the rule names one, else at the node's key. */
function celRange(ctx: Ctx, node: Node, key: Scalar | undefined, fieldPath: string | undefined): Rng {
  if (fieldPath && isMap(node)) {
    const parts = fieldPath.replace(/^\./, '').split('.').filter(Boolean);
    let cur: YNode = node;
    let curKey: Scalar | undefined = key;
    for (const part of parts) {
      if (!isMap(cur)) break;
      const pair = (cur.items as Pair[]).find((p) => isScalar(p.key) && p.key.value === part);
      if (!pair) break;
      curKey = pair.key as Scalar;
      cur = resolveAlias(ctx.seg.doc, pair.value as YNode);
    }
    return anchorRange(ctx, cur ?? node, curKey);
  }
  return anchorRange(ctx, node, key);
}

/**
 * A JSON value as the API server validates it: the fields the schema does not know pruned (the API server drops
 * them before validating), the schema's defaults filled in where fields are absent (rules rely on them, e.g.
 * parentRefs[].group).
 */
export function apiServerView(value: unknown, s: SchemaNode | undefined, depth: number): unknown {
  if (!s || depth > 64) return value;
  if (Array.isArray(value)) return s.items ? value.map((v) => apiServerView(v, s.items, depth + 1)) : value;
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const addl = s.additionalProperties;
  const prunes = s['x-kubernetes-preserve-unknown-fields'] !== true && addl !== true && (addl === false || !!s.properties);
  for (const [k, v] of Object.entries(obj)) {
    const child = s.properties?.[k] ?? (typeof addl === 'object' ? addl : undefined);
    if (!child && prunes && !(s['x-kubernetes-embedded-resource'] && (k === 'apiVersion' || k === 'kind' || k === 'metadata'))) continue;
    out[k] = apiServerView(v, child, depth + 1);
  }
  for (const [k, child] of Object.entries(s.properties ?? {})) {
    if ((out[k] === undefined || out[k] === null) && child.default !== undefined) out[k] = apiServerView(structuredClone(child.default), child, depth + 1);
  }
  return out;
}
