import { arr, get, isObj, str, type Resource, type WorkspaceIndex } from '../../workspace';
import { appendDocument } from '../fixes';
import { meshSettings } from '../kiali/util';
import type { Rule, RuleContext } from '../types';
import { AP } from './util';

const WORKLOAD_KINDS = ['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', 'batch/Job', 'batch/CronJob', '/Pod', '/ReplicationController', 'argoproj.io/Rollout'];

/** Does a policy apply to every workload of its namespace (no selector, or one without labels; no targetRef)? */
function namespaceWide(ap: Resource): boolean {
  if (ap.spec.targetRef !== undefined || ap.spec.targetRefs !== undefined) return false;
  if (!isObj(ap.spec.selector)) return true;
  const labels = get(ap.spec.selector, 'matchLabels');
  return !isObj(labels) || Object.keys(labels).length === 0;
}

/**
 * Does an AuthorizationPolicy make its whole namespace (the whole mesh, in the root namespace) deny what is not
 * explicitly allowed? Istio evaluates CUSTOM, then DENY, then ALLOW policies: once any ALLOW policy applies to a
 * workload, a request that matches none of the ALLOW rules is denied. So a namespace-wide ALLOW policy is a
 * default deny, whatever its rules, unless one of its rules is empty (`{}` matches every request: allow-all). A
 * namespace-wide DENY policy with an empty rule denies everything. Dry-run policies are not enforced.
 */
export function isDefaultDeny(ap: Resource): boolean {
  if (!namespaceWide(ap)) return false;
  if (ap.annotations['istio.io/dry-run'] === 'true') return false;
  const action = str(ap.spec.action) ?? 'ALLOW';
  const rules = arr(ap.spec.rules);
  const matchesAll = (r: unknown): boolean => isObj(r) && Object.keys(r).length === 0;
  if (action === 'ALLOW') return !rules.some(matchesAll);
  if (action === 'DENY') return rules.some(matchesAll);
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

/** A name for a new policy in the namespace that no AuthorizationPolicy of the workspace uses. */
function freeName(index: WorkspaceIndex, ns: string, base: string): string {
  let name = base;
  for (let i = 2; index.find(AP, ns, name); i++) name = `${base}-${i}`;
  return name;
}

export const namespaceNoDefaultDeny: Rule = {
  id: 'practice/namespace-no-default-deny',
  severity: 'info',
  kinds: ['/Namespace', ...WORKLOAD_KINDS],
  doc: {
    summary:
      'An Istio namespace with workloads has no AuthorizationPolicy that denies by default: no namespace-wide ALLOW policy and no namespace-wide DENY of everything, in the namespace or in the root namespace (reported on the Namespace manifest, or on the first workload of the namespace when there is none). The root namespace is read from the mesh configuration in the workspace (the `istio` ConfigMap or an IstioOperator, `meshConfig.rootNamespace`), else istio-system.',
    why: 'Without such a policy every workload without its own ALLOW policy accepts requests from anyone in the mesh: access is open by default instead of granted explicitly (zero trust). A namespace-wide ALLOW policy already closes the namespace, since Istio denies what no ALLOW policy of a workload allows.',
    fix: 'Add an AuthorizationPolicy with no selector and no rules (`spec: {}`, a quick fix does this) to the namespace, then ALLOW policies for the traffic each workload needs.',
  },
  check(ctx: RuleContext, res: Resource) {
    const ns = res.gk === '/Namespace' ? res.name : res.namespace;
    const root = meshSettings(ctx.index).rootNamespace;
    if (!ns || ns === root || ns === 'kube-system') return;
    if (res.gk !== '/Namespace') {
      // report once per namespace: on its manifest if the workspace has one, else on its first workload
      if (ctx.index.find('/Namespace', '', ns)) return;
      const first = ctx.index.workloads().find((w) => w.namespace === ns);
      if (!first || first.res.uri !== res.uri || first.res.startLine !== res.startLine) return;
    } else if (!ctx.index.hasWorkloads(ns)) return;
    if (!istioNamespace(ctx.index, ns)) return;
    if (ctx.index.of(AP).some((ap) => (ap.namespace === ns || ap.namespace === root) && isDefaultDeny(ap))) return;
    const name = freeName(ctx.index, ns, 'default-deny');
    const doc = ['apiVersion: security.istio.io/v1', 'kind: AuthorizationPolicy', 'metadata:', `  name: ${name}`, `  namespace: ${ns}`, 'spec: {}'].join('\n');
    ctx.report(res, {
      path: ['metadata', 'name'],
      on: 'value',
      message: `Namespace "${ns}" has no default-deny AuthorizationPolicy: workloads without their own ALLOW policy accept requests from anyone in the mesh.`,
      fixes: [appendDocument(res, doc, `Add AuthorizationPolicy ${ns}/${name} (spec: {}): deny every request that no ALLOW policy allows`)],
    });
  },
};
