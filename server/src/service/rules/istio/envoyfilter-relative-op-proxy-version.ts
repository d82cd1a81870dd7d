import { arr, get, isObj, num, str, type Obj, type Resource } from '../../workspace';
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
    if ((num(res.spec.priority) ?? 0) !== 0) return;
    // filter name -> EnvoyFilters (other patches) that target it with a proxyVersion match
    const versioned = new Map<string, Set<string>>();
    for (const ef of ctx.index.of(GK.envoyFilter)) {
      arr(ef.spec.configPatches).forEach((p, i) => {
        if (!isObj(p) || !proxyVersion(p)) return;
        const name = filterName(p);
        if (!name) return;
        const set = versioned.get(name) ?? new Set<string>();
        set.add(`${ef.uri}#${ef.startLine}#${i}\u0000${fullName(ef)}`);
        versioned.set(name, set);
      });
    }
    if (!versioned.size) return;
    arr(res.spec.configPatches).forEach((p, i) => {
      if (!isObj(p) || !isRelative(p)) return;
      const name = filterName(p);
      if (!name) return;
      const self = `${res.uri}#${res.startLine}#${i}`;
      const others = [...(versioned.get(name) ?? [])].filter((k) => !k.startsWith(self + '\u0000')).map((k) => k.split('\u0000')[1]);
      if (!others.length) return;
      const fix = setField(res, ['spec'], 'priority', '10', 'Set spec.priority: 10');
      ctx.report(res, {
        path: ['spec', 'configPatches', i, 'patch', 'operation'],
        on: 'value',
        message: `Relative operation ${str(get(p, 'patch', 'operation'))} on filter "${name}" without a priority, while EnvoyFilter ${listText([...new Set(others)].sort())} patches that filter for a specific proxyVersion: during an upgrade the order is undefined and this patch may not apply. Set spec.priority.`,
        fixes: fix ? [fix] : undefined,
      });
    });
  },
};
