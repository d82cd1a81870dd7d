import type { Resource } from '../../workspace';
import { objs } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { GK, linkerdDurationMs, linkerdReadsRoute, parentIsEgressNetwork, parentIsService, ROUTE_KINDS } from './util';

const GRPC_CONDITIONS = ['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable'];

function code(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n >= 100 && n < 600 ? n : undefined;
}

/** Why a `retry.linkerd.io/http` value does not parse, or undefined. */
export function httpRetryProblem(v: string): string | undefined {
  for (const cond of v.split(',')) {
    const c = cond.toLowerCase();
    if (c === '5xx' || c === 'gateway-error' || code(cond) !== undefined) continue;
    const dash = cond.indexOf('-');
    if (dash > 0) {
      const a = code(cond.slice(0, dash));
      const b = code(cond.slice(dash + 1));
      if (a !== undefined && b !== undefined && a <= b) continue;
    }
    return `"${cond}" is not a retry condition: use 5xx, gateway-error, a status code 100-599 or a range such as 500-504 (comma-separated, no spaces)`;
  }
  return undefined;
}

function durationProblem(v: string): string | undefined {
  return linkerdDurationMs(v) === undefined ? `"${v}" is not a duration: write an integer followed by ms, s, m, h or d (for example 500ms)` : undefined;
}

export const routeAnnotationInvalid: Rule = {
  id: 'linkerd/route-annotation-invalid',
  severity: 'error',
  kinds: ROUTE_KINDS,
  doc: {
    summary: 'A retry.linkerd.io/*, timeout.linkerd.io/* or balancer.linkerd.io/failure-accrual* annotation on a Service or EgressNetwork route does not parse.',
    why: "Linkerd's policy admission webhook rejects the route when these annotations cannot be read, so neither the route nor its retries and timeouts apply.",
    fix: 'retry.linkerd.io/http: 5xx, gateway-error, codes or ranges (comma-separated); retry.linkerd.io/grpc: cancelled, deadline-exceeded, internal, resource-exhausted, unavailable; retry.linkerd.io/limit: an integer; timeouts: an integer with ms, s, m, h or d.',
  },
  check(ctx: RuleContext, res: Resource) {
    if (!linkerdReadsRoute(ctx.index, res)) return;
    if (!objs(res.spec.parentRefs).some((p) => parentIsService(res, p) || parentIsEgressNetwork(res, p))) return;
    const grpc = res.gk === GK.grpcRoute;
    for (const [key, value] of Object.entries(res.annotations)) {
      let why: string | undefined;
      switch (key) {
        case 'retry.linkerd.io/http':
          if (!grpc) why = httpRetryProblem(value);
          break;
        case 'retry.linkerd.io/grpc':
          if (grpc) {
            const bad = value.split(',').find((c) => !GRPC_CONDITIONS.includes(c.toLowerCase()));
            if (bad !== undefined) why = `"${bad}" is not a gRPC retry condition: use ${GRPC_CONDITIONS.join(', ')} (comma-separated, no spaces)`;
          }
          break;
        case 'retry.linkerd.io/limit':
          if (!/^\d+$/.test(value) || Number(value) > 65535) why = `"${value}" is not a retry limit: write a whole number (0-65535)`;
          break;
        case 'retry.linkerd.io/timeout':
        case 'timeout.linkerd.io/request':
        case 'timeout.linkerd.io/response':
        case 'timeout.linkerd.io/idle':
        case 'balancer.linkerd.io/failure-accrual-consecutive-max-penalty':
        case 'balancer.linkerd.io/failure-accrual-consecutive-min-penalty':
          why = durationProblem(value);
          break;
        case 'balancer.linkerd.io/failure-accrual':
          if (value !== 'consecutive') why = `"${value}" is not a failure accrual mode: the only mode is "consecutive"`;
          break;
        case 'balancer.linkerd.io/failure-accrual-consecutive-max-failures':
          if (!/^\d+$/.test(value) || Number(value) > 4294967295) why = `"${value}" is not a whole number of failures`;
          break;
        case 'balancer.linkerd.io/failure-accrual-consecutive-jitter-ratio': {
          const n = Number(value);
          if (value.trim() === '' || Number.isNaN(n) || n < 0 || n > 100) why = `"${value}" is not a jitter ratio between 0 and 100`;
          break;
        }
        default:
          continue;
      }
      if (why) ctx.report(res, { path: ['metadata', 'annotations', key], on: 'value', message: `Annotation ${key}: ${why}. Linkerd rejects the route.` });
    }
    if (res.annotations['balancer.linkerd.io/failure-accrual'] === 'consecutive') {
      const maxKey = 'balancer.linkerd.io/failure-accrual-consecutive-max-penalty';
      const minKey = 'balancer.linkerd.io/failure-accrual-consecutive-min-penalty';
      const max = res.annotations[maxKey] !== undefined ? linkerdDurationMs(res.annotations[maxKey]) : 60_000;
      const min = res.annotations[minKey] !== undefined ? linkerdDurationMs(res.annotations[minKey]) : 1_000;
      if (max !== undefined && min !== undefined) {
        const key = res.annotations[maxKey] !== undefined ? maxKey : minKey;
        if (max === 0) ctx.report(res, { path: ['metadata', 'annotations', maxKey], on: 'value', message: `Annotation ${maxKey}: the maximum penalty cannot be zero. Linkerd rejects the route.` });
        else if (min > max) ctx.report(res, { path: ['metadata', 'annotations', key], on: 'value', message: `The failure accrual minimum penalty (${res.annotations[minKey] ?? '1s, the default'}) exceeds the maximum penalty (${res.annotations[maxKey] ?? '60s, the default'}). Linkerd rejects the route.` });
      }
    }
  },
};
