import { defineTable, hostsOverlap, objs, istioHost, str, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { GK, MESH_WIDE_HOST, andList, drHost, lc, namespaceWideHost, ref, same } from './util';

/** Mesh-wide (`*.local`) and namespace-wide (`*.<own ns>.svc.cluster.local`) rules are defaults meant to coexist with specific ones. */
function isDefaultRule(res: Resource): boolean {
  const h = drHost(res);
  return h === MESH_WIDE_HOST || h === namespaceWideHost(res.namespace);
}

/** Subset names of a DR; undefined when it defines none (it then applies to every subset). */
function subsetNames(res: Resource): string[] | undefined {
  const names = objs(res.spec.subsets)
    .map((s) => str(s.name))
    .filter((n): n is string => !!n);
  return names.length ? names : undefined;
}

/** Non-default DestinationRules by lower-cased qualified host, the wildcard ones under `*`. */
const DR_BY_HOST = defineTable<Resource>('kiali/dr-by-host', GK.dr, (other) => {
  const oh = drHost(other);
  if (!oh || isDefaultRule(other)) return [];
  const q = lc(istioHost(oh, other.namespace));
  return [[q.includes('*') ? '*' : q, other]];
});

export const drMultipleMatch: Rule = {
  id: 'kiali/dr-multiple-match',
  code: 'KIA0201',
  severity: 'warning',
  kinds: [GK.dr],
  doc: {
    summary: 'More than one DestinationRule applies to the same host and subset.',
    why: 'Istio does not merge DestinationRules across resources for the same host+subset: only one is used and which one is not obvious, so the traffic policy you see may not be the one applied (and editing or deleting one changes behaviour unexpectedly). A DR without subsets collides with every subset of another DR for the same host.',
    fix: 'Merge the rules into one DestinationRule per host, or split the subsets so that no subset is defined twice. Mesh-wide and namespace-wide default rules (`*.local`, `*.<ns>.svc.cluster.local`) are exempt: a more specific rule is meant to replace them.',
  },
  check(ctx: RuleContext, res: Resource) {
    const host = drHost(res);
    if (!host || isDefaultRule(res)) return;
    const fqdn = lc(istioHost(host, res.namespace));
    const mine = subsetNames(res);
    const clashes: string[] = [];
    // candidates: rules for the same qualified host, plus wildcard rules (read by key from a shared table)
    const candidates = fqdn.includes('*')
      ? ctx.index.of(GK.dr).flatMap((other) => (isDefaultRule(other) || !drHost(other) ? [] : [[other, lc(istioHost(drHost(other)!, other.namespace))] as [Resource, string]]))
      : [...ctx.index.lookup(DR_BY_HOST, fqdn), ...ctx.index.lookup(DR_BY_HOST, '*')].map((other) => [other, lc(istioHost(drHost(other)!, other.namespace))] as [Resource, string]);
    for (const [other, ofqdn] of candidates) {
      if (same(other, res)) continue;
      const oh = drHost(other)!;
      if (!hostsOverlap(fqdn, ofqdn)) continue;
      const theirs = subsetNames(other);
      let what: string | undefined;
      if (!mine && !theirs) what = 'all subsets';
      else if (!mine) what = `subsets ${andList(theirs!)} (this rule has no subsets, so it covers them all)`;
      else if (!theirs) what = `all subsets (${ref(other)} has no subsets)`;
      else {
        const common = mine.filter((s) => theirs.includes(s));
        if (common.length) what = `subset${common.length > 1 ? 's' : ''} ${andList(common)}`;
      }
      if (what) clashes.push(`${ref(other)} (host ${oh}) for ${what}`);
    }
    if (!clashes.length) return;
    ctx.report(res, {
      path: ['spec', 'host'],
      on: 'value',
      message: `Host ${host} is also configured by ${andList(clashes)}: only one DestinationRule is applied per host and subset.`,
    });
  },
};
