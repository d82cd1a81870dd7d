import { destinationRulesFor } from '../rules/istio/util';
import { CLUSTER_DOMAIN, isObj, istioHost, matchesLabelSelector, num, objs, str, strings, WorkspaceIndex } from '../workspace';

export interface ValueSuggestion {
  value: string;
  detail: string;
}

/**
 * Hosts a resource of `namespace` can name, as Istio reads them: a Service by its short name in its own namespace,
 * else by its FQDN (never `name.namespace`, which Istio takes literally); ServiceEntry hosts as written. Services
 * and ServiceEntries not exported to the namespace (`networking.istio.io/exportTo`, `exportTo`) are left out.
 */
function hostSuggestions(index: WorkspaceIndex, namespace: string): ValueSuggestion[] {
  const out: ValueSuggestion[] = [];
  for (const svc of index.kubeServices().values()) {
    const ns = svc.res.namespace;
    if (!WorkspaceIndex.visible(svc.exportTo, ns, namespace)) continue;
    if (ns === namespace) out.push({ value: svc.res.name, detail: `Service ${ns}/${svc.res.name}` });
    out.push({ value: `${svc.res.name}.${ns}.${CLUSTER_DOMAIN}`, detail: `Service ${ns}/${svc.res.name}` });
  }
  const seen = new Set<string>();
  for (const e of index.serviceEntryHosts()) {
    if (!WorkspaceIndex.visible(e.exportTo, e.res.namespace, namespace) || seen.has(e.host)) continue;
    seen.add(e.host);
    out.push({ value: e.host, detail: `ServiceEntry ${e.res.namespace}/${e.res.name}` });
  }
  return out;
}

/** Service accounts of a namespace: ServiceAccount manifests and the accounts workloads run as. */
function serviceAccounts(index: WorkspaceIndex, namespace: string): ValueSuggestion[] {
  const seen = new Map<string, string>();
  for (const sa of index.of('/ServiceAccount')) if (sa.namespace === namespace) seen.set(sa.name, `ServiceAccount ${sa.namespace}/${sa.name}`);
  for (const w of index.workloads()) if (w.namespace === namespace && !seen.has(w.serviceAccount)) seen.set(w.serviceAccount, `service account of ${w.res.kind} ${w.res.name}`);
  return [...seen].sort(([a], [b]) => a.localeCompare(b)).map(([value, detail]) => ({ value, detail }));
}

/** Label values of the Servers of a namespace for a key (a ServerAuthorization's server.selector). */
function serverLabelValues(index: WorkspaceIndex, namespace: string, key: string): ValueSuggestion[] {
  const seen = new Map<string, string>();
  for (const s of index.of('policy.linkerd.io/Server')) {
    if (s.namespace !== namespace || !(key in s.labels) || seen.has(s.labels[key])) continue;
    seen.set(s.labels[key], `label of Server ${s.name}`);
  }
  return [...seen].map(([value, detail]) => ({ value, detail }));
}

/** Container ports (names, then numbers) of the workloads a Linkerd Server's podSelector selects. */
function serverPorts(index: WorkspaceIndex, namespace: string, podSelector: unknown): ValueSuggestion[] {
  if (!isObj(podSelector)) return [];
  const names = new Map<string, string>();
  const numbers = new Map<string, string>();
  for (const w of index.workloads()) {
    if (w.namespace !== namespace || !matchesLabelSelector(podSelector, w.labels)) continue;
    for (const p of w.ports) {
      const where = `containerPort ${p.containerPort}${p.protocol ? `/${p.protocol}` : ''} of ${w.res.kind} ${w.res.name}`;
      if (p.name && !names.has(p.name)) names.set(p.name, where);
      if (!numbers.has(String(p.containerPort))) numbers.set(String(p.containerPort), where);
    }
  }
  return [...names, ...numbers].map(([value, detail]) => ({ value, detail }));
}

/** Ports a route's parentRef can name: a Service's ports, or a Gateway's listener ports. */
function parentRefPorts(index: WorkspaceIndex, namespace: string, ref: Record<string, unknown>, routeGk: string): ValueSuggestion[] {
  const name = str(ref.name);
  if (!name) return [];
  const ns = str(ref.namespace) ?? namespace;
  const kind = str(ref.kind) ?? (routeGk.startsWith('policy.linkerd.io') ? 'Server' : 'Gateway');
  if (kind === 'Service') {
    const svc = index.find('/Service', ns, name);
    if (!svc) return [];
    return objs(svc.spec.ports)
      .filter((p) => num(p.port) !== undefined)
      .map((p) => ({ value: String(num(p.port)), detail: `port${str(p.name) ? ` ${str(p.name)}` : ''} of Service ${svc.namespace}/${svc.name}` }));
  }
  if (kind === 'Gateway') {
    const gw = index.find('gateway.networking.k8s.io/Gateway', ns, name);
    if (!gw) return [];
    const seen = new Map<string, string>();
    for (const l of objs(gw.spec.listeners)) {
      const n = num(l.port);
      if (n !== undefined && !seen.has(String(n))) seen.set(String(n), `listener ${str(l.name) ?? ''} (${str(l.protocol) ?? ''}) of Gateway ${gw.namespace}/${gw.name}`);
    }
    return [...seen].map(([value, detail]) => ({ value, detail }));
  }
  return [];
}

function labelValues(index: WorkspaceIndex, namespace: string, key: string): ValueSuggestion[] {
  const seen = new Map<string, string>();
  for (const w of index.workloads()) {
    if (w.namespace !== namespace || !(key in w.labels)) continue;
    if (!seen.has(w.labels[key])) seen.set(w.labels[key], `${w.res.kind} ${w.res.name}`);
  }
  return [...seen].map(([value, detail]) => ({ value, detail }));
}

/** Label keys used by workloads of a namespace (for completing selector keys). */
export function labelKeys(index: WorkspaceIndex, namespace: string): ValueSuggestion[] {
  const seen = new Map<string, string>();
  for (const w of index.workloads()) {
    if (w.namespace !== namespace) continue;
    for (const k of Object.keys(w.labels)) if (!seen.has(k)) seen.set(k, `label of ${w.res.kind} ${w.res.name}`);
  }
  return [...seen].map(([value, detail]) => ({ value, detail }));
}

/**
 * Label keys for the selector map at `docPath` of a `gk` resource: the labels of the Servers for a
 * ServerAuthorization's `server.selector`, else those of the namespace's workloads ({@link labelKeys}).
 */
export function selectorLabelKeys(index: WorkspaceIndex, gk: string, namespace: string, docPath: string): ValueSuggestion[] {
  if (gk !== 'policy.linkerd.io/ServerAuthorization' || !docPath.startsWith('spec.server.selector.')) return labelKeys(index, namespace);
  const seen = new Map<string, string>();
  for (const s of index.of('policy.linkerd.io/Server')) {
    if (s.namespace !== namespace) continue;
    for (const k of Object.keys(s.labels)) if (!seen.has(k)) seen.set(k, `label of Server ${s.name}`);
  }
  return [...seen].map(([value, detail]) => ({ value, detail }));
}

const SELECTOR_MAPS = /(^|\.)(matchLabels|selector|labels)\{\}$/;

/**
 * Values from the workspace for a field: hosts, subsets of the chosen host, gateways, namespaces, principals,
 * ports of the destination Service, label values, names of Linkerd and Gateway API resources.
 * `docPath` is the field's path with `[]` for list items and `{}` for map values; `siblings` are the other keys
 * of the mapping holding the field; `mapKey` is the key when the field is a map value.
 */
export function workspaceValues(index: WorkspaceIndex, gk: string, namespace: string, docPath: string, siblings: Record<string, unknown>, mapKey?: string): ValueSuggestion[] {
  const ns = namespace || 'default';
  if (docPath === 'metadata.namespace') return [...index.namespaces()].sort().map((n) => ({ value: n, detail: 'namespace' }));
  if (gk === 'policy.linkerd.io/ServerAuthorization' && docPath === 'spec.server.selector.matchLabels{}' && mapKey) return serverLabelValues(index, ns, mapKey);
  if (SELECTOR_MAPS.test(docPath) && mapKey && docPath !== 'metadata.labels{}') return labelValues(index, ns, mapKey);
  switch (gk) {
    case 'networking.istio.io/VirtualService': {
      if (docPath === 'spec.hosts[]' || /\.(destination|mirror)\.host$/.test(docPath)) return hostSuggestions(index, ns);
      if (/\.(destination|mirror)\.subset$/.test(docPath)) {
        const host = str(siblings.host);
        if (!host) return [];
        // the subsets of the DestinationRules Istio would use for this host from this namespace (wildcards too)
        const fqdn = istioHost(host, ns);
        return destinationRulesFor(index, fqdn, ns)
          .drs.map((d) => d.res)
          .flatMap((dr) => objs(dr.spec.subsets).map((s) => ({ value: str(s.name) ?? '', detail: `subset of DestinationRule ${dr.namespace}/${dr.name}` })))
          .filter((s) => s.value);
      }
      if (/\.destination\.port\.number$/.test(docPath)) return [];
      if (/gateways\[\]$/.test(docPath)) {
        return [
          { value: 'mesh', detail: 'sidecars of the mesh' },
          ...index.of('networking.istio.io/Gateway').map((g) => ({ value: g.namespace === ns ? g.name : `${g.namespace}/${g.name}`, detail: `Gateway ${g.namespace}/${g.name}` })),
        ];
      }
      return [];
    }
    case 'networking.istio.io/DestinationRule':
      return docPath === 'spec.host' ? hostSuggestions(index, ns) : [];
    case 'security.istio.io/AuthorizationPolicy': {
      if (/\.source\.(not)?[pP]rincipals\[\]$/.test(docPath)) {
        const sas = new Set<string>();
        for (const sa of index.of('/ServiceAccount')) sas.add(`cluster.local/ns/${sa.namespace}/sa/${sa.name}`);
        for (const w of index.workloads()) sas.add(`cluster.local/ns/${w.namespace}/sa/${w.serviceAccount}`);
        return [...sas].sort().map((value) => ({ value, detail: 'service account principal' }));
      }
      if (/\.source\.(not)?[nN]amespaces\[\]$/.test(docPath)) return [...index.namespaces()].sort().map((n) => ({ value: n, detail: 'namespace' }));
      if (/\.operation\.(not)?[hH]osts\[\]$/.test(docPath)) return hostSuggestions(index, ns);
      return [];
    }
    case 'policy.linkerd.io/AuthorizationPolicy': {
      if (docPath === 'spec.targetRef.name') {
        const kind = str(siblings.kind) ?? 'Server';
        const gk2 = kind === 'HTTPRoute' ? 'policy.linkerd.io/HTTPRoute' : kind === 'Namespace' ? '/Namespace' : 'policy.linkerd.io/Server';
        return index
          .of(gk2)
          .filter((r) => gk2 === '/Namespace' || r.namespace === ns)
          .map((r) => ({ value: r.name, detail: `${r.kind} ${r.namespace ? r.namespace + '/' : ''}${r.name}` }));
      }
      if (docPath === 'spec.requiredAuthenticationRefs[].name') {
        const kind = str(siblings.kind);
        const kinds = kind ? [`policy.linkerd.io/${kind}`] : ['policy.linkerd.io/MeshTLSAuthentication', 'policy.linkerd.io/NetworkAuthentication'];
        return kinds.flatMap((k) => index.of(k).filter((r) => r.namespace === ns).map((r) => ({ value: r.name, detail: r.kind })));
      }
      return [];
    }
    case 'policy.linkerd.io/ServerAuthorization':
      return docPath === 'spec.server.name' ? index.of('policy.linkerd.io/Server').filter((r) => r.namespace === ns).map((r) => ({ value: r.name, detail: 'Server' })) : [];
    case 'policy.linkerd.io/Server':
      return docPath === 'spec.port' ? serverPorts(index, ns, siblings.podSelector) : [];
    case 'policy.linkerd.io/HTTPLocalRateLimitPolicy':
      if (docPath === 'spec.targetRef.name') return index.of('policy.linkerd.io/Server').filter((r) => r.namespace === ns).map((r) => ({ value: r.name, detail: `Server ${r.namespace}/${r.name}` }));
      if (docPath === 'spec.overrides[].clientRefs[].name') return serviceAccounts(index, str(siblings.namespace) ?? ns);
      return [];
    case 'policy.linkerd.io/MeshTLSAuthentication':
      if (docPath === 'spec.identityRefs[].name') {
        if (str(siblings.kind) === 'Namespace') return [...index.namespaces()].sort().map((n) => ({ value: n, detail: 'namespace' }));
        return serviceAccounts(index, str(siblings.namespace) ?? ns);
      }
      return [];
    case 'policy.linkerd.io/HTTPRoute':
    case 'gateway.networking.k8s.io/HTTPRoute':
    case 'gateway.networking.k8s.io/GRPCRoute':
    case 'gateway.networking.k8s.io/TCPRoute':
    case 'gateway.networking.k8s.io/TLSRoute': {
      if (docPath === 'spec.parentRefs[].port') return parentRefPorts(index, ns, siblings, gk);
      if (docPath === 'spec.parentRefs[].name') {
        const kind = str(siblings.kind) ?? (gk.startsWith('policy.linkerd.io') ? 'Server' : 'Gateway');
        const gk2 = kind === 'Server' ? 'policy.linkerd.io/Server' : kind === 'Service' ? '/Service' : 'gateway.networking.k8s.io/Gateway';
        const target = str(siblings.namespace) ?? ns;
        return index.of(gk2).filter((r) => r.namespace === target).map((r) => ({ value: r.name, detail: `${r.kind} ${r.namespace}/${r.name}` }));
      }
      if (/backendRefs\[\]\.name$/.test(docPath)) {
        const target = str(siblings.namespace) ?? ns;
        return index.of('/Service').filter((r) => r.namespace === target).map((r) => ({ value: r.name, detail: `Service ${r.namespace}/${r.name}` }));
      }
      if (/backendRefs\[\]\.port$/.test(docPath)) {
        const name = str(siblings.name);
        const svc = name ? index.find('/Service', str(siblings.namespace) ?? ns, name) : undefined;
        return svc ? objs(svc.spec.ports).map((p) => ({ value: String(p.port), detail: `port ${str(p.name) ?? ''} of Service ${svc.name}` })) : [];
      }
      return [];
    }
    case 'split.smi-spec.io/TrafficSplit':
      return docPath === 'spec.service' || docPath === 'spec.backends[].service' ? index.of('/Service').filter((r) => r.namespace === ns).map((r) => ({ value: r.name, detail: 'Service' })) : [];
    case 'networking.istio.io/Sidecar':
      if (docPath === 'spec.egress[].hosts[]') {
        return [...index.namespaces()].sort().map((n) => ({ value: `${n}/*`, detail: `every host of namespace ${n}` }));
      }
      return [];
    default:
      return strings([]).map((v) => ({ value: v, detail: '' }));
  }
}

/** Ports of the Service a VirtualService destination host names. */
export function destinationPorts(index: WorkspaceIndex, namespace: string, host: string | undefined): ValueSuggestion[] {
  if (!host) return [];
  const fqdn = istioHost(host, namespace);
  const found = index.lookupHost(fqdn, namespace);
  const out: ValueSuggestion[] = [];
  for (const p of found.service?.ports ?? []) out.push({ value: String(p.port), detail: `${p.name ?? 'port'} of Service ${found.service!.res.name}` });
  for (const e of found.entries) for (const p of e.ports) if (typeof p.number === 'number') out.push({ value: String(p.number), detail: `${str(p.name) ?? 'port'} of ServiceEntry ${e.res.name}` });
  return out;
}
