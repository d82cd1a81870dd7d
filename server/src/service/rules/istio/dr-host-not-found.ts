import type { Fix } from '../../model';
import { suggest } from '../../text';
import { istioHost, str, strings, type Resource, type WorkspaceIndex } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { explainUnresolvedHost, fullName, GK, knownHostNames, listText, namesOverlap } from './util';
import { namespaceVisible } from './vs-destination-host-not-found';

/** Namespaces from which a DestinationRule looks its host up: its own and those it exports to. */
function lookupNamespaces(res: Resource): string[] {
  const out = [res.namespace];
  for (const e of strings(res.spec.exportTo)) if (e !== '.' && e !== '*' && e !== '~' && !out.includes(e)) out.push(e);
  return out;
}

/** Does the DestinationRule's host resolve, from its namespace or one it exports to? */
export function hostKnown(index: WorkspaceIndex, res: Resource, fqdn: string): boolean {
  if (fqdn.startsWith('*')) {
    // a wildcard rule is meaningful when some known host falls under it
    if ([...index.kubeServices().keys()].some((h) => namesOverlap(fqdn, h))) return true;
    return index.serviceEntryHosts().some((e) => namesOverlap(fqdn, istioHost(e.host, e.res.namespace)));
  }
  const exportsEverywhere = strings(res.spec.exportTo).includes('*');
  for (const ns of lookupNamespaces(res)) {
    const found = index.lookupHost(fqdn, ns);
    if (found.service || found.entries.length) return true;
  }
  // exported everywhere: a ServiceEntry visible to any namespace will do
  return exportsEverywhere && index.serviceEntryHosts().some((e) => e.host === fqdn || istioHost(e.host, e.res.namespace) === fqdn);
}

export const drHostNotFound: Rule = {
  id: 'istio/dr-host-not-found',
  code: 'IST0174',
  alsoCodes: ['KIA0202'],
  severity: 'warning',
  kinds: [GK.dr],
  needsWorkspace: [GK.service, GK.se],
  doc: {
    summary: 'A DestinationRule\u2019s host matches no Service or ServiceEntry in the workspace (visible from its namespace or the namespaces it exports to); this includes partially qualified names such as `name.namespace`, which Istio takes literally.',
    why: 'A DestinationRule only configures the clusters of a known service; for an unknown host its traffic policy and subsets are never applied. Usually a typo, a host in the wrong namespace, or `reviews.shop` written for reviews.shop.svc.cluster.local (Istio completes only names without a dot).',
    fix: 'Use the host of an existing Service: its short name when it is in the DestinationRule\u2019s namespace, else its fully qualified name (reviews.shop.svc.cluster.local); or add a ServiceEntry for an external host.',
  },
  check(ctx: RuleContext, res: Resource) {
    const host = str(res.spec.host);
    if (!host) return;
    const fqdn = istioHost(host, res.namespace);
    if (hostKnown(ctx.index, res, fqdn)) return;
    // a cluster host of a namespace the workspace holds no Service of may well exist in the cluster
    if (!namespaceVisible(ctx, fqdn)) return;
    const path = ['spec', 'host'];
    const why = host.includes('*') ? undefined : explainUnresolvedHost(ctx.index, host, fqdn, res.namespace, 'Host');
    let message: string;
    let replacements: string[];
    if (why) {
      message = `${why.message} This DestinationRule has no effect.`;
      replacements = why.replacements;
    } else {
      const best = host.includes('*') ? undefined : suggest(host, knownHostNames(ctx.index, res.namespace), 1)[0];
      const hidden = ctx.index.serviceEntryHosts().filter((e) => istioHost(e.host, e.res.namespace) === fqdn);
      message = `Host "${host}"${host !== fqdn ? ` (${fqdn})` : ''} matches no Service or ServiceEntry in the workspace visible from namespace ${res.namespace}; this DestinationRule has no effect.${hidden.length ? ` (ServiceEntry ${listText([...new Set(hidden.map((e) => fullName(e.res)))])} defines it but is not exported to ${res.namespace}.)` : ''}${best ? ` Did you mean "${best}"?` : ''}`;
      replacements = best ? [best] : [];
    }
    const fixes = replacements.map((r) => replaceValue(res, path, r, `Change host to ${r}`)).filter((f): f is Fix => !!f);
    if (fixes[0]) fixes[0] = { ...fixes[0], preferred: true };
    ctx.report(res, { path, on: 'value', message, fixes: fixes.length ? fixes : undefined });
  },
};
