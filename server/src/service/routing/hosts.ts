import { CLUSTER_DOMAIN, dnsHost, istioHost, matchesSelector, stringMap, obj, type KService, type ServiceEntryHost, type Workload, type WorkspaceIndex } from '../workspace';

export type Mesh = 'istio' | 'linkerd' | 'none';

/** What a host resolves to. */
export interface HostTarget {
  fqdn: string;
  service?: KService;
  entries: ServiceEntryHost[];
}

/**
 * A host written in Istio configuration (VirtualService hosts and destinations, mirrors, DestinationRule host) as
 * istiod reads it: see istioHost.
 */
export const configHost = istioHost;

/**
 * The FQDN a request's host (authority) reaches, as a pod's resolver and a sidecar's virtual host domains read it
 * (`name`, `name.ns`, `name.ns.svc` and the FQDN all reach a Service): see dnsHost. For what a client sends (and
 * Linkerd's DNS-based authorities), never for hosts in Istio configuration.
 */
export function requestFqdn(index: WorkspaceIndex, host: string, fromNs: string | undefined): string {
  if (host === '') return host;
  return dnsHost(host, fromNs ?? 'default', index.namespaces());
}

/** Qualifies a host the way a caller in `fromNs` would see it. A short name with no namespace given picks the only Service of that name. */
export function resolveHost(index: WorkspaceIndex, host: string, fromNs: string | undefined): HostTarget {
  const h = host.toLowerCase().replace(/\.$/, '');
  let fqdn: string;
  if (!h.includes('.') && fromNs === undefined) {
    const same = [...index.kubeServices().values()].filter((s) => s.res.name === h);
    fqdn = same.length === 1 ? same[0].fqdn : requestFqdn(index, h, 'default');
  } else fqdn = requestFqdn(index, h, fromNs ?? 'default');
  const found = index.lookupHost(fqdn, fromNs ?? namespaceOfFqdn(fqdn) ?? 'default');
  return { fqdn, service: found.service, entries: found.entries };
}

/** `name.ns.svc.cluster.local` → `ns`. */
export function namespaceOfFqdn(fqdn: string): string | undefined {
  const m = new RegExp(`^[^.]+\\.([^.]+)\\.${CLUSTER_DOMAIN.replace(/\./g, '\\.')}$`).exec(fqdn);
  return m?.[1];
}

export function serviceWorkloads(index: WorkspaceIndex, svc: KService, extra: Record<string, string> = {}): Workload[] {
  if (!Object.keys(svc.selector).length) return [];
  return index.workloads().filter((w) => w.namespace === svc.res.namespace && matchesSelector(svc.selector, w.labels) && matchesSelector(extra, w.labels));
}

/** The container port a Service port leads to on a workload (targetPort by number or by name). */
export function targetPort(svc: KService | undefined, port: number | undefined, w?: Workload): number | undefined {
  if (port === undefined) return undefined;
  const sp = svc?.ports.find((p) => p.port === port);
  if (!sp) return port;
  const t = sp.targetPort;
  if (typeof t === 'number') return t;
  if (typeof t === 'string') {
    if (/^\d+$/.test(t)) return Number(t);
    const cp = w?.ports.find((p) => p.name === t);
    return cp?.containerPort ?? port;
  }
  return port;
}

function injectValue(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  return v === 'true' || v === 'enabled';
}

/** Which mesh (if any) a workload's pods join, from its annotations/labels and its namespace's. */
export function meshOfWorkload(index: WorkspaceIndex, w: Workload): Mesh {
  const l5d = w.podAnnotations['linkerd.io/inject'];
  if (l5d === 'enabled' || l5d === 'ingress') return 'linkerd';
  const istioPod = injectValue(w.labels['sidecar.istio.io/inject'] ?? w.podAnnotations['sidecar.istio.io/inject']);
  if (istioPod === true) return 'istio';
  return meshOfNamespace(index, w.namespace, { istioOff: istioPod === false, linkerdOff: l5d === 'disabled' });
}

export function meshOfNamespace(index: WorkspaceIndex, namespace: string, opts: { istioOff?: boolean; linkerdOff?: boolean } = {}): Mesh {
  const nsRes = index.find('/Namespace', '', namespace);
  if (nsRes) {
    const ann = stringMap(obj(nsRes.obj.metadata).annotations);
    const labels = nsRes.labels;
    if (!opts.linkerdOff && (ann['linkerd.io/inject'] === 'enabled' || ann['linkerd.io/inject'] === 'ingress')) return 'linkerd';
    if (!opts.istioOff && (labels['istio-injection'] === 'enabled' || labels['istio.io/rev'] !== undefined || labels['istio.io/dataplane-mode'] === 'ambient')) return 'istio';
    if (labels['istio-injection'] === 'disabled' && ann['linkerd.io/inject'] !== 'enabled') return 'none';
  }
  // No explicit signal: guess from the policy resources of the namespace, then of the workspace.
  const s = signals(index);
  const linkerdHere = s.linkerdNs.has(namespace);
  const istioHere = s.istioNs.has(namespace);
  if (linkerdHere && !istioHere && !opts.linkerdOff) return 'linkerd';
  if (istioHere && !opts.istioOff) return 'istio';
  if (s.anyIstio && !opts.istioOff) return 'istio';
  if (s.anyLinkerd && !opts.linkerdOff) return 'linkerd';
  return 'none';
}

interface MeshSignals {
  istioNs: Set<string>;
  linkerdNs: Set<string>;
  anyIstio: boolean;
  anyLinkerd: boolean;
}

const signalCache = new WeakMap<WorkspaceIndex, MeshSignals>();

/** Which namespaces hold Istio or Linkerd resources (computed once per index). */
function signals(index: WorkspaceIndex): MeshSignals {
  let s = signalCache.get(index);
  if (!s) {
    s = { istioNs: new Set(), linkerdNs: new Set(), anyIstio: false, anyLinkerd: false };
    for (const r of index.resources) {
      if (r.group === 'networking.istio.io' || r.group === 'security.istio.io') {
        s.istioNs.add(r.namespace);
        s.anyIstio = true;
      } else if (r.group === 'policy.linkerd.io' || r.group === 'linkerd.io') {
        s.linkerdNs.add(r.namespace);
        s.anyLinkerd = true;
      } else if (r.group === 'split.smi-spec.io') s.anyLinkerd = true;
    }
    signalCache.set(index, s);
  }
  return s;
}

/** The mesh that serves traffic to a host: from the Service's workloads, else its namespace. */
export function meshOfHost(index: WorkspaceIndex, target: HostTarget): Mesh {
  if (target.service) {
    const ws = serviceWorkloads(index, target.service);
    if (ws.length) return meshOfWorkload(index, ws[0]);
    return meshOfNamespace(index, target.service.res.namespace);
  }
  if (target.entries.length) return 'istio';
  const ns = namespaceOfFqdn(target.fqdn);
  return ns ? meshOfNamespace(index, ns) : 'none';
}
