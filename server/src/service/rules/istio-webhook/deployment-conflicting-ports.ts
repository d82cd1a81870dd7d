import type { Rule } from '../types';
import { servicesOf, workloadInMesh, workloadOf } from './lib/workloads';

export const deploymentConflictingPorts: Rule = {
  id: 'istio/deployment-conflicting-ports',
  code: 'IST0137',
  severity: 'warning',
  kinds: ['apps/Deployment'],
  needsWorkspace: ['/Service'],
  doc: {
    summary: 'Services selecting the same Deployment send the same targetPort through different service ports.',
    why: 'The sidecar configures the inbound port from one of the Service ports only, so traffic through the other port may get the wrong protocol handling or settings.',
    fix: 'Use the same port number for the same targetPort in every Service that selects these pods, or give them different target ports.',
  },
  check(ctx, res) {
    const w = workloadOf(ctx, res);
    if (!w || !workloadInMesh(ctx, w)) return;
    const byTarget = new Map<string, Map<number, string>>();
    for (const s of servicesOf(ctx, w)) {
      for (const p of s.ports) {
        const target = p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '' ? String(p.port) : String(p.targetPort);
        const m = byTarget.get(target) ?? new Map<number, string>();
        m.set(p.port, s.res.name);
        byTarget.set(target, m);
      }
    }
    for (const [target, ports] of byTarget) {
      if (ports.size < 2) continue;
      const detail = [...ports].map(([port, svc]) => `port ${port} of ${svc}`).join(', ');
      ctx.report(res, {
        path: ['metadata', 'name'],
        on: 'value',
        message: `Deployment ${res.name}: targetPort ${target} is reached through different service ports (${detail}). Use the same service port for the same targetPort.`,
      });
    }
  },
};
