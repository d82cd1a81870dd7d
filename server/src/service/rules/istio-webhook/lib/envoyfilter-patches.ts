import type { PathSeg } from '../../../model';
import { isObj, str, type Resource } from '../../../workspace';
import type { Rule } from '../../types';

export interface PatchOp {
  path: PathSeg[];
  applyTo: string;
  operation: string;
}

/** The config patches of an EnvoyFilter, in order, up to the first one without a `patch` (istioctl stops there too). */
export function patches(res: Resource): PatchOp[] {
  const out: PatchOp[] = [];
  const list = Array.isArray(res.spec.configPatches) ? res.spec.configPatches : [];
  for (let i = 0; i < list.length; i++) {
    const cp = list[i];
    if (!isObj(cp)) continue;
    if (!isObj(cp.patch)) break;
    out.push({ path: ['spec', 'configPatches', i], applyTo: str(cp.applyTo) ?? '', operation: str(cp.patch.operation) ?? '' });
  }
  return out;
}

export const ROUTE_OBJECTS = new Set(['ROUTE_CONFIGURATION', 'HTTP_ROUTE']);
export const FILTERS = new Set(['HTTP_FILTER', 'NETWORK_FILTER']);

/** Does this operation depend on what other patches (or istiod) put in the list before it? */
export function isRelative(p: PatchOp): boolean {
  switch (p.operation) {
    case 'INSERT_BEFORE':
    case 'INSERT_AFTER':
    case 'MERGE':
      return true;
    case 'REMOVE':
      return !ROUTE_OBJECTS.has(p.applyTo);
    case 'REPLACE':
      return FILTERS.has(p.applyTo);
    default:
      return false;
  }
}


/** An error rule for one operation that istiod ignores with some applyTo values. */
export function opRule(id: string, code: string, op: string, bad: (applyTo: string) => boolean, message: (applyTo: string) => string, doc: Rule['doc']): Rule {
  return {
    id,
    code,
    severity: 'error',
    kinds: ['networking.istio.io/EnvoyFilter'],
    doc,
    check(ctx, res) {
      for (const p of patches(res)) {
        if (p.operation === op && bad(p.applyTo)) ctx.report(res, { path: [...p.path, 'patch', 'operation'], on: 'value', message: message(p.applyTo) });
      }
    },
  };
}
