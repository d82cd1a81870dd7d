import type { PathSeg } from '../../model';
import { get, isObj, type Resource } from '../../workspace';
import type { Rule } from '../types';
import { SYSTEM_NAMESPACES, usesIstio } from './lib/mesh';

function podSpecPath(res: Resource): PathSeg[] | undefined {
  switch (res.gk) {
    case '/Pod':
      return ['spec'];
    case 'apps/Deployment':
    case 'apps/StatefulSet':
    case 'apps/DaemonSet':
    case 'apps/ReplicaSet':
    case 'batch/Job':
      return ['spec', 'template', 'spec'];
    case 'batch/CronJob':
      return ['spec', 'jobTemplate', 'spec', 'template', 'spec'];
    default:
      return undefined;
  }
}

const PROXY_UID = 1337;

export const podProxyUid: Rule = {
  id: 'istio/deployment-uid-1337',
  code: 'IST0144',
  severity: 'warning',
  kinds: ['/Pod', 'apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', 'batch/Job', 'batch/CronJob'],
  doc: {
    summary: 'An application container (or the whole pod) runs as user ID 1337, the UID reserved for the Istio sidecar.',
    why: "The sidecar's iptables rules let traffic from UID 1337 bypass the proxy (to avoid loops), so this container's outbound traffic skips mTLS, policies and telemetry.",
    fix: 'Run the application under another UID (securityContext.runAsUser).',
  },
  check(ctx, res) {
    const base = podSpecPath(res);
    if (!base || SYSTEM_NAMESPACES.has(res.namespace) || !usesIstio(ctx.index)) return;
    const spec = get(res.obj, ...(base as Array<string | number>));
    if (!isObj(spec)) return;
    const msg = (who: string): string => `${who} runs as UID 1337, which is reserved for the Istio sidecar: its outbound traffic bypasses the proxy (no mTLS, policy or telemetry). Use another runAsUser.`;
    if (isObj(spec.securityContext) && spec.securityContext.runAsUser === PROXY_UID) {
      ctx.report(res, { path: [...base, 'securityContext', 'runAsUser'], on: 'value', message: msg('The pod') });
    }
    const containers = Array.isArray(spec.containers) ? spec.containers : [];
    containers.forEach((c, i) => {
      if (!isObj(c) || c.name === 'istio-proxy' || c.name === 'istio-operator') return;
      if (isObj(c.securityContext) && c.securityContext.runAsUser === PROXY_UID) {
        ctx.report(res, { path: [...base, 'containers', i, 'securityContext', 'runAsUser'], on: 'value', message: msg(`Container ${typeof c.name === 'string' ? c.name : i}`) });
      }
    });
  },
};
