import { suggest } from '../../text';
import type { Fix } from '../../model';
import { istioHost, objs, str, type Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { explainUnresolvedHost, knownHostNames } from './util';

/** Every destination of a VirtualService: http/tcp/tls route destinations, mirror and mirrors. */
export function vsDestinations(res: Resource): Array<{ path: Array<string | number>; host: string; subset?: string; port?: number; section: 'http' | 'tcp' | 'tls' }> {
  const out: ReturnType<typeof vsDestinations> = [];
  for (const section of ['http', 'tcp', 'tls'] as const) {
    objs(res.spec[section]).forEach((route, i) => {
      objs(route.route).forEach((rd, j) => {
        const d = rd.destination;
        if (d && typeof d === 'object' && !Array.isArray(d)) {
          const host = str((d as Record<string, unknown>).host);
          const port = (d as Record<string, unknown>).port;
          const num = port && typeof port === 'object' ? (port as Record<string, unknown>).number : undefined;
          if (host) out.push({ path: ['spec', section, i, 'route', j, 'destination'], host, subset: str((d as Record<string, unknown>).subset), port: typeof num === 'number' ? num : undefined, section });
        }
      });
      if (section === 'http') {
        const m = route.mirror;
        if (m && typeof m === 'object' && !Array.isArray(m)) {
          const host = str((m as Record<string, unknown>).host);
          if (host) out.push({ path: ['spec', section, i, 'mirror'], host, subset: str((m as Record<string, unknown>).subset), section });
        }
        objs(route.mirrors).forEach((mm, k) => {
          const dest = mm.destination;
          if (dest && typeof dest === 'object' && !Array.isArray(dest)) {
            const host = str((dest as Record<string, unknown>).host);
            if (host) out.push({ path: ['spec', section, i, 'mirrors', k, 'destination'], host, subset: str((dest as Record<string, unknown>).subset), section });
          }
        });
      }
    });
  }
  return out;
}

/**
 * Can the workspace tell that a cluster host does not exist? Only when it holds Services of that host's namespace:
 * a host in a namespace the workspace knows nothing of (istio-system's gateways, another team's namespace) may
 * well exist in the cluster. Hosts outside the cluster domain are always checked.
 */
export function namespaceVisible(ctx: RuleContext, fqdn: string): boolean {
  const m = /^[^.]+\.([^.]+)\.svc\.cluster\.local$/.exec(fqdn);
  if (!m) return true;
  const ns = m[1];
  return [...ctx.index.kubeServices().values()].some((s) => s.res.namespace === ns);
}

/** Does this rule report a destination host (it resolves to nothing the workspace can vouch for)? */
export function destinationHostUnresolved(ctx: RuleContext, host: string, fromNs: string): boolean {
  if (host.includes('*')) return false;
  const fqdn = istioHost(host, fromNs);
  const found = ctx.index.lookupHost(fqdn, fromNs);
  return !found.service && !found.entries.length && namespaceVisible(ctx, fqdn);
}

export const vsDestinationHostNotFound: Rule = {
  id: 'istio/vs-destination-host-not-found',
  code: 'IST0101',
  alsoCodes: ['KIA1101'],
  severity: 'error',
  kinds: ['networking.istio.io/VirtualService'],
  needsWorkspace: ['/Service', 'networking.istio.io/ServiceEntry'],
  doc: {
    summary:
      'A VirtualService routes (or mirrors) to a host that no Service or ServiceEntry in the workspace defines for its namespace: a typo, a short name of a Service in another namespace, a partially qualified name (`name.namespace`) that Istio takes literally, or a Service not exported to the namespace (`networking.istio.io/exportTo`).',
    why: 'Envoy has no cluster for the host, so requests on that route fail with 503 (no healthy upstream) or are dropped. Istio completes only names without a dot (`reviews` becomes reviews.<namespace of the VirtualService>.svc.cluster.local); any name with a dot, such as `reviews.shop`, is used as written.',
    fix: 'Write the Service\u2019s short name when it is in the same namespace, else its fully qualified name (reviews.shop.svc.cluster.local); export the Service to the namespace; or add a ServiceEntry for an external host.',
  },
  check(ctx: RuleContext, res: Resource) {
    for (const d of vsDestinations(res)) {
      if (!destinationHostUnresolved(ctx, d.host, res.namespace)) continue;
      const fqdn = istioHost(d.host, res.namespace);
      const path = [...d.path, 'host'];
      const why = explainUnresolvedHost(ctx.index, d.host, fqdn, res.namespace, 'Destination host');
      let message: string;
      let replacements: string[];
      if (why) ({ message, replacements } = why);
      else {
        const best = suggest(d.host, knownHostNames(ctx.index, res.namespace), 1);
        message = `Destination host "${d.host}"${d.host !== fqdn ? ` (${fqdn})` : ''} matches no Service or ServiceEntry in the workspace.${best.length ? ` Did you mean "${best[0]}"?` : ''}`;
        replacements = best;
      }
      const fixes = replacements.map((r) => replaceValue(res, path, r, `Change host to ${r}`)).filter((f): f is Fix => !!f);
      if (fixes[0]) fixes[0] = { ...fixes[0], preferred: true };
      ctx.report(res, { path, on: 'value', message, fixes: fixes.length ? fixes : undefined });
    }
  },
};
