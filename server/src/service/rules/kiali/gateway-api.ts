import { isObj, matchesLabelSelector, objs, str, type Obj, type Resource, type WorkspaceIndex } from '../../workspace';

/** Gateway API route kinds whose parentRefs and backendRefs are checked. */
export const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute'].map((k) => `gateway.networking.k8s.io/${k}`);
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** Labels of a namespace as the API server sees them (with the automatic kubernetes.io/metadata.name), if its manifest is in the workspace. */
export function namespaceLabels(index: WorkspaceIndex, ns: string): Record<string, string> | undefined {
  const m = index.of('/Namespace').find((n) => n.name === ns);
  return m ? { ...m.labels, 'kubernetes.io/metadata.name': ns } : undefined;
}

/**
 * Does a Gateway accept routes from `routeNs` on the listeners a parentRef selects? Undefined when the workspace
 * cannot tell (a Selector and no Namespace manifest).
 */
export function gatewayAllowsNamespace(index: WorkspaceIndex, gw: Resource, routeNs: string, sectionName?: string): boolean | undefined {
  let listeners = objs(gw.spec.listeners);
  if (sectionName !== undefined) listeners = listeners.filter((l) => str(l.name) === sectionName);
  if (!listeners.length) return undefined;
  let unknown = false;
  for (const l of listeners) {
    const ns: Obj = isObj(l.allowedRoutes) && isObj(l.allowedRoutes.namespaces) ? l.allowedRoutes.namespaces : {};
    const from = str(ns.from) ?? 'Same';
    if (from === 'All') return true;
    if (from === 'Same' && gw.namespace === routeNs) return true;
    if (from === 'Selector') {
      const labels = namespaceLabels(index, routeNs);
      if (!labels) unknown = true;
      else if (matchesLabelSelector(isObj(ns.selector) ? ns.selector : {}, labels)) return true;
    }
  }
  return unknown ? undefined : false;
}
