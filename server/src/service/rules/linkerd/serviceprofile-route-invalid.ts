import type { PathSeg } from '../../model';
import { isObj, num, str, type Resource } from '../../workspace';
import type { Finding, Rule, RuleContext } from '../types';
import { GK, goDurationMs, regexError } from './util';

const REQUEST_FIELDS = ['all', 'any', 'method', 'not', 'pathRegex'];
const RESPONSE_FIELDS = ['all', 'any', 'not', 'status'];

/** Linkerd's checks on a request match tree (condition), depth-limited against hostile input. */
function requestMatch(v: unknown, path: PathSeg[], out: Finding[], depth = 0): void {
  if (depth > 32) return;
  if (!isObj(v)) {
    out.push({ path, on: 'value', message: v === null ? 'A request match may not be null.' : 'A request match must be a mapping.' });
    return;
  }
  const unknown = depth > 0 ? Object.keys(v).filter((k) => !REQUEST_FIELDS.includes(k)) : [];
  for (const k of unknown) out.push({ path: [...path, k], message: `Unknown request match field "${k}": use ${REQUEST_FIELDS.join(', ')}.` });
  if (unknown.length) return;
  const set = REQUEST_FIELDS.filter((k) => v[k] !== undefined && v[k] !== null && v[k] !== '');
  if (!set.length) {
    out.push({ path, on: 'value', message: `A request match must set at least one of ${REQUEST_FIELDS.join(', ')}.` });
    return;
  }
  for (const k of ['all', 'any'] as const) {
    if (Array.isArray(v[k])) (v[k] as unknown[]).forEach((c, i) => requestMatch(c, [...path, k, i], out, depth + 1));
  }
  if (Array.isArray(v.not)) (v.not as unknown[]).forEach((c, i) => requestMatch(c, [...path, 'not', i], out, depth + 1));
  else if (v.not !== undefined && v.not !== null) requestMatch(v.not, [...path, 'not'], out, depth + 1);
  const re = str(v.pathRegex);
  if (re !== undefined && re !== '') {
    const err = regexError(re);
    if (err) out.push({ path: [...path, 'pathRegex'], on: 'value', message: `pathRegex "${re}" is not a valid regular expression: ${err}.` });
  }
}

function responseMatch(v: unknown, path: PathSeg[], out: Finding[], depth = 0): void {
  if (depth > 32) return;
  if (!isObj(v)) {
    out.push({ path, on: 'value', message: v === null ? 'A response match may not be null.' : 'A response match must be a mapping.' });
    return;
  }
  const unknown = depth > 0 ? Object.keys(v).filter((k) => !RESPONSE_FIELDS.includes(k)) : [];
  for (const k of unknown) out.push({ path: [...path, k], message: `Unknown response match field "${k}": use ${RESPONSE_FIELDS.join(', ')}.` });
  if (unknown.length) return;
  const set = RESPONSE_FIELDS.filter((k) => v[k] !== undefined && v[k] !== null);
  if (!set.length) {
    out.push({ path, on: 'value', message: `A response match must set at least one of ${RESPONSE_FIELDS.join(', ')}.` });
    return;
  }
  for (const k of ['all', 'any'] as const) {
    if (Array.isArray(v[k])) (v[k] as unknown[]).forEach((c, i) => responseMatch(c, [...path, k, i], out, depth + 1));
  }
  if (Array.isArray(v.not)) (v.not as unknown[]).forEach((c, i) => responseMatch(c, [...path, 'not', i], out, depth + 1));
  else if (v.not !== undefined && v.not !== null) responseMatch(v.not, [...path, 'not'], out, depth + 1);
  if (isObj(v.status)) {
    const min = num(v.status.min) ?? 0;
    const max = num(v.status.max) ?? 0;
    if (min !== 0 && (min < 100 || min > 599)) out.push({ path: [...path, 'status', 'min'], on: 'value', message: `Status minimum ${min} must be between 100 and 599.` });
    else if (max !== 0 && (max < 100 || max > 599)) out.push({ path: [...path, 'status', 'max'], on: 'value', message: `Status maximum ${max} must be between 100 and 599.` });
    else if (min !== 0 && max !== 0 && max < min) out.push({ path: [...path, 'status', 'max'], on: 'value', message: `Status maximum ${max} is smaller than the minimum ${min}.` });
  }
}

export const serviceProfileRouteInvalid: Rule = {
  id: 'linkerd/serviceprofile-route-invalid',
  severity: 'error',
  kinds: [GK.serviceProfile],
  doc: {
    summary: 'A ServiceProfile route is null, unnamed, has a timeout that is not a duration, an empty or malformed condition, a pathRegex that does not compile, or a response class with an empty condition or a bad status range.',
    why: "Linkerd's sp-validator webhook rejects the profile (and a pathRegex that does not compile never matches), so none of its routes, retries or timeouts apply.",
    fix: 'Give every route a name and a condition with at least one of method/pathRegex/all/any/not; write timeouts like 300ms; keep status ranges within 100-599 with min ≤ max.',
  },
  check(ctx: RuleContext, res: Resource) {
    const routes = res.spec.routes;
    if (!Array.isArray(routes)) return;
    const out: Finding[] = [];
    routes.forEach((route: unknown, i) => {
      const base: PathSeg[] = ['spec', 'routes', i];
      if (!isObj(route)) {
        if (route === null) out.push({ path: base, message: 'A route may not be null.' });
        return;
      }
      if (route.name !== undefined && (str(route.name) ?? '') === '') out.push({ path: [...base, 'name'], on: 'value', message: 'Every route needs a non-empty name.' });
      const timeout = str(route.timeout);
      if (timeout !== undefined && timeout !== '' && goDurationMs(timeout) === undefined) {
        out.push({ path: [...base, 'timeout'], on: 'value', message: `Timeout "${timeout}" is not a duration (for example 300ms, 2s, 1m).` });
      }
      if (route.condition !== undefined) requestMatch(route.condition, [...base, 'condition'], out);
      if (Array.isArray(route.responseClasses)) {
        (route.responseClasses as unknown[]).forEach((rc, j) => {
          const rcPath = [...base, 'responseClasses', j];
          if (!isObj(rc)) {
            if (rc === null) out.push({ path: rcPath, message: 'A response class may not be null.' });
            return;
          }
          if (rc.condition !== undefined) responseMatch(rc.condition, [...rcPath, 'condition'], out);
        });
      }
    });
    for (const f of out) ctx.report(res, f);
  },
};

export const serviceProfileRetryBudgetInvalid: Rule = {
  id: 'linkerd/serviceprofile-retry-budget-invalid',
  severity: 'error',
  kinds: [GK.serviceProfile],
  doc: {
    summary: 'A ServiceProfile retryBudget has a negative retryRatio or a ttl that is not a duration.',
    why: "Linkerd's sp-validator webhook rejects the profile, so neither the budget nor the profile's routes apply.",
    fix: 'Use a retryRatio of 0 or more (0.2 = 20% extra load) and a ttl such as 10s.',
  },
  check(ctx: RuleContext, res: Resource) {
    const rb = res.spec.retryBudget;
    if (!isObj(rb)) return;
    const ratio = typeof rb.retryRatio === 'number' ? rb.retryRatio : typeof rb.retryRatio === 'string' ? Number(rb.retryRatio) : undefined;
    if (ratio !== undefined && !Number.isNaN(ratio) && ratio < 0) {
      ctx.report(res, { path: ['spec', 'retryBudget', 'retryRatio'], on: 'value', message: `retryRatio must not be negative (is ${ratio}).` });
    }
    const ttl = str(rb.ttl);
    if (ttl !== undefined && goDurationMs(ttl) === undefined) {
      ctx.report(res, { path: ['spec', 'retryBudget', 'ttl'], on: 'value', message: `ttl "${ttl}" is not a duration (for example 10s).` });
    }
  },
};
