/**
 * Resolves a VirtualService `gateways` entry as Istio does: `mesh` stays; `ns/name` is kept (`./name` means the
 * VirtualService's namespace); a short `name` is in the VirtualService's namespace; the legacy `name.ns[.svc.cluster.local]`
 * form becomes `ns/name`.
 */
export function resolveGatewayName(gw: string, vsNamespace: string): string {
  if (gw === 'mesh') return gw;
  const slash = gw.indexOf('/');
  if (slash >= 0) {
    const ns = gw.slice(0, slash);
    return `${ns === '.' ? vsNamespace : ns}/${gw.slice(slash + 1)}`;
  }
  const dot = gw.indexOf('.');
  if (dot < 0) return `${vsNamespace}/${gw}`;
  const rest = gw.slice(dot + 1);
  const next = rest.indexOf('.');
  return `${next < 0 ? rest : rest.slice(0, next)}/${gw.slice(0, dot)}`;
}
