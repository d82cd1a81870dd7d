import type { PathSeg } from '../../model';
import { arr, istioHost, str, type Resource } from '../../workspace';
import { hostKnown } from '../istio/dr-host-not-found';
import { destinationHostUnresolved, namespaceVisible } from '../istio/vs-destination-host-not-found';
import { replaceValue } from '../fixes';
import type { Fix, Rule, RuleContext } from '../types';
import { DR, routeDestinations, VS } from './util';

export const shortHostOtherNamespace: Rule = {
  id: 'practice/short-host-other-namespace',
  severity: 'warning',
  kinds: [VS, DR],
  needsWorkspace: ['/Service'],
  doc: {
    summary: 'A VirtualService or DestinationRule names a host by its short name, no Service of that name exists in the resource\'s namespace, but one exists in another namespace. Where istio/vs-destination-host-not-found (IST0101) or istio/dr-host-not-found (IST0174) already reports the host, they say this and this rule stays silent.',
    why: 'Istio always reads a short name in the namespace of the resource that uses it ("reviews" in namespace "web" is reviews.web.svc.cluster.local), so the rule configures a host that does not exist instead of the intended Service.',
    fix: 'Write the fully qualified name (name.namespace.svc.cluster.local) of the Service meant.',
  },
  check(ctx: RuleContext, res: Resource) {
    const services = ctx.index.of('/Service');
    const hosts: Array<{ host: string; path: PathSeg[]; destination?: boolean }> = [];
    if (res.gk === DR) {
      const h = str(res.spec.host);
      if (h) hosts.push({ host: h, path: ['spec', 'host'] });
    } else {
      arr(res.spec.hosts).forEach((h, i) => {
        const s = str(h);
        if (s) hosts.push({ host: s, path: ['spec', 'hosts', i] });
      });
      for (const d of routeDestinations(res)) hosts.push({ host: d.host, path: [...d.path, 'host'], destination: true });
    }
    for (const { host, path, destination } of hosts) {
      if (host.includes('.') || host.includes('*')) continue;
      if (services.some((s) => s.name === host && s.namespace === res.namespace)) continue;
      const fqdn = istioHost(host, res.namespace);
      const found = ctx.index.lookupHost(fqdn, res.namespace);
      if (found.service || found.entries.length) continue; // a ServiceEntry defines the short name: it resolves
      // where IST0101 (route destinations) or IST0174 (the DestinationRule host) reports the host, it gives the
      // same advice and fixes: one finding, not an error and a warning on the same value
      if (destination && destinationHostUnresolved(ctx, host, res.namespace)) continue;
      if (res.gk === DR && !hostKnown(ctx.index, res, fqdn) && namespaceVisible(ctx, fqdn)) continue;
      const elsewhere = [...new Set(services.filter((s) => s.name === host).map((s) => s.namespace))].sort();
      if (!elsewhere.length) continue;
      const fixes = elsewhere
        .map((ns) => replaceValue(res, path, `${host}.${ns}.svc.cluster.local`, `Change to ${host}.${ns}.svc.cluster.local`))
        .filter((f): f is Fix => !!f);
      ctx.report(res, {
        path,
        on: 'value',
        message: `"${host}" means ${host}.${res.namespace}.svc.cluster.local here (short names resolve in the resource's namespace), but Service "${host}" is in namespace ${elsewhere.map((n) => `"${n}"`).join(', ')}. Write the full name.`,
        fixes,
      });
    }
  },
};
