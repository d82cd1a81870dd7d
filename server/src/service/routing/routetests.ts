import { parse } from 'yaml';
import { isObj, num, obj, objs, str, stringMap, strings, type Obj } from '../workspace';
import type { SimRequest, SimulationResult } from './types';

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
 *           authorization: ALLOW        # or DENY; `policy: ns/name` checks who decided
 *           mtls: STRICT
 *           entry: mesh                 # or ns/name of the gateway
 *           actions: { timeout: 2s }    # a subset of the simulated actions
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
  authorization?: 'ALLOW' | 'DENY';
  policy?: string | null;
  matched?: { kind?: string; namespace?: string; name?: string; rule?: number | string } | null;
  mtls?: string;
  entry?: string;
  actions?: Obj;
}

export interface RouteTestCase {
  name: string;
  request: SimRequest;
  expect: RouteExpectation;
}

export interface RouteTestResult {
  name: string;
  ok: boolean;
  failures: string[];
  result: SimulationResult;
}

function requestOf(v: unknown): SimRequest | string {
  if (!isObj(v)) return 'request must be a mapping';
  const host = str(v.host);
  if (!host) return 'request.host is required';
  const r: SimRequest = { host };
  if (num(v.port) !== undefined) r.port = num(v.port);
  for (const k of ['method', 'path', 'scheme', 'sourceNamespace', 'sourcePrincipal', 'sourceIp', 'gateway'] as const) if (str(v[k]) !== undefined) r[k] = str(v[k]);
  if (isObj(v.headers)) r.headers = stringMap(v.headers);
  if (isObj(v.query)) r.query = stringMap(v.query);
  if (isObj(v.sourceLabels)) r.sourceLabels = stringMap(v.sourceLabels);
  return r;
}

function expectationOf(v: unknown): RouteExpectation | string {
  if (!isObj(v)) return 'expect must be a mapping';
  const e: RouteExpectation = {};
  if (v.destinations !== undefined) {
    if (!Array.isArray(v.destinations)) return 'expect.destinations must be a list';
    e.destinations = [];
    for (const d of v.destinations) {
      if (typeof d === 'string') {
        e.destinations.push({ host: d });
        continue;
      }
      if (!isObj(d) || !str(d.host)) return 'each expected destination needs a host';
      const x: ExpectedDestination = { host: str(d.host)! };
      if ('subset' in d) x.subset = d.subset === null ? null : (str(d.subset) ?? null);
      if ('port' in d) x.port = d.port === null ? null : (num(d.port) ?? null);
      if (d.percent !== undefined) x.percent = typeof d.percent === 'number' ? d.percent : Number(str(d.percent));
      e.destinations.push(x);
    }
  }
  if (v.status !== undefined) e.status = num(v.status);
  if (v.authorization !== undefined) {
    const a = str(v.authorization)?.toUpperCase();
    if (a !== 'ALLOW' && a !== 'DENY') return 'expect.authorization must be ALLOW or DENY';
    e.authorization = a;
  }
  if ('policy' in v) e.policy = v.policy === null ? null : (str(v.policy) ?? null);
  if ('matched' in v) {
    if (v.matched === null) e.matched = null;
    else if (isObj(v.matched)) {
      const m = v.matched;
      e.matched = { kind: str(m.kind), namespace: str(m.namespace), name: str(m.name), rule: typeof m.rule === 'number' ? m.rule : str(m.rule) };
    } else return 'expect.matched must be a mapping or null';
  }
  if (v.mtls !== undefined) e.mtls = str(v.mtls);
  if (v.entry !== undefined) e.entry = str(v.entry);
  if (isObj(v.actions)) e.actions = v.actions;
  return e;
}

/** Parses a route-test file; errors name the case. */
export function parseRouteTests(text: string): { file?: RouteTestFile; errors: string[] } {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    return { errors: [`not valid YAML: ${e instanceof Error ? e.message : String(e)}`] };
  }
  if (!isObj(doc)) return { errors: ['the file must be a mapping with `tests`'] };
  const errors: string[] = [];
  const paths = typeof doc.paths === 'string' ? [doc.paths] : strings(doc.paths);
  const defaults = obj(obj(doc.defaults).request);
  const tests: RouteTestCase[] = [];
  const raw = objs(doc.tests);
  if (!Array.isArray(doc.tests) || !raw.length) errors.push('`tests` must be a non-empty list');
  raw.forEach((t, i) => {
    const name = str(t.name) ?? `test ${i + 1}`;
    const request = requestOf(isObj(t.request) ? { ...defaults, ...t.request, headers: { ...obj(defaults.headers), ...obj(t.request.headers) } } : t.request);
    const expect = expectationOf(t.expect);
    if (typeof request === 'string') errors.push(`${name}: ${request}`);
    else if (typeof expect === 'string') errors.push(`${name}: ${expect}`);
    else tests.push({ name, request, expect });
  });
  return { file: { paths: paths.length ? paths : ['.'], tests }, errors };
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
  if (e.authorization && e.authorization !== r.authorization.decision) out.push(`expected authorization ${e.authorization}; got ${r.authorization.decision} (${r.authorization.reason})`);
  if (e.policy !== undefined && e.policy !== r.authorization.policy) out.push(`expected the decision by ${e.policy ?? 'no policy'}; got ${r.authorization.policy ?? 'no policy'}`);
  if (e.matched !== undefined) {
    const m = r.matched;
    if (e.matched === null) {
      if (m) out.push(`expected no rule to match; ${m.resource.kind} ${m.resource.namespace}/${m.resource.name} rule ${m.ruleName ?? m.rule} matched`);
    } else if (!m) out.push('expected a rule to match; none did');
    else {
      const x = e.matched;
      const ruleOk = x.rule === undefined || x.rule === m.rule || x.rule === m.ruleName || String(x.rule) === String(m.rule);
      if ((x.kind && x.kind !== m.resource.kind) || (x.namespace && x.namespace !== m.resource.namespace) || (x.name && x.name !== m.resource.name) || !ruleOk) {
        out.push(`expected match ${[x.kind, x.namespace && x.name ? `${x.namespace}/${x.name}` : x.name, x.rule !== undefined ? `rule ${x.rule}` : ''].filter(Boolean).join(' ')}; got ${m.resource.kind} ${m.resource.namespace}/${m.resource.name} rule ${m.ruleName ?? m.rule}`);
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
