/**
 * Evaluates CRD `x-kubernetes-validations` rules (CEL) against a value, with Kubernetes semantics:
 *
 * - `self` is the value at the node carrying the rule, typed by that node's structural schema
 *   (see cel-values.ts: int vs double, int-or-string, escaped property names, absent fields);
 * - transition rules (those referring to `oldSelf`) are skipped: there is no old object in an editor;
 * - the Kubernetes CEL libraries are available (see cel-k8s.ts), plus the strings extension;
 * - `message` / `messageExpression` produce the failure message as the apiserver does.
 *
 * Compiled programs are cached by expression text. Each evaluation runs under a budget (cost units
 * charged per function call and per list/map element visited, plus a wall-clock limit), so a rule can
 * never run away on large input; regular expressions use RE2 (linear time). evaluateRule never throws.
 */
import { celEnv, celType, isCelError, parse, plan } from '@bufbuild/cel';
import type { CelEnv, CelFunc, CelResult, CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { k8sFunctions, k8sTypeRegistry } from './cel-k8s';
import { charge, chargedList, newBudget, toCelValue, withBudget } from './cel-values';
import type { CelRule, SchemaNode } from './types';

export type CelOutcome =
  | { status: 'pass' }
  | { status: 'fail'; message: string }
  | { status: 'skip'; reason: string }
  | { status: 'error'; message: string };

export interface CelEvalOptions {
  /** Cost units one evaluation may use (one per function call or element visited). Default 1,000,000, as Kubernetes' per-call limit. */
  costLimit?: number;
  /** Wall-clock limit for one evaluation, in milliseconds. Default 100. */
  timeLimitMs?: number;
}

const DEFAULT_COST_LIMIT = 1_000_000;
const DEFAULT_TIME_LIMIT_MS = 100;

type Expr = ReturnType<typeof parse>['expr'];
type Program = (vars: Record<string, CelValue>) => CelResult;

/** `reads`: what of `self` the expression observes (see SelfReads); null when all of it, or unknown. */
type Compiled =
  | { ok: true; transition: boolean; program: Program; reads: SelfReads | null }
  | { ok: false; transition: boolean; error: string; reads: SelfReads | null };

// ---------------------------------------------------------------------------------------------
// Environment

let envCache: { env: CelEnv; functions: Set<string> } | undefined;

/** Wraps a function so that each successful call is charged and list results are charged when iterated. */
function charging(f: CelFunc): CelFunc {
  const wrapper = {
    id: f.id,
    name: f.name,
    target: f.target,
    arguments: f.arguments,
    result: f.result,
    call(id: number, target: CelValue | undefined, args: CelValue[]): CelResult | undefined {
      const r = f.call(id, target, args);
      if (r === undefined || isCelError(r)) return r;
      charge();
      return chargedList(r);
    },
  };
  return wrapper as unknown as CelFunc;
}

function environment(): { env: CelEnv; functions: Set<string> } {
  if (envCache) return envCache;
  // Resolve overrides once (our `matches` replaces the standard one), then wrap every overload.
  const base = celEnv({ funcs: [...strings, ...k8sFunctions], registry: k8sTypeRegistry });
  const funcs = [...base.funcs].map(charging);
  const env = celEnv({ funcs, registry: k8sTypeRegistry });
  envCache = { env, functions: new Set(funcs.map((f) => f.name)) };
  return envCache;
}

// ---------------------------------------------------------------------------------------------
// Static checks (the evaluator itself is dynamic; Kubernetes would reject these at CRD creation)

/** Operators the planner handles itself rather than through the function table. */
const PLANNER_OPERATORS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false', '__not_strictly_false__']);
const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter', 'has', 'transformList', 'transformMap', 'transformMapEntry']);
const TYPE_IDENTS = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type']);
const VARIABLES = new Set(['self', 'oldSelf']);

/** `a.b.c` for an identifier/select chain, else undefined. */
function qualifiedName(e: Expr | undefined): string | undefined {
  if (!e) return undefined;
  switch (e.exprKind.case) {
    case 'identExpr':
      return e.exprKind.value.name;
    case 'selectExpr': {
      if (e.exprKind.value.testOnly) return undefined;
      const parent = qualifiedName(e.exprKind.value.operand);
      return parent === undefined ? undefined : `${parent}.${e.exprKind.value.field}`;
    }
    default:
      return undefined;
  }
}

function rootIdent(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? name : name.slice(0, dot);
}

function isKnownType(name: string): boolean {
  return TYPE_IDENTS.has(name) || k8sTypeRegistry.getMessage(name) !== undefined || name.startsWith('google.protobuf.');
}

interface CheckState {
  errors: string[];
  oldSelf: boolean;
  functions: Set<string>;
}

function check(e: Expr | undefined, bound: ReadonlySet<string>, st: CheckState): void {
  if (!e || st.errors.length > 4) return;
  const k = e.exprKind;
  switch (k.case) {
    case 'identExpr': {
      const name = k.value.name;
      if (name === 'oldSelf' && !bound.has(name)) st.oldSelf = true;
      if (!bound.has(name) && !VARIABLES.has(name) && !isKnownType(name)) {
        st.errors.push(`undeclared reference to '${name}'`);
      }
      return;
    }
    case 'constExpr':
      return;
    case 'selectExpr': {
      const q = qualifiedName(e);
      if (q !== undefined) {
        const root = rootIdent(q);
        if (!bound.has(root) && !VARIABLES.has(root)) {
          if (!isKnownType(q)) st.errors.push(`undeclared reference to '${q}'`);
          return;
        }
      }
      check(k.value.operand, bound, st);
      return;
    }
    case 'callExpr': {
      const call = k.value;
      const fn = call.function;
      if (call.target) {
        const q = qualifiedName(call.target);
        if (q !== undefined && !bound.has(rootIdent(q)) && !VARIABLES.has(rootIdent(q)) && st.functions.has(`${q}.${fn}`)) {
          for (const a of call.args) check(a, bound, st);
          return;
        }
      }
      if (!st.functions.has(fn) && !PLANNER_OPERATORS.has(fn)) {
        if (MACROS.has(fn)) {
          st.errors.push(`unsupported form of macro '${fn}' (${call.args.length} argument${call.args.length === 1 ? '' : 's'})`);
          return;
        } else if (fn === '_[?_]' || fn === '_?._') {
          st.errors.push('optional field selection is not supported');
        } else {
          st.errors.push(`undeclared reference to '${fn}'`);
        }
      }
      check(call.target, bound, st);
      for (const a of call.args) check(a, bound, st);
      return;
    }
    case 'listExpr':
      if (k.value.optionalIndices.length > 0) st.errors.push('optional list elements are not supported');
      for (const el of k.value.elements) check(el, bound, st);
      return;
    case 'structExpr':
      if (k.value.messageName !== '') {
        st.errors.push(`message construction is not supported ('${k.value.messageName}')`);
        return;
      }
      for (const entry of k.value.entries) {
        if (entry.optionalEntry) st.errors.push('optional map entries are not supported');
        if (entry.keyKind.case === 'mapKey') check(entry.keyKind.value, bound, st);
        check(entry.value, bound, st);
      }
      return;
    case 'comprehensionExpr': {
      const c = k.value;
      if (c.iterVar2) st.errors.push('two-variable comprehensions are not supported');
      check(c.iterRange, bound, st);
      check(c.accuInit, bound, st);
      const inner = new Set(bound);
      inner.add(c.iterVar);
      inner.add(c.accuVar);
      check(c.loopCondition, inner, st);
      check(c.loopStep, inner, st);
      const res = new Set(bound);
      res.add(c.accuVar);
      check(c.result, res, st);
      return;
    }
    default:
      st.errors.push('unsupported expression');
  }
}

// ---------------------------------------------------------------------------------------------
// Compilation cache

const compiledCache = new Map<string, Compiled>();
const CACHE_LIMIT = 2000;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function compile(expr: string): Compiled {
  const hit = compiledCache.get(expr);
  if (hit) return hit;
  let out: Compiled;
  try {
    const parsed = parse(expr);
    const { env, functions } = environment();
    const st: CheckState = { errors: [], oldSelf: false, functions };
    check(parsed.expr, new Set(), st);
    const reads = selfReadsOf(parsed.expr);
    if (st.errors.length > 0) {
      out = { ok: false, transition: st.oldSelf, error: st.errors.join('; '), reads };
    } else {
      const program = plan(env, parsed) as unknown as Program;
      out = { ok: true, transition: st.oldSelf, program, reads };
    }
  } catch (e) {
    out = { ok: false, transition: /\boldSelf\b/.test(expr), error: errorText(e), reads: null };
  }
  compiledCache.set(expr, out);
  if (compiledCache.size > CACHE_LIMIT) {
    const oldest = compiledCache.keys().next().value;
    if (oldest !== undefined) compiledCache.delete(oldest);
  }
  return out;
}

/** Checks that a CEL expression parses and only uses known variables, functions and macros. */
export function compileRule(expr: string): { ok: true } | { ok: false; error: string } {
  const c = compile(expr);
  return c.ok ? { ok: true } : { ok: false, error: c.error };
}

/** True when the rule refers to `oldSelf` (a transition rule, only evaluated on updates). */
export function isTransitionRule(expr: string): boolean {
  return compile(expr).transition;
}

// ---------------------------------------------------------------------------------------------
// What of `self` a rule reads

/**
 * The parts of `self` an expression can observe, when that is only some of its fields: `has(self.f)` reads
 * whether f is set ('has'), `self.f` (and anything below it) reads f's value ('value'); `keys` when `self` is the
 * range of a comprehension (`self.all(k, ...)`), which over a map visits its keys only. Undefined when `self` is
 * used in any other way (`self.size()`, `self == x`, passed to a function): the whole value counts.
 */
export interface SelfReads {
  fields: ReadonlyMap<string, 'has' | 'value'>;
  /** The names of `fields`, sorted. */
  names: readonly string[];
  keys: boolean;
}

function collectReads(e: Expr | undefined, fields: Map<string, 'has' | 'value'>, st: { keys: boolean; whole: boolean }): void {
  if (!e || st.whole) return;
  const k = e.exprKind;
  switch (k.case) {
    case 'identExpr':
      if (k.value.name === 'self') st.whole = true; // self on its own
      return;
    case 'constExpr':
      return;
    case 'selectExpr': {
      const op = k.value.operand;
      if (op?.exprKind.case === 'identExpr' && op.exprKind.value.name === 'self') {
        const name = k.value.field;
        if (!k.value.testOnly) fields.set(name, 'value');
        else if (!fields.has(name)) fields.set(name, 'has');
        return;
      }
      collectReads(op, fields, st);
      return;
    }
    case 'callExpr':
      collectReads(k.value.target, fields, st);
      for (const a of k.value.args) collectReads(a, fields, st);
      return;
    case 'listExpr':
      for (const el of k.value.elements) collectReads(el, fields, st);
      return;
    case 'structExpr':
      for (const entry of k.value.entries) {
        if (entry.keyKind.case === 'mapKey') collectReads(entry.keyKind.value, fields, st);
        collectReads(entry.value, fields, st);
      }
      return;
    case 'comprehensionExpr': {
      const c = k.value;
      // a variable named self would hide `self`: do not try to tell the two apart
      if (c.iterVar === 'self' || c.accuVar === 'self' || c.iterVar2 === 'self' || c.iterVar2) {
        st.whole = true;
        return;
      }
      const range = c.iterRange;
      if (range?.exprKind.case === 'identExpr' && range.exprKind.value.name === 'self') st.keys = true;
      else collectReads(range, fields, st);
      collectReads(c.accuInit, fields, st);
      collectReads(c.loopCondition, fields, st);
      collectReads(c.loopStep, fields, st);
      collectReads(c.result, fields, st);
      return;
    }
    default:
      st.whole = true;
  }
}

function selfReadsOf(e: Expr | undefined): SelfReads | null {
  const fields = new Map<string, 'has' | 'value'>();
  const st = { keys: false, whole: false };
  collectReads(e, fields, st);
  return st.whole ? null : { fields, names: [...fields.keys()].sort(), keys: st.keys };
}

/**
 * What of `self` the outcome of evaluateRule(rule, ...) depends on: the reads of the rule and of its
 * messageExpression together (see SelfReads). Undefined when that is the whole value.
 */
export function ruleSelfReads(rule: CelRule): SelfReads | undefined {
  if (typeof rule?.rule !== 'string') return undefined;
  const main = compile(rule.rule).reads;
  if (!main) return undefined;
  if (rule.messageExpression === undefined) return main;
  const msg = typeof rule.messageExpression === 'string' ? compile(rule.messageExpression).reads : null;
  if (!msg) return undefined;
  const fields = new Map(main.fields);
  for (const [f, how] of msg.fields) if (how === 'value' || !fields.has(f)) fields.set(f, how);
  return { fields, names: [...fields.keys()].sort(), keys: main.keys || msg.keys };
}

// ---------------------------------------------------------------------------------------------
// Evaluation

function typeName(v: unknown): string {
  try {
    return celType(v as CelValue).toString();
  } catch {
    return typeof v;
  }
}

/** Kubernetes-style wording for the evaluator's runtime errors. */
function runtimeErrorMessage(err: Error): string {
  const m = err.message;
  let r = /^field not found: (.*)$/.exec(m);
  if (r) return `no such key: ${r[1]}`;
  r = /^index (-?\d+) out of bounds/.exec(m);
  if (r) return `index out of bounds: ${r[1]}`;
  if (m === 'unresolved attribute') return 'no such attribute';
  return m;
}

function run(program: Program, self: unknown, schema: SchemaNode, options: CelEvalOptions | undefined) {
  const budget = newBudget(options?.costLimit ?? DEFAULT_COST_LIMIT, options?.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS);
  const result = withBudget(budget, () => {
    const vars = Object.create(null) as Record<string, CelValue>;
    vars.self = toCelValue(self, schema, '');
    return program(vars);
  });
  return { result, budget };
}

function failureMessage(rule: CelRule, self: unknown, schema: SchemaNode, options: CelEvalOptions | undefined): string {
  if (rule.messageExpression) {
    // As in Kubernetes: fall back to `message` if the expression fails, is blank or spans lines.
    const c = compile(rule.messageExpression);
    if (c.ok && !c.transition) {
      const { result, budget } = run(c.program, self, schema, options);
      if (!budget.exceeded && typeof result === 'string' && result.trim() !== '' && !/[\r\n]/.test(result)) {
        return result;
      }
    }
  }
  if (rule.message && rule.message.trim() !== '') return rule.message.trim();
  return `failed rule: ${rule.rule.trim()}`;
}

/**
 * Evaluates one `x-kubernetes-validations` rule with `self` bound to `self` (plain JSON) typed by
 * `schema` (the schema node the rule is attached to). Never throws.
 */
export function evaluateRule(rule: CelRule, self: unknown, schema: SchemaNode, options?: CelEvalOptions): CelOutcome {
  try {
    if (typeof rule?.rule !== 'string' || rule.rule.trim() === '') return { status: 'skip', reason: 'rule has no expression' };
    const c = compile(rule.rule);
    if (c.transition) return { status: 'skip', reason: 'transition rule (refers to oldSelf); only evaluated on updates' };
    if (!c.ok) return { status: 'skip', reason: `cannot compile rule: ${c.error}` };
    if (self === undefined) return { status: 'skip', reason: 'no value' };
    const { result, budget } = run(c.program, self, schema, options);
    if (budget.exceeded) return { status: 'skip', reason: `evaluation ${budget.exceeded} limit exceeded` };
    if (budget.mismatch !== undefined) return { status: 'skip', reason: `value does not match the schema (${budget.mismatch})` };
    if (isCelError(result)) return { status: 'error', message: runtimeErrorMessage(result) };
    if (result === true) return { status: 'pass' };
    if (result === false) return { status: 'fail', message: failureMessage(rule, self, schema, options) };
    return { status: 'error', message: `rule evaluated to ${typeName(result)}, expected bool` };
  } catch (e) {
    return { status: 'error', message: `internal error evaluating rule: ${errorText(e)}` };
  }
}
