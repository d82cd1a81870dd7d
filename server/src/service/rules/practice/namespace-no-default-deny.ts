import { arr, isObj, str, type Resource, type WorkspaceIndex } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { AP } from './util';

const ROOT_NAMESPACE = 'istio-system';
const WORKLOAD_KINDS = ['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', 'batch/Job', 'batch/CronJob', '/Pod', '/ReplicationController', 'argoproj.io/Rollout'];

/** An AuthorizationPolicy that denies everything not allowed elsewhere, for a whole namespace. */
export function isDefaultDeny(ap: Resource): boolean {
  if (isObj(ap.spec.selector) || ap.spec.targetRef !== undefined || ap.spec.targetRefs !== undefined) return false;
  const action = str(ap.spec.action) ?? 'ALLOW';
  const rules = arr(ap.spec.rules);
  if (action === 'ALLOW') return rules.length === 0;
  if (action === 'DENY') return rules.some((r) => isObj(r) && Object.keys(r).length === 0);
  return false;
}

/** Is a namespace in Istio's mesh: labelled for injection/ambient, or holding Istio configuration in the workspace? */
function istioNamespace(index: WorkspaceIndex, ns: string): boolean {
  const manifest = index.find('/Namespace', '', ns);
  if (manifest) {
    const l = manifest.labels;
    if (l['istio-injection'] === 'disabled') return false;
    if (l['istio-injection'] === 'enabled' || l['istio.io/rev'] || l['istio.io/dataplane-mode'] === 'ambient') return true;
  }
  return index.resources.some((r) => r.namespace === ns && r.group.endsWith('istio.io'));
}

export const namespaceNoDefaultDeny: Rule = {
  id: 'practice/namespace-no-default-deny',
  severity: 'info',
  kinds: ['/Namespace', ...WORKLOAD_KINDS],
  doc: {
    summary: 'An Istio namespace with workloads has no default-deny AuthorizationPolicy (reported on the Namespace manifest, or on the first workload of the namespace when there is none).',
    why: 'Without a default-deny policy every workload without its own ALLOW policy accepts requests from anyone in the mesh: access is open by default instead of granted explicitly (zero trust).',
    fix: 'Add an AuthorizationPolicy with no selector and no rules (`spec: {}`) to the namespace, then ALLOW policies for the traffic each workload needs.',
  },
  check(ctx: RuleContext, res: Resource) {
    const ns = res.gk === '/Namespace' ? res.name : res.namespace;
    if (!ns || ns === ROOT_NAMESPACE || ns === 'kube-system') return;
    if (res.gk !== '/Namespace') {
      // report once per namespace: on its manifest if the workspace has one, else on its first workload
      if (ctx.index.find('/Namespace', '', ns)) return;
      const first = ctx.index.workloads().find((w) => w.namespace === ns);
      if (!first || first.res.uri !== res.uri || first.res.startLine !== res.startLine) return;
    } else if (!ctx.index.hasWorkloads(ns)) return;
    if (!istioNamespace(ctx.index, ns)) return;
    if (ctx.index.of(AP).some((ap) => (ap.namespace === ns || ap.namespace === ROOT_NAMESPACE) && isDefaultDeny(ap))) return;
    ctx.report(res, {
      path: ['metadata', 'name'],
      on: 'value',
      message: `Namespace "${ns}" has no default-deny AuthorizationPolicy: workloads without their own ALLOW policy accept requests from anyone in the mesh.`,
    });
  },
};
