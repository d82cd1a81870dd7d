import type { Rule } from '../types';
import { servicesOf, workloadInMesh, workloadOf } from './lib/workloads';

export const deploymentMultipleServices: Rule = {
  id: 'istio/deployment-port-protocol-conflict',
  code: 'IST0116',
  severity: 'warning',
  kinds: ['apps/Deployment'],
  needsWorkspace: ['/Service'],
  doc: {
    summary: 'A Deployment in the mesh is selected by several Services that use the same port number with different protocols (TCP and UDP, for example).',
    why: 'The sidecar builds one inbound listener per port: with two protocols on one port, one of the Services does not get the traffic handling it expects.',
    fix: 'Use different port numbers for the different protocols, or stop one Service from selecting these pods.',
  },
  check(ctx, res) {
    const w = workloadOf(ctx, res);
    if (!w || !workloadInMesh(ctx, w)) return;
    const byPort = new Map<number, Map<string, string[]>>();
    for (const s of servicesOf(ctx, w)) {
      for (const p of s.ports) {
        const proto = (p.protocol ?? 'TCP').toUpperCase();
        const m = byPort.get(p.port) ?? new Map<string, string[]>();
        m.set(proto, [...(m.get(proto) ?? []), s.res.name]);
        byPort.set(p.port, m);
      }
    }
    for (const [port, protos] of byPort) {
      if (protos.size < 2) continue;
      const detail = [...protos].map(([proto, names]) => `${proto} (${[...new Set(names)].join(', ')})`).join(' and ');
      ctx.report(res, {
        path: ['metadata', 'name'],
        on: 'value',
        message: `Deployment ${res.name} is selected by Services that use port ${port} with different protocols: ${detail}. The sidecar can only handle one protocol per port.`,
      });
    }
  },
};
