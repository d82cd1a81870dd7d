import { suggest } from '../../text';
import { objs, qualifyHost, str, type Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Rule, RuleContext } from '../types';

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

export const vsDestinationHostNotFound: Rule = {
  id: 'istio/vs-destination-host-not-found',
  code: 'IST0101',
  alsoCodes: ['KIA1101'],
  severity: 'error',
  kinds: ['networking.istio.io/VirtualService'],
  needsWorkspace: ['/Service', 'networking.istio.io/ServiceEntry'],
  doc: {
    summary: 'A VirtualService routes (or mirrors) to a host that no Service or ServiceEntry in the workspace defines.',
    why: 'Envoy has no cluster for the host, so requests on that route fail with 503 (no healthy upstream) or are dropped.',
    fix: 'Point the destination at an existing Service (short name, name.namespace or FQDN) or add a ServiceEntry for an external host.',
  },
  check(ctx: RuleContext, res: Resource) {
    const namespaces = ctx.index.namespaces();
    const known = [...ctx.index.kubeServices().values()].map((s) => (s.res.namespace === res.namespace ? s.res.name : `${s.res.name}.${s.res.namespace}`));
    for (const d of vsDestinations(res)) {
      if (d.host.includes('*')) continue;
      const fqdn = qualifyHost(d.host, res.namespace, namespaces);
      const found = ctx.index.lookupHost(fqdn, res.namespace);
      if (found.service || found.entries.length) continue;
      if (!namespaceVisible(ctx, fqdn)) continue;
      const best = suggest(d.host, known, 1);
      const fix = best.length ? replaceValue(res, [...d.path, 'host'], best[0], `Change host to ${best[0]}`) : undefined;
      ctx.report(res, {
        path: [...d.path, 'host'],
        on: 'value',
        message: `Destination host "${d.host}" (${fqdn}) matches no Service or ServiceEntry in the workspace.${best.length ? ` Did you mean "${best[0]}"?` : ''}`,
        fixes: fix ? [fix] : undefined,
      });
    }
  },
};
