import type { Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { indexed, indexedStrings } from './util';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE'];
/** A fully-qualified gRPC method: `/package.Service/Method`. */
const GRPC_METHOD = /^(\/[A-Za-z0-9_.]+)+\/[A-Za-z0-9_]+$/;

/** Is `m` a value Istio can match against a request method (exact, `*`, prefix `X*` or suffix `*X`, gRPC path)? */
export function validMethod(m: string): boolean {
  if (HTTP_METHODS.includes(m) || GRPC_METHOD.test(m) || m === '*') return true;
  if (m.endsWith('*') && !m.slice(0, -1).includes('*')) return HTTP_METHODS.some((h) => h.startsWith(m.slice(0, -1)));
  if (m.startsWith('*') && !m.slice(1).includes('*')) return HTTP_METHODS.some((h) => h.endsWith(m.slice(1)));
  return false;
}

export const authzInvalidMethod: Rule = {
  id: 'kiali/authz-invalid-method',
  code: 'KIA0102',
  severity: 'warning',
  kinds: ['security.istio.io/AuthorizationPolicy'],
  doc: {
    summary: 'An AuthorizationPolicy operation lists a method that is neither an HTTP method nor a fully-qualified gRPC method.',
    why: 'Methods are matched exactly (and case-sensitively) against the request method, so a misspelled or lower-case method never matches: an ALLOW rule silently denies the requests it meant to allow, and a DENY rule lets them through.',
    fix: 'Use upper-case HTTP methods (GET, POST, ...), an Istio wildcard (`*`, `GE*`), or a gRPC method as `/package.Service/Method`.',
  },
  check(ctx: RuleContext, res: Resource) {
    for (const [rule, i] of indexed(res.spec.rules)) {
      for (const [to, j] of indexed(rule.to)) {
        const op = to.operation;
        if (!op || typeof op !== 'object' || Array.isArray(op)) continue;
        for (const key of ['methods', 'notMethods'] as const) {
          for (const [m, k] of indexedStrings((op as Record<string, unknown>)[key])) {
            if (validMethod(m)) continue;
            const path = ['spec', 'rules', i, 'to', j, 'operation', key, k];
            const upper = m.trim().toUpperCase();
            const fix = upper !== m && validMethod(upper) ? replaceValue(res, path, upper, `Change to ${upper}`) : undefined;
            ctx.report(res, {
              path,
              on: 'value',
              message: `"${m}" is not an HTTP method or a fully-qualified gRPC method (/package.Service/Method): it never matches a request.${fix ? ` Methods are case-sensitive: use "${upper}".` : ''}`,
              fixes: fix ? [fix] : undefined,
            });
          }
        }
      }
    }
  },
};
