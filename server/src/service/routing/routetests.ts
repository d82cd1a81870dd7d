import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YNode, type Pair, type YAMLMap } from 'yaml';
import { suggest } from '../text';
import { isObj, type Obj } from '../workspace';
import type { Decision, Outcome, SimRequest, SimulationResult } from './types';

/**
 * Route-test files: request → expected outcome cases, checked against the simulator (like istio-config-validator).
 *
 *     paths: [../config]                # files or folders to load, relative to this file (default: its folder)
 *     defaults:                         # optional: merged into every request
 *       request: { sourceNamespace: shop }
 *     tests:
 *       - name: testers see v2
 *         request: { host: reviews.shop, path: /, headers: { end-user: jason } }
 *         expect:
 *           destinations: [{ host: reviews.shop.svc.cluster.local, subset: v2, percent: 100 }]
 *           matched: { kind: VirtualService, name: reviews, rule: testers }   # or `matched: null`
 *           status: 200                 # 404 no route, 403 denied, 301 redirect, ...
 *           outcome: routed             # passthrough, redirect, direct-response, not-found, denied, error
 *           authorization: ALLOW        # DENY, NOT_EVALUATED; `policy: ns/name` checks who decided
 *                                       # (or authorization: { decision: ALLOW, policy: ns/name, rule: 0 })
 *           mtls: STRICT
 *           entry: mesh                 # or ns/name of the gateway
 *           actions: { timeout: 2s }    # a subset of the simulated actions
 *
 * Unknown keys are errors (with a did-you-mean), and so is a case with nothing under `expect`: a misspelled
 * `statsu:` must not turn a case into one that always passes.
 */
export interface RouteTestFile {
  paths: string[];
  tests: RouteTestCase[];
}

export interface ExpectedDestination {
  host: string;
  /** Absent: not checked; null: no subset. */
  subset?: string | null;
  port?: number | null;
  percent?: number;
}

export interface RouteExpectation {
  destinations?: ExpectedDestination[];
  status?: number;
  outcome?: Outcome;
  authorization?: Decision;
  /** `ns/name` of the deciding policy; null: no policy decided (a default). */
  policy?: string | null;
  /** Rule index inside the deciding policy; null: no rule decided. */
  authorizationRule?: number | null;
  /** `rule: null` expects a resource that decides as a whole (TrafficSplit, ServiceProfile dstOverrides). */
  matched?: { kind?: string; namespace?: string; name?: string; rule?: number | string | null } | null;
  mtls?: string;
  entry?: string;
  actions?: Obj;
}

export interface RouteTestCase {
  name: string;
  request: SimRequest;
  expect: RouteExpectation;
  /** 1-based line of the case in its file. */
  line?: number;
}

export interface RouteTestResult {
  name: string;
  ok: boolean;
  failures: string[];
  result: SimulationResult;
}

const TOP_KEYS = ['paths', 'defaults', 'tests'];
const DEFAULTS_KEYS = ['request'];
const CASE_KEYS = ['name', 'request', 'expect'];
const REQUEST_KEYS = ['host', 'port', 'method', 'path', 'headers', 'query', 'scheme', 'sourceNamespace', 'sourcePrincipal', 'sourceLabels', 'sourceIp', 'gateway'];
const REQUEST_STRINGS = ['host', 'method', 'path', 'scheme', 'sourceNamespace', 'sourcePrincipal', 'sourceIp', 'gateway'] as const;
const REQUEST_MAPS = ['headers', 'query', 'sourceLabels'] as const;
const EXPECT_KEYS = ['destinations', 'status', 'outcome', 'authorization', 'policy', 'matched', 'mtls', 'entry', 'actions'];
const DEST_KEYS = ['host', 'subset', 'port', 'percent'];
const MATCHED_KEYS = ['kind', 'namespace', 'name', 'rule'];
const AUTHZ_KEYS = ['decision', 'policy', 'rule'];
/** The keys of SimActions. */
const ACTION_KEYS = ['rewrite', 'redirect', 'directResponse', 'timeout', 'backendTimeout', 'retries', 'fault', 'mirrors', 'requestHeaders', 'responseHeaders', 'cors', 'other'];
const OUTCOMES: Outcome[] = ['routed', 'passthrough', 'redirect', 'direct-response', 'not-found', 'denied', 'error'];
const DECISIONS: Decision[] = ['ALLOW', 'DENY', 'NOT_EVALUATED'];
const MTLS_MODES = ['STRICT', 'PERMISSIVE', 'DISABLE', 'MUTUAL', 'NONE'];

type Val = YNode | null;

/** Reads a route-test file from its YAML nodes, so every error can say where (file:line:column). */
class Reader {
  readonly errors: string[] = [];

  constructor(
    private readonly doc: Document,
    private readonly lc: LineCounter,
    private readonly file: string,
  ) {}

  line(node: unknown): number | undefined {
    const r = (node as { range?: [number, number, number] } | null)?.range;
    return r ? this.lc.linePos(r[0]).line : undefined;
  }

  where(node: unknown): string {
    const r = (node as { range?: [number, number, number] } | null)?.range;
    if (!r) return this.file;
    const p = this.lc.linePos(r[0]);
    return `${this.file}:${p.line}:${p.col}`;
  }

  error(node: unknown, message: string): void {
    this.errors.push(`${this.where(node)}: ${message}`);
  }

  resolve(n: unknown): Val {
    let cur = n;
    for (let i = 0; i < 16 && isAlias(cur); i++) cur = cur.resolve(this.doc) ?? null;
    return (cur ?? null) as Val;
  }

  js(n: Val): unknown {
    return n ? (n.toJS(this.doc) as unknown) : null;
  }

  /** The entries of a mapping; unknown keys are errors with a did-you-mean. */
  map(node: Val, allowed: string[], what: string, at: unknown): Map<string, { key: unknown; value: Val }> | undefined {
    const out = new Map<string, { key: unknown; value: Val }>();
    if (!isMap(node)) {
      this.error(node ?? at, `${what} must be a mapping`);
      return undefined;
    }
    for (const pair of (node as YAMLMap).items as Pair[]) {
      const keyNode = pair.key;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(this.js(this.resolve(keyNode)));
      if (key === '<<') continue;
      if (!allowed.includes(key)) {
        const best = suggest(key, allowed, 1)[0];
        this.error(keyNode, `unknown key "${key}" in ${what}${best ? ` (did you mean "${best}"?)` : ''}; expected one of ${allowed.join(', ')}`);
        continue;
      }
      out.set(key, { key: keyNode, value: this.resolve(pair.value) });
    }
    return out;
  }

  string(v: Val, what: string, at: unknown): string | undefined {
    const x = this.js(v);
    if (typeof x === 'string' && x.length) return x;
    if (typeof x === 'number') return String(x);
    this.error(v ?? at, `${what} must be a string`);
    return undefined;
  }

  int(v: Val, what: string, at: unknown, min: number, max: number): number | undefined {
    const x = this.js(v);
    const n = typeof x === 'number' ? x : typeof x === 'string' && /^\d+$/.test(x.trim()) ? Number(x) : NaN;
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    this.error(v ?? at, `${what} must be a whole number from ${min} to ${max}, got ${JSON.stringify(x)}`);
    return undefined;
  }

  oneOf<T extends string>(v: Val, values: readonly T[], what: string, at: unknown, upper = false): T | undefined {
    const x = this.js(v);
    const s = typeof x === 'string' ? (upper ? x.toUpperCase() : x) : undefined;
    if (s !== undefined && (values as readonly string[]).includes(s)) return s as T;
    const best = typeof x === 'string' ? suggest(x, values, 1)[0] : undefined;
    this.error(v ?? at, `${what} must be one of ${values.join(', ')}, got ${JSON.stringify(x)}${best ? ` (did you mean "${best}"?)` : ''}`);
    return undefined;
  }

  stringMap(v: Val, what: string, at: unknown): Record<string, string> | undefined {
    if (!isMap(v)) {
      this.error(v ?? at, `${what} must be a mapping of names to values`);
      return undefined;
    }
    const out: Record<string, string> = {};
    for (const pair of (v as YAMLMap).items as Pair[]) {
      const k = this.js(this.resolve(pair.key));
      const x = this.js(this.resolve(pair.value));
      if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[String(k)] = String(x);
      else this.error(pair.value ?? pair.key, `${what}.${String(k)} must be a string`);
    }
    return out;
  }

  /** A request mapping (partial: the host may come from the defaults). */
  request(v: Val, what: string, at: unknown): Partial<SimRequest> | undefined {
    const m = this.map(v, REQUEST_KEYS, what, at);
    if (!m) return undefined;
    const r: Partial<SimRequest> = {};
    for (const k of REQUEST_STRINGS) {
      const e = m.get(k);
      if (e) r[k] = this.string(e.value, `${what}.${k}`, e.key);
    }
    const port = m.get('port');
    if (port) r.port = this.int(port.value, `${what}.port`, port.key, 1, 65535);
    for (const k of REQUEST_MAPS) {
      const e = m.get(k);
      if (e) r[k] = this.stringMap(e.value, `${what}.${k}`, e.key);
    }
    const scheme = m.get('scheme');
    if (r.scheme !== undefined && !['http', 'https'].includes(r.scheme.toLowerCase())) this.error(scheme?.value ?? scheme?.key, `${what}.scheme must be http or https`);
    return r;
  }

  destinations(v: Val, at: unknown): ExpectedDestination[] | undefined {
    if (!isSeq(v)) {
      this.error(v ?? at, 'expect.destinations must be a list');
      return undefined;
    }
    const out: ExpectedDestination[] = [];
    for (const item of v.items) {
      const n = this.resolve(item);
      const x = this.js(n);
      if (typeof x === 'string') {
        out.push({ host: x });
        continue;
      }
      const m = this.map(n, DEST_KEYS, 'an expected destination', item);
      if (!m) continue;
      const host = m.get('host');
      if (!host) {
        this.error(n, 'an expected destination needs a host');
        continue;
      }
      const d: ExpectedDestination = { host: this.string(host.value, 'destination host', host.key) ?? '' };
      const subset = m.get('subset');
      if (subset) d.subset = this.js(subset.value) === null ? null : this.string(subset.value, 'destination subset', subset.key);
      const port = m.get('port');
      if (port) d.port = this.js(port.value) === null ? null : this.int(port.value, 'destination port', port.key, 1, 65535);
      const percent = m.get('percent');
      if (percent) {
        const p = this.js(percent.value);
        const n2 = typeof p === 'number' ? p : typeof p === 'string' ? Number(p.replace(/%$/, '')) : NaN;
        if (Number.isFinite(n2) && n2 >= 0 && n2 <= 100) d.percent = n2;
        else this.error(percent.value ?? percent.key, `destination percent must be a number from 0 to 100, got ${JSON.stringify(p)}`);
      }
      out.push(d);
    }
    return out;
  }

  expectation(v: Val, at: unknown): RouteExpectation | undefined {
    const m = this.map(v, EXPECT_KEYS, 'expect', at);
    if (!m) return undefined;
    const e: RouteExpectation = {};
    for (const [k, { key, value }] of m) {
      switch (k) {
        case 'destinations':
          e.destinations = this.destinations(value, key);
          break;
        case 'status':
          e.status = this.int(value, 'expect.status', key, 100, 599);
          break;
        case 'outcome':
          e.outcome = this.oneOf(value, OUTCOMES, 'expect.outcome', key);
          break;
        case 'authorization': {
          if (isMap(value)) {
            const a = this.map(value, AUTHZ_KEYS, 'expect.authorization', key);
            const d = a?.get('decision');
            if (d) e.authorization = this.oneOf(d.value, DECISIONS, 'expect.authorization.decision', d.key, true);
            const p = a?.get('policy');
            if (p) e.policy = this.js(p.value) === null ? null : this.string(p.value, 'expect.authorization.policy', p.key);
            const r = a?.get('rule');
            if (r) e.authorizationRule = this.js(r.value) === null ? null : this.int(r.value, 'expect.authorization.rule', r.key, 0, 1_000_000);
            if (a && !a.size) this.error(value, 'expect.authorization is empty');
          } else e.authorization = this.oneOf(value, DECISIONS, 'expect.authorization', key, true);
          break;
        }
        case 'policy':
          e.policy = this.js(value) === null ? null : this.string(value, 'expect.policy', key);
          break;
        case 'matched': {
          if (this.js(value) === null) {
            e.matched = null;
            break;
          }
          const mm = this.map(value, MATCHED_KEYS, 'expect.matched', key);
          if (!mm) break;
          const x: NonNullable<RouteExpectation['matched']> = {};
          for (const f of ['kind', 'namespace', 'name'] as const) {
            const en = mm.get(f);
            if (en) x[f] = this.string(en.value, `expect.matched.${f}`, en.key);
          }
          const r = mm.get('rule');
          if (r) {
            const rv = this.js(r.value);
            if (rv === null) x.rule = null;
            else if (typeof rv === 'number' && Number.isInteger(rv) && rv >= 0) x.rule = rv;
            else x.rule = this.string(r.value, 'expect.matched.rule (an index or a rule name)', r.key);
          }
          if (!mm.size) this.error(value, 'expect.matched is empty: give kind, namespace, name or rule, or `matched: null`');
          e.matched = x;
          break;
        }
        case 'mtls':
          e.mtls = this.oneOf(value, MTLS_MODES, 'expect.mtls', key, true);
          break;
        case 'entry':
          e.entry = this.string(value, 'expect.entry', key);
          break;
        case 'actions': {
          const am = this.map(value, ACTION_KEYS, 'expect.actions', key);
          if (am) e.actions = this.js(value) as Obj;
          break;
        }
      }
    }
    return e;
  }
}

/**
 * Parses a route-test file. Unknown keys (with a did-you-mean), values of the wrong type and cases with nothing to
 * check are errors, each as `file:line:column: message`.
 */
export function parseRouteTests(text: string, fileName = 'route-tests.yaml'): { file?: RouteTestFile; errors: string[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const rd = new Reader(doc, lc, fileName);
  if (doc.errors.length) {
    return {
      errors: doc.errors.map((e) => {
        const p = lc.linePos(e.pos[0]);
        return `${fileName}:${p.line}:${p.col}: not valid YAML: ${e.message.split('\n')[0]}`;
      }),
    };
  }
  const root = rd.resolve(doc.contents);
  const top = isMap(root) ? rd.map(root, TOP_KEYS, 'the file', root) : undefined;
  if (!top) return { errors: [`${fileName}: the file must be a mapping with \`tests\``] };
  let paths: string[] = [];
  const pathsEntry = top.get('paths');
  if (pathsEntry) {
    const v = rd.js(pathsEntry.value);
    if (typeof v === 'string') paths = [v];
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) paths = v as string[];
    else rd.error(pathsEntry.value ?? pathsEntry.key, '`paths` must be a file or folder, or a list of them');
  }
  let defaults: Partial<SimRequest> = {};
  const defEntry = top.get('defaults');
  if (defEntry) {
    const dm = rd.map(defEntry.value, DEFAULTS_KEYS, 'defaults', defEntry.key);
    const dr = dm?.get('request');
    if (dr) defaults = rd.request(dr.value, 'defaults.request', dr.key) ?? {};
  }
  const tests: RouteTestCase[] = [];
  const testsEntry = top.get('tests');
  const seq = testsEntry ? testsEntry.value : null;
  if (!isSeq(seq) || !seq.items.length) rd.error(seq ?? testsEntry?.key ?? root, '`tests` must be a non-empty list');
  else {
    seq.items.forEach((item, i) => {
      const node = rd.resolve(item);
      const cm = rd.map(node, CASE_KEYS, `test ${i + 1}`, item);
      if (!cm) return;
      const nameEntry = cm.get('name');
      const name = (nameEntry ? rd.string(nameEntry.value, 'name', nameEntry.key) : undefined) ?? `test ${i + 1}`;
      const reqEntry = cm.get('request');
      const own = reqEntry ? rd.request(reqEntry.value, 'request', reqEntry.key) : {};
      const expEntry = cm.get('expect');
      const expect = expEntry ? rd.expectation(expEntry.value, expEntry.key) : undefined;
      if (!expEntry) rd.error(node, `case "${name}" has no \`expect\`: say what the request should get (destinations, status, matched, authorization, ...)`);
      else if (expect && !Object.keys(expect).length && isMap(expEntry.value) && !(expEntry.value as YAMLMap).items.length) rd.error(expEntry.value ?? expEntry.key, `case "${name}" expects nothing: give at least one expectation`);
      if (!own) return;
      const merged: Partial<SimRequest> = { ...defaults, ...own };
      for (const k of REQUEST_MAPS) if (defaults[k] || own[k]) merged[k] = { ...defaults[k], ...own[k] };
      if (!merged.host) {
        rd.error(reqEntry?.value ?? node, `case "${name}": request.host is required (here or in defaults.request)`);
        return;
      }
      for (const k of Object.keys(merged) as Array<keyof SimRequest>) if (merged[k] === undefined) delete merged[k];
      if (expect) tests.push({ name, request: merged as SimRequest, expect, line: rd.line(node) });
    });
  }
  if (rd.errors.length) return { errors: rd.errors };
  return { file: { paths: paths.length ? paths : ['.'], tests }, errors: [] };
}

function hostEq(expected: string, actual: string): boolean {
  const e = expected.toLowerCase();
  return e === actual || actual.startsWith(`${e}.`);
}

function fmtDest(d: { host: string; subset?: string | null; port?: number | null; percent?: number }): string {
  return `${d.host}${d.subset ? `/${d.subset}` : ''}${d.port ? `:${d.port}` : ''}${d.percent !== undefined ? ` ${d.percent}%` : ''}`;
}

/** Does `actual` contain everything `expected` says (deep, lists element-wise)? */
function subsetOf(expected: unknown, actual: unknown): boolean {
  if (isObj(expected)) return isObj(actual) && Object.entries(expected).every(([k, v]) => subsetOf(v, actual[k]));
  if (Array.isArray(expected)) return Array.isArray(actual) && expected.length === actual.length && expected.every((v, i) => subsetOf(v, actual[i]));
  if (typeof expected === 'number' || typeof actual === 'number') return Number(expected) === Number(actual);
  return expected === actual;
}

/** The failures of one case (empty: it passes). */
export function checkExpectation(r: SimulationResult, e: RouteExpectation): string[] {
  const out: string[] = [];
  if (e.destinations) {
    const left = [...r.destinations];
    for (const d of e.destinations) {
      const i = left.findIndex(
        (a) =>
          hostEq(d.host, a.host) &&
          (d.subset === undefined || (d.subset ?? null) === a.subset) &&
          (d.port === undefined || (d.port ?? null) === a.port) &&
          (d.percent === undefined || Math.abs(d.percent - a.percent) < 0.01),
      );
      if (i < 0) out.push(`expected destination ${fmtDest(d)}; got ${r.destinations.map(fmtDest).join(', ') || 'none'}`);
      else left.splice(i, 1);
    }
    if (left.length && out.length === 0) out.push(`unexpected destination(s) ${left.map(fmtDest).join(', ')}`);
  }
  if (e.status !== undefined && e.status !== r.status) out.push(`expected status ${e.status}; got ${r.status}`);
  if (e.outcome !== undefined && e.outcome !== r.outcome) out.push(`expected outcome ${e.outcome}; got ${r.outcome}`);
  if (e.authorization && e.authorization !== r.authorization.decision) out.push(`expected authorization ${e.authorization}; got ${r.authorization.decision} (${r.authorization.reason})`);
  if (e.policy !== undefined && e.policy !== r.authorization.policy) out.push(`expected the decision by ${e.policy ?? 'no policy'}; got ${r.authorization.policy ?? 'no policy'}`);
  if (e.authorizationRule !== undefined && e.authorizationRule !== (r.authorization.rule ?? null)) out.push(`expected the decision by ${e.authorizationRule === null ? 'no rule' : `rule ${e.authorizationRule}`}; got ${r.authorization.rule === undefined ? 'no rule' : `rule ${r.authorization.rule}`}`);
  if (e.matched !== undefined) {
    const m = r.matched;
    const got = (x: NonNullable<SimulationResult['matched']>): string => `${x.resource.kind} ${x.resource.namespace}/${x.resource.name}${x.rule !== null ? ` rule ${x.ruleName ?? x.rule}` : ''}`;
    if (e.matched === null) {
      if (m) out.push(`expected no rule to match; ${got(m)} matched`);
    } else if (!m) out.push('expected a rule to match; none did');
    else {
      const x = e.matched;
      const ruleOk = x.rule === undefined || (x.rule === null ? m.rule === null : m.rule !== null && (x.rule === m.rule || x.rule === m.ruleName || String(x.rule) === String(m.rule)));
      if ((x.kind && x.kind !== m.resource.kind) || (x.namespace && x.namespace !== m.resource.namespace) || (x.name && x.name !== m.resource.name) || !ruleOk) {
        const rule = x.rule === undefined ? '' : x.rule === null ? '(as a whole)' : `rule ${x.rule}`;
        out.push(`expected match ${[x.kind, x.namespace && x.name ? `${x.namespace}/${x.name}` : x.name, rule].filter(Boolean).join(' ')}; got ${got(m)}`);
      }
    }
  }
  if (e.mtls && e.mtls.toUpperCase() !== r.mtls.mode) out.push(`expected mTLS ${e.mtls}; got ${r.mtls.mode}`);
  if (e.entry && e.entry !== r.entry.name) out.push(`expected entry ${e.entry}; got ${r.entry.name}`);
  if (e.actions && !subsetOf(e.actions, r.actions)) out.push(`expected actions ${JSON.stringify(e.actions)}; got ${JSON.stringify(r.actions)}`);
  return out;
}

/** Runs every case of a parsed file with a simulator. */
export function runRouteTests(file: RouteTestFile, sim: (req: SimRequest) => SimulationResult): RouteTestResult[] {
  return file.tests.map((t) => {
    const result = sim(t.request);
    const failures = checkExpectation(result, t.expect);
    return { name: t.name, ok: failures.length === 0, failures, result };
  });
}
