import type { WorkspaceIndex } from '../../../workspace';

const cache = new WeakMap<WorkspaceIndex, boolean>();

/**
 * Does the workspace use Istio at all: an Istio resource (`*.istio.io` group), a Namespace labelled for Istio
 * injection or ambient mode, or a workload that opts into the sidecar? Rules about Kubernetes resources that only
 * matter under Istio (port naming, UID 1337, namespace injection) stay quiet otherwise, for instance in a
 * Linkerd-only workspace.
 */
export function usesIstio(index: WorkspaceIndex): boolean {
  let v = cache.get(index);
  if (v === undefined) {
    v =
      index.resources.some((r) => r.group.endsWith('istio.io')) ||
      index.of('/Namespace').some((n) => 'istio-injection' in n.labels || 'istio.io/rev' in n.labels || 'istio.io/dataplane-mode' in n.labels) ||
      index.workloads().some((w) => 'sidecar.istio.io/inject' in w.labels || 'sidecar.istio.io/inject' in w.podAnnotations || 'istio.io/rev' in w.labels);
    cache.set(index, v);
  }
  return v;
}

/** Is the namespace declared (by a Namespace manifest in the workspace) as a Linkerd namespace? */
export function linkerdNamespace(index: WorkspaceIndex, namespace: string): boolean {
  const ns = index.find('/Namespace', '', namespace);
  return !!ns && (ns.annotations['linkerd.io/inject'] === 'enabled' || ns.annotations['linkerd.io/inject'] === 'ingress');
}

/** Namespaces istioctl leaves out of its analysis. */
export const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage', 'istio-system']);
