import type { PathSeg } from '../../model';
import { isObj, objs, str, type Obj, type Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Finding, Rule, RuleContext } from '../types';
import { GK, linkerdReadsRoute, regexError } from './util';

function regexFinding(value: unknown, path: PathSeg[], what: string): Finding | undefined {
  const v = str(value);
  if (v === undefined) return undefined;
  const err = regexError(v);
  return err ? { path, on: 'value', message: `${what} "${v}" is not a valid regular expression: ${err}.` } : undefined;
}

export const routeMatchInvalid: Rule = {
  id: 'linkerd/route-match-invalid',
  severity: 'error',
  kinds: [GK.policyHttpRoute, GK.gatewayHttpRoute, GK.grpcRoute],
  doc: {
    summary: 'A route read by Linkerd (policy.linkerd.io or Gateway API HTTPRoute, GRPCRoute) has a relative path, a regular expression that does not compile, a gRPC method regex, a redirect with a relative path, an ExtensionRef filter, or a header value Linkerd cannot send.',
    why: "Linkerd's policy admission webhook rejects the whole route, so none of its rules (and none of the authorizations attached to it) apply.",
    fix: 'Start Exact/PathPrefix paths and redirect paths with "/"; fix the regex (RE2 syntax); match gRPC methods exactly; give a redirect path the field its type names; drop ExtensionRef filters; keep header values to visible ASCII.',
  },
  check(ctx: RuleContext, res: Resource) {
    if (!linkerdReadsRoute(ctx.index, res)) return;
    const linkerdCrd = res.gk === GK.policyHttpRoute; // no CEL rules in this CRD: check what Gateway API CEL checks elsewhere
    const out: Finding[] = [];
    objs(res.spec.rules).forEach((rule, i) => {
      objs(rule.matches).forEach((m, j) => {
        const base: PathSeg[] = ['spec', 'rules', i, 'matches', j];
        if (res.gk === GK.grpcRoute) {
          const method = m.method;
          if (isObj(method) && str(method.type) === 'RegularExpression') {
            out.push({ path: [...base, 'method', 'type'], on: 'value', message: 'Linkerd does not support RegularExpression gRPC method matches; match the service and method exactly.' });
          }
        } else if (isObj(m.path)) {
          const type = str(m.path.type) ?? 'PathPrefix';
          const value = str(m.path.value);
          if (type === 'RegularExpression') {
            const f = regexFinding(value, [...base, 'path', 'value'], 'Path regex');
            if (f) out.push(f);
          } else if (linkerdCrd && value !== undefined && !value.startsWith('/') && (type === 'Exact' || type === 'PathPrefix')) {
            const fix = replaceValue(res, [...base, 'path', 'value'], `/${value}`, `Change to /${value}`);
            out.push({ path: [...base, 'path', 'value'], on: 'value', message: `Path "${value}" must be absolute (start with "/").`, fixes: fix ? [fix] : undefined });
          }
        }
        objs(m.headers).forEach((h, k) => {
          if (str(h.type) !== 'RegularExpression') return;
          const f = regexFinding(h.value, [...base, 'headers', k, 'value'], `Header "${str(h.name) ?? ''}" regex`);
          if (f) out.push(f);
        });
        objs(m.queryParams).forEach((q, k) => {
          if (str(q.type) !== 'RegularExpression') return;
          const f = regexFinding(q.value, [...base, 'queryParams', k, 'value'], `Query parameter "${str(q.name) ?? ''}" regex`);
          if (f) out.push(f);
        });
      });
      // Linkerd's validator checks the filters of its own and of Gateway API HTTPRoutes alike (and the header
      // modifiers of GRPCRoutes); what the Gateway API CRD's CEL rules already check is left to them
      objs(rule.filters).forEach((f, j) => out.push(...filterProblems(res, f, ['spec', 'rules', i, 'filters', j], linkerdCrd)));
    });
    for (const f of out) ctx.report(res, f);
  },
};

const FILTER_FIELDS: Record<string, string> = { RequestHeaderModifier: 'requestHeaderModifier', ResponseHeaderModifier: 'responseHeaderModifier', RequestRedirect: 'requestRedirect' };

/** Why Linkerd (the `http` crate's HeaderValue) cannot use a header value: only visible ASCII and tabs. */
function headerValueProblem(v: string): string | undefined {
  for (const ch of v) {
    const c = ch.codePointAt(0)!;
    if (c === 9 || (c >= 32 && c < 127)) continue;
    return c < 32 || c === 127 ? `a control character (U+${c.toString(16).toUpperCase().padStart(4, '0')})` : `"${ch}", which is not ASCII`;
  }
  return undefined;
}

function headerModifierProblems(mod: Obj, base: PathSeg[]): Finding[] {
  const out: Finding[] = [];
  for (const list of ['set', 'add'] as const) {
    objs(mod[list]).forEach((h, k) => {
      const v = str(h.value);
      const why = v === undefined ? undefined : headerValueProblem(v);
      if (why) out.push({ path: [...base, list, k, 'value'], on: 'value', message: `Header "${str(h.name) ?? ''}": Linkerd rejects a header value with ${why}; use visible ASCII only.` });
    });
  }
  return out;
}

/**
 * Linkerd's checks of one route filter. `ownCrd`: a policy.linkerd.io route, whose CRD has no CEL rules, so the
 * shape checks that the Gateway API CRD makes with CEL (a filter's block, a redirect path's field) are made here.
 */
function filterProblems(res: Resource, f: Obj, base: PathSeg[], ownCrd: boolean): Finding[] {
  const type = str(f.type);
  if (!type) return [];
  if (type === 'ExtensionRef' && res.gk === GK.gatewayHttpRoute) {
    return [{ path: [...base, 'type'], on: 'value', message: 'Linkerd does not support ExtensionRef filters: its policy webhook rejects the whole route. Remove the filter or use a built-in one.' }];
  }
  const field = FILTER_FIELDS[type];
  if (!field) return [];
  if (!isObj(f[field])) return ownCrd ? [{ path: [...base, 'type'], on: 'value', message: `A ${type} filter needs a \`${field}\` block.` }] : [];
  if (type !== 'RequestRedirect') return headerModifierProblems(f[field] as Obj, [...base, field]);
  if (res.gk === GK.grpcRoute) return [];
  const path = (f.requestRedirect as Obj).path;
  if (!isObj(path)) return [];
  const pt = str(path.type);
  const key = pt === 'ReplaceFullPath' ? 'replaceFullPath' : pt === 'ReplacePrefixMatch' ? 'replacePrefixMatch' : undefined;
  if (!key) return [];
  const pbase = [...base, 'requestRedirect', 'path'];
  const v = str(path[key]);
  if (v === undefined) return ownCrd ? [{ path: [...pbase, 'type'], on: 'value', message: `A ${pt} redirect needs \`${key}\`.` }] : [];
  if (!v.startsWith('/')) {
    const fix = replaceValue(res, [...pbase, key], `/${v}`, `Change to /${v}`);
    return [{ path: [...pbase, key], on: 'value', message: `Redirect path "${v}" must be absolute (start with "/").`, fixes: fix ? [fix] : undefined }];
  }
  return [];
}
