import { CLUSTER_DOMAIN, hostMatches, istioHost, strings, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { GK, indexed, indexedStrings, lc } from './util';

export const sidecarEgressHostNotFound: Rule = {
  id: 'kiali/sidecar-egress-host-not-found',
  code: 'KIA1004',
  severity: 'warning',
  kinds: [GK.sidecar],
  needsWorkspace: [GK.svc],
  doc: {
    summary: 'A Sidecar egress host `namespace/host` matches no Service, ServiceEntry or VirtualService of that namespace.',
    why: 'The Sidecar only imports the listed hosts into the proxy; a host with no registry entry imports nothing, so the workload cannot reach the service it meant to (typo, wrong namespace, or a ServiceEntry is missing). Only reported when the workspace holds Services of the namespace named (and ServiceEntries, for external hosts).',
    fix: 'Correct the namespace or host, or add the missing Service or ServiceEntry. Hosts should be fully qualified (`reviews.shop.svc.cluster.local`).',
  },
  check(ctx: RuleContext, res: Resource) {
    const idx = ctx.index;
    const servicesIn = (ns: string) => idx.of(GK.svc).some((s) => s.namespace === ns);
    for (const [egress, i] of indexed(res.spec.egress)) {
      for (const [host, j] of indexedStrings(egress.hosts)) {
        const slash = host.indexOf('/');
        if (slash < 0) continue;
        let ns = host.slice(0, slash);
        const dns = host.slice(slash + 1);
        if (!dns || dns.includes('*') || ns === '~') continue;
        if (ns === '.') ns = res.namespace;
        const fqdn = lc(istioHost(dns, ns === '*' ? res.namespace : ns));
        const inScope = (r: Resource) => ns === '*' || r.namespace === ns;
        // can the workspace tell?
        const m = new RegExp(`^[^.]+\\.([^.]+)\\.${CLUSTER_DOMAIN.replace(/\./g, '\\.')}$`).exec(fqdn);
        if (ns !== '*') {
          if (!servicesIn(ns)) continue;
        } else if (m ? !servicesIn(m[1]) : !idx.of(GK.se).length) continue;
        const svc = idx.kubeServices().get(fqdn);
        if (svc && inScope(svc.res)) continue;
        if (idx.serviceEntryHosts().some((e) => inScope(e.res) && hostMatches(lc(istioHost(e.host, e.res.namespace)), fqdn))) continue;
        if (idx.of(GK.vs).some((v) => inScope(v) && strings(v.spec.hosts).some((h) => hostMatches(lc(istioHost(h, v.namespace)), fqdn)))) continue;
        ctx.report(res, {
          path: ['spec', 'egress', i, 'hosts', j],
          on: 'value',
          message: `Egress host ${host} matches no Service, ServiceEntry or VirtualService ${ns === '*' ? 'in any namespace' : `in namespace ${ns}`} (looked for ${fqdn}).`,
        });
      }
    }
  },
};
