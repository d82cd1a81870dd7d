import type { PathSeg } from '../../model';
import { arr, isObj, num, str, strings, type Obj, type Resource } from '../../workspace';
import { canonical, withoutKey } from './util';

/**
 * Which VirtualService rules can never be reached and which matches never apply, as istiod's validation computes
 * them (`analyzeUnreachableHTTPRules`), with the overlap check made exact: a later match is shadowed when every
 * request it matches is also matched by an earlier rule's match.
 */

export interface Unreachable {
  section: 'http' | 'tcp' | 'tls';
  rule: number;
  /** `"name" (#i)` or `#i`. */
  label: string;
  path: PathSeg[];
  reason: string;
}

export interface Ineffective {
  section: 'http' | 'tcp' | 'tls';
  rule: number;
  label: string;
  match: number;
  path: PathSeg[];
  /** The earlier rule whose match covers this one. */
  by: string;
  identical: boolean;
}

function ruleName(route: Obj, i: number): string {
  const n = str(route.name);
  return n ? `"${n}"` : `#${i}`;
}

/** Does every string a StringMatch `b` accepts also satisfy `a`? (`{}` is "present"; regex only by identity or `.*`.) */
function stringMatchImplies(a: unknown, b: unknown, ignoreCaseA = false): boolean {
  if (!isObj(a)) return canonical(a) === canonical(b);
  if (!isObj(b)) return false;
  const keys = Object.keys(a).filter((k) => a[k] !== undefined && a[k] !== null);
  if (!keys.length) return true;
  const norm = (s: string | undefined): string | undefined => (s === undefined ? undefined : ignoreCaseA ? s.toLowerCase() : s);
  const bExact = norm(str(b.exact));
  const bPrefix = norm(str(b.prefix));
  if (keys.length === 1 && keys[0] === 'exact') return str(a.exact) !== undefined && bExact === norm(str(a.exact));
  if (keys.length === 1 && keys[0] === 'prefix') {
    const p = norm(str(a.prefix));
    if (p === undefined) return false;
    return (bExact !== undefined && bExact.startsWith(p)) || (bPrefix !== undefined && bPrefix.startsWith(p));
  }
  if (keys.length === 1 && keys[0] === 'regex') {
    const r = str(a.regex);
    if (r === '.*') return true;
    return r !== undefined && str(b.regex) === r;
  }
  return canonical(a) === canonical(b);
}

function mapImplies(a: unknown, b: unknown, lowerKeys: boolean): boolean {
  if (!isObj(a)) return canonical(a) === canonical(b);
  const bm: Obj = {};
  if (isObj(b)) for (const [k, v] of Object.entries(b)) bm[lowerKeys ? k.toLowerCase() : k] = v;
  for (const [k, v] of Object.entries(a)) {
    const key = lowerKeys ? k.toLowerCase() : k;
    if (!(key in bm) || !stringMatchImplies(v, bm[key])) return false;
  }
  return true;
}

/** Does HTTP match `a` accept every request HTTP match `b` accepts? */
export function httpMatchCovers(a: Obj, b: Obj): boolean {
  const ignoreA = a.ignoreUriCase === true;
  if (b.ignoreUriCase === true && !ignoreA && a.uri !== undefined) return false;
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined || v === null) continue;
    switch (k) {
      case 'name':
      case 'statPrefix':
      case 'ignoreUriCase':
        break;
      case 'uri':
        if (b.uri === undefined || !stringMatchImplies(v, b.uri, ignoreA)) return false;
        break;
      case 'scheme':
      case 'method':
      case 'authority':
        if (b[k] === undefined || !stringMatchImplies(v, b[k])) return false;
        break;
      case 'headers':
        if (!mapImplies(v, b.headers, true)) return false;
        break;
      case 'queryParams':
        if (!mapImplies(v, b.queryParams, false)) return false;
        break;
      case 'sourceLabels': {
        if (!isObj(v)) return false;
        const bl = isObj(b.sourceLabels) ? b.sourceLabels : {};
        if (!Object.entries(v).every(([lk, lv]) => canonical(bl[lk]) === canonical(lv))) return false;
        break;
      }
      case 'gateways': {
        const ag = strings(v);
        const bg = strings(b.gateways);
        if (ag.length && (!bg.length || !bg.every((g) => ag.includes(g)))) return false;
        break;
      }
      case 'port':
        if (num(v) !== num(b.port)) return false;
        break;
      default:
        if (canonical(v) !== canonical(b[k])) return false;
    }
  }
  return true;
}

export function analyzeRoutes(res: Resource): { unreachable: Unreachable[]; ineffective: Ineffective[] } {
  const unreachable: Unreachable[] = [];
  const ineffective: Ineffective[] = [];
  for (const section of ['http', 'tcp', 'tls'] as const) {
    const routes = arr(res.spec[section]);
    let catchAll = -1;
    const earlier: Array<{ rule: number; match: Obj; json: string }> = [];
    routes.forEach((route, i) => {
      if (!isObj(route)) return;
      // a malformed `match` (schema error) says nothing about which requests the rule takes
      if (route.match !== undefined && route.match !== null && !Array.isArray(route.match)) return;
      const matches = arr(route.match);
      const path: PathSeg[] = ['spec', section, i];
      const label = str(route.name) ? `"${str(route.name)}" (#${i})` : `#${i}`;
      if (!matches.length) {
        if (catchAll >= 0) {
          unreachable.push({ section, rule: i, label, path, reason: `rule ${ruleName(routes[catchAll] as Obj, catchAll)} before it has no match conditions and takes every request` });
        } else catchAll = i;
        return;
      }
      if (catchAll >= 0) {
        unreachable.push({ section, rule: i, label, path, reason: `rule ${ruleName(routes[catchAll] as Obj, catchAll)} before it has no match conditions and takes every request` });
        return;
      }
      const covered: Array<Ineffective | undefined> = [];
      const mine: Array<{ rule: number; match: Obj; json: string }> = [];
      matches.forEach((m, j) => {
        if (!isObj(m)) {
          covered.push(undefined);
          return;
        }
        const json = canonical(section === 'http' ? withoutKey(m, 'name') : m);
        mine.push({ rule: i, match: m, json });
        const dup = earlier.find((e) => e.json === json);
        const cover = dup ?? (section === 'http' ? earlier.find((e) => httpMatchCovers(e.match, m)) : undefined);
        covered.push(
          cover ? { section, rule: i, label, match: j, path: [...path, 'match', j], by: ruleName(routes[cover.rule] as Obj, cover.rule), identical: !!dup } : undefined,
        );
      });
      earlier.push(...mine);
      if (covered.every((c) => c)) {
        const by = [...new Set(covered.map((c) => c!.by))];
        const identical = covered.every((c) => c!.identical);
        unreachable.push({
          section,
          rule: i,
          label,
          path,
          reason: `${identical ? 'all its matches repeat' : 'every request it matches is already matched by'} ${by.length > 1 ? 'rules' : 'rule'} ${by.join(', ')}`,
        });
      } else {
        for (const c of covered) if (c) ineffective.push(c);
      }
    });
  }
  return { unreachable, ineffective };
}

/** Cached per resource: both rules read the same analysis. */
const cache = new WeakMap<object, ReturnType<typeof analyzeRoutes>>();
export function routeCoverage(res: Resource): ReturnType<typeof analyzeRoutes> {
  let out = cache.get(res.obj);
  if (!out) cache.set(res.obj, (out = analyzeRoutes(res)));
  return out;
}
