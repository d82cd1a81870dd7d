import { arr, get, isObj, num, obj, str, type Obj, type Resource, type WorkspaceIndex } from '../../workspace';
import { setField } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { fullName, GK, listText } from './util';

/** Operations whose effect depends on what other filters did before (istioctl's list). */
function isRelative(patch: Obj): boolean {
  const op = str(get(patch, 'patch', 'operation'));
  const applyTo = str(patch.applyTo);
  switch (op) {
    case 'INSERT_BEFORE':
    case 'INSERT_AFTER':
      return true;
    case 'REMOVE':
      return applyTo !== 'ROUTE_CONFIGURATION' && applyTo !== 'HTTP_ROUTE';
    case 'REPLACE':
      return applyTo === 'HTTP_FILTER' || applyTo === 'NETWORK_FILTER';
    default:
      return false;
  }
}

/** The filter a patch is about: `patch.value.name`, else the listener filter it matches. */
function filterName(patch: Obj): string | undefined {
  const value = get(patch, 'patch', 'value');
  const name = isObj(value) ? str(value.name) : undefined;
  return name || str(get(patch, 'match', 'listener', 'filterChain', 'filter', 'name')) || undefined;
}

function proxyVersion(patch: Obj): string | undefined {
  return str(get(patch, 'match', 'proxy', 'proxyVersion')) || undefined;
}

/**
 * The relative patches of an EnvoyFilter without priority whose filter another patch targets with a `proxyVersion`
 * match (istioctl reports these as IST0155 instead of IST0151): patch index -> the other EnvoyFilters.
 */
export function relativeOpsWithProxyVersion(index: WorkspaceIndex, res: Resource): Map<number, string[]> {
  const out = new Map<number, string[]>();
  if ((num(res.spec.priority) ?? 0) !== 0) return out;
  // filter name -> patches (other than this one) that target it with a proxyVersion match
  const versioned = new Map<string, Array<{ key: string; name: string }>>();
  for (const ef of index.of(GK.envoyFilter)) {
    arr(ef.spec.configPatches).forEach((p, i) => {
      if (!isObj(p) || !proxyVersion(p)) return;
      const name = filterName(p);
      if (!name) return;
      const list = versioned.get(name) ?? [];
      list.push({ key: `${ef.uri}#${ef.startLine}#${i}`, name: fullName(ef) });
      versioned.set(name, list);
    });
  }
  if (!versioned.size) return out;
  arr(res.spec.configPatches).forEach((p, i) => {
    if (!isObj(p) || !isRelative(p)) return;
    const name = filterName(p);
    if (!name) return;
    const self = `${res.uri}#${res.startLine}#${i}`;
    const others = [...new Set((versioned.get(name) ?? []).filter((x) => x.key !== self).map((x) => x.name))].sort();
    if (others.length) out.set(i, others);
  });
  return out;
}

export const envoyFilterRelativeOpProxyVersion: Rule = {
  id: 'istio/envoyfilter-relative-op-proxy-version',
  code: 'IST0155',
  severity: 'warning',
  kinds: [GK.envoyFilter],
  needsWorkspace: [GK.envoyFilter],
  doc: {
    summary: 'An EnvoyFilter without `priority` uses a relative patch operation (INSERT_BEFORE/INSERT_AFTER, REPLACE or REMOVE of a filter) on a filter that another patch targets with a `proxyVersion` match.',
    why: 'Version-specific EnvoyFilters coexist during an upgrade; without a priority the order in which they apply is not defined, so the relative operation may find its anchor missing and the EnvoyFilter is not applied on some proxies.',
    fix: 'Set `spec.priority` to order the EnvoyFilters explicitly, or use an absolute operation (INSERT_FIRST, ADD).',
  },
  check(ctx: RuleContext, res: Resource) {
    for (const [i, others] of relativeOpsWithProxyVersion(ctx.index, res)) {
      const p = obj(arr(res.spec.configPatches)[i]);
      const fix = setField(res, ['spec'], 'priority', '10', 'Set spec.priority: 10');
      ctx.report(res, {
        path: ['spec', 'configPatches', i, 'patch', 'operation'],
        on: 'value',
        message: `Relative operation ${str(get(p, 'patch', 'operation'))} on filter "${filterName(p)}" without a priority, while EnvoyFilter ${listText(others)} patches that filter for a specific proxyVersion: during an upgrade the order is undefined and this patch may not apply. Set spec.priority.`,
        fixes: fix ? [fix] : undefined,
      });
    }
  },
};
