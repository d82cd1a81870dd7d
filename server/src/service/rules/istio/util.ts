import type { Fix, PathSeg } from '../../model';
import {
  arr,
  CLUSTER_DOMAIN,
  defineTable,
  get,
  hostMatches,
  isObj,
  num,
  objs,
  istioHost,
  partialClusterHost,
  SERVICE_EXPORT_TO,
  str,
  stringMap,
  strings,
  type Obj,
  type Resource,
  WorkspaceIndex,
} from '../../workspace';

/** Shared helpers of the istio rules. Everything here tolerates untrusted input (any type, or absent). */

export const GK = {
  vs: 'networking.istio.io/VirtualService',
  dr: 'networking.istio.io/DestinationRule',
  gw: 'networking.istio.io/Gateway',
  se: 'networking.istio.io/ServiceEntry',
  sidecar: 'networking.istio.io/Sidecar',
  envoyFilter: 'networking.istio.io/EnvoyFilter',
  telemetry: 'telemetry.istio.io/Telemetry',
  k8sGateway: 'gateway.networking.k8s.io/Gateway',
  service: '/Service',
} as const;

/** Istio's default config root namespace (MeshConfig.rootNamespace). */
export const ROOT_NAMESPACE = 'istio-system';
export const MESH_GATEWAY = 'mesh';

/** `ns/name` for messages. */
export function fullName(res: Resource): string {
  return res.namespace ? `${res.namespace}/${res.name}` : res.name;
}

/** Joins names for a message: `a`, `a and b`, `a, b and c`. */
export function listText(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

// ---------------------------------------------------------------------------------------------------------------
// exportTo

/** The namespaces a resource is visible in: '*' for everywhere, else a set (possibly empty for `~`). */
export type Scope = '*' | Set<string>;

export function exportScope(exportTo: string[], owner: string): Scope {
  if (!exportTo.length || exportTo.includes('*')) return '*';
  const out = new Set<string>();
  for (const e of exportTo) {
    if (e === '~') continue;
    out.add(e === '.' ? owner : e);
  }
  return out;
}

export function scopeHas(scope: Scope, ns: string): boolean {
  return scope === '*' || scope.has(ns);
}

/** Is there a namespace in which both scopes are visible? */
export function scopesIntersect(a: Scope, b: Scope): boolean {
  if (a === '*') return b === '*' || b.size > 0;
  if (b === '*') return a.size > 0;
  for (const x of a) if (b.has(x)) return true;
  return false;
}


// ---------------------------------------------------------------------------------------------------------------
// VirtualService

export interface VsDest {
  /** Path of the destination mapping (the object holding host/subset/port). */
  path: PathSeg[];
  host: string;
  subset?: string;
  /** True when `port` is present (any shape). */
  hasPort: boolean;
  port?: number;
  section: 'http' | 'tcp' | 'tls';
  /** Index of the http/tcp/tls rule. */
  rule: number;
  kind: 'route' | 'mirror';
}

/** Every destination of a VirtualService: http/tcp/tls route destinations, http mirror and mirrors. */
export function vsDests(res: Resource): VsDest[] {
  const out: VsDest[] = [];
  const add = (d: unknown, path: PathSeg[], section: VsDest['section'], rule: number, kind: VsDest['kind']): void => {
    if (!isObj(d)) return;
    const host = str(d.host);
    if (!host) return;
    out.push({ path, host, subset: str(d.subset) || undefined, hasPort: d.port !== undefined && d.port !== null, port: num(get(d, 'port', 'number')), section, rule, kind });
  };
  for (const section of ['http', 'tcp', 'tls'] as const) {
    arr(res.spec[section]).forEach((route, i) => {
      if (!isObj(route)) return;
      arr(route.route).forEach((rd, j) => {
        if (isObj(rd)) add(rd.destination, ['spec', section, i, 'route', j, 'destination'], section, i, 'route');
      });
      if (section === 'http') {
        add(route.mirror, ['spec', section, i, 'mirror'], section, i, 'mirror');
        arr(route.mirrors).forEach((m, k) => {
          if (isObj(m)) add(m.destination, ['spec', section, i, 'mirrors', k, 'destination'], section, i, 'mirror');
        });
      }
    });
  }
  return out;
}

export function vsGateways(res: Resource): string[] {
  return strings(res.spec.gateways);
}

/** A VirtualService applies to sidecars when it names no gateway or names `mesh`. */
export function boundToMesh(res: Resource): boolean {
  const gws = vsGateways(res);
  return gws.length === 0 || gws.includes(MESH_GATEWAY);
}

/** Gateways other than `mesh` a VirtualService binds to. */
export function boundToGateways(res: Resource): boolean {
  return vsGateways(res).some((g) => g !== MESH_GATEWAY);
}

/** `ns/name` or `name` (in the VirtualService's namespace), as Istio reads a gateway reference. */
export function parseGatewayRef(ref: string, vsNamespace: string): { namespace: string; name: string } {
  const at = ref.indexOf('/');
  if (at >= 0) return { namespace: ref.slice(0, at), name: ref.slice(at + 1) };
  return { namespace: vsNamespace, name: ref };
}

/** Names of internal Gateways Istio generates for Kubernetes Gateway API gateways (old `-` and new `~` separators). */
const INTERNAL_GATEWAY = /^(.+?)([-~])istio-autogenerated-k8s-gateway(?:\2(.*))?$/;

/** If a gateway reference names an implementation-generated gateway, the Kubernetes Gateway it was generated for. */
export function internalGatewayRef(ref: string): { gatewayName: string; listener?: string } | undefined {
  const name = ref.includes('/') ? ref.slice(ref.indexOf('/') + 1) : ref;
  const m = INTERNAL_GATEWAY.exec(name);
  if (!m) return undefined;
  return { gatewayName: m[1], listener: m[3] || undefined };
}

// ---------------------------------------------------------------------------------------------------------------
// Gateways

export interface GatewayLookup {
  kind: 'istio' | 'k8s';
  res: Resource;
}

export function findGateway(index: WorkspaceIndex, namespace: string, name: string): GatewayLookup | undefined {
  const istio = index.find(GK.gw, namespace, name);
  if (istio) return { kind: 'istio', res: istio };
  const k8s = index.find(GK.k8sGateway, namespace, name);
  if (k8s) return { kind: 'k8s', res: k8s };
  return undefined;
}

/**
 * The hosts a Gateway exposes to VirtualServices of `vsNamespace`, as Istio's analyzer reads them: `./h` is the
 * Gateway's namespace, `*\/h` any namespace, `ns/h` only VirtualServices of `ns`. Undefined host lists are skipped.
 * For a Kubernetes Gateway, listener hostnames (a listener without one accepts every host).
 */
export function gatewayHostsFor(gw: GatewayLookup, vsNamespace: string): string[] {
  const out: string[] = [];
  if (gw.kind === 'k8s') {
    for (const l of objs(gw.res.spec.listeners)) {
      const h = str(l.hostname);
      out.push(h ? h : '*');
    }
    return out;
  }
  for (const server of objs(gw.res.spec.servers)) {
    for (const h of strings(server.hosts)) {
      const at = h.indexOf('/');
      if (at < 0) {
        out.push(h);
        continue;
      }
      const ns = h.slice(0, at);
      const host = h.slice(at + 1);
      if (ns === '*' || (ns === '.' ? gw.res.namespace : ns) === vsNamespace) out.push(host);
    }
  }
  return out;
}

/** A Gateway server host split into the namespace whose VirtualServices may use it (`*` for any) and the host. */
export function serverHost(h: string, gatewayNamespace: string): { namespace: string; host: string } {
  const at = h.indexOf('/');
  if (at < 0) return { namespace: '*', host: h };
  const ns = h.slice(0, at);
  return { namespace: ns === '.' ? gatewayNamespace : ns, host: h.slice(at + 1) };
}

/** Can two Gateway server hosts ever serve the same VirtualService host? */
export function serverHostsOverlap(a: { namespace: string; host: string }, b: { namespace: string; host: string }): boolean {
  return (a.namespace === '*' || b.namespace === '*' || a.namespace === b.namespace) && namesOverlap(a.host, b.host);
}

/** Istio's host.Name.Matches: the two names overlap (wildcards on either side). */
export function namesOverlap(a: string, b: string): boolean {
  return a === b || hostMatches(a, b) || hostMatches(b, a);
}

/** A Gateway's selector as a canonical string (`k=v,k2=v2`, sorted), like Kubernetes prints a label selector. */
export function selectorKey(selector: Record<string, string>): string {
  return Object.keys(selector)
    .sort()
    .map((k) => `${k}=${selector[k]}`)
    .join(',');
}

export function gatewaySelector(res: Resource): Record<string, string> {
  return stringMap(res.spec.selector);
}

// ---------------------------------------------------------------------------------------------------------------
// DestinationRules

export interface DrInfo {
  res: Resource;
  /** The host as written and as Istio resolves it in the DestinationRule's namespace. */
  rawHost: string;
  host: string;
  scope: Scope;
  subsets: string[];
}

export function drInfo(res: Resource, _index?: WorkspaceIndex): DrInfo | undefined {
  const rawHost = str(res.spec.host);
  if (!rawHost) return undefined;
  return {
    res,
    rawHost,
    host: istioHost(rawHost, res.namespace),
    scope: exportScope(strings(res.spec.exportTo), res.namespace),
    subsets: objs(res.spec.subsets)
      .map((s) => str(s.name))
      .filter((x): x is string => !!x),
  };
}

/**
 * Memoizes a value per workspace index (rebuilt after every change) through the index's own memo, so that what
 * the computation read is recorded as a dependency of every check that uses it.
 */
export function perIndex<T>(index: WorkspaceIndex, key: string, compute: () => T): T {
  return index.memo(key, compute);
}

export function allDrs(index: WorkspaceIndex): DrInfo[] {
  return perIndex(index, 'istio/drs', () =>
    index
      .of(GK.dr)
      .map((r) => drInfo(r, index))
      .filter((x): x is DrInfo => !!x),
  );
}

/** Istio's MostSpecificHostMatch: the exact host, else the longest wildcard that covers it. */
function mostSpecific(fqdn: string, drs: DrInfo[]): DrInfo[] {
  const exact = drs.filter((d) => d.host === fqdn);
  if (exact.length) return exact;
  const wild = drs.filter((d) => d.host.startsWith('*') && hostMatches(d.host, fqdn));
  if (!wild.length) return [];
  const best = wild.reduce((a, b) => (b.host.length > a.host.length ? b : a)).host;
  return wild.filter((d) => d.host === best);
}

/** Namespaces that own the service behind a host: the Kubernetes Service's, or the ServiceEntries'. */
export function serviceNamespaces(index: WorkspaceIndex, fqdn: string, fromNamespace: string): string[] {
  const found = index.lookupHost(fqdn, fromNamespace);
  const out: string[] = [];
  if (found.service) out.push(found.service.res.namespace);
  for (const e of found.entries) if (!out.includes(e.res.namespace)) out.push(e.res.namespace);
  if (!out.length) {
    const parts = fqdn.split('.');
    if (parts.length === 5 && fqdn.endsWith(`.${CLUSTER_DOMAIN}`)) out.push(parts[1]);
  }
  return out;
}

/** DestinationRules by `<namespace>\0<host>` for exact hosts, and by `<namespace>\0*` for the wildcard ones. */
const DRS_BY_NAMESPACE_HOST = defineTable<DrInfo>('istio/drs-by-namespace-host', GK.dr, (r) => {
  const d = drInfo(r);
  return d ? [[`${d.res.namespace}\u0000${d.host.startsWith('*') ? '*' : d.host}`, d]] : [];
});

export interface DrChoice {
  /** The namespace whose DestinationRules apply, and those rules (merged by Istio: their subsets add up). */
  namespace: string;
  drs: DrInfo[];
  /** Namespaces looked in, in Istio's order. */
  searched: string[];
}

/**
 * The DestinationRules a client in `clientNamespace` uses for `fqdn`, following istiod: rules in the client's
 * namespace first, then rules exported to it from the service's namespace, then from the root namespace; in each,
 * the most specific host match wins.
 */
export function destinationRulesFor(index: WorkspaceIndex, fqdn: string, clientNamespace: string, drs?: DrInfo[]): DrChoice {
  const searched: string[] = [clientNamespace];
  const inNamespace = (ns: string): DrInfo[] => {
    if (drs) return mostSpecific(fqdn, drs.filter((d) => d.res.namespace === ns));
    // read by key: the check depends on the rules of that namespace for that host (and its wildcard rules) only
    return mostSpecific(fqdn, [...index.lookup(DRS_BY_NAMESPACE_HOST, `${ns}\u0000${fqdn}`), ...index.lookup(DRS_BY_NAMESPACE_HOST, `${ns}\u0000*`)]);
  };
  const local = inNamespace(clientNamespace);
  if (local.length) return { namespace: clientNamespace, drs: local, searched };
  const exported = (ns: string): DrInfo[] => inNamespace(ns).filter((d) => scopeHas(d.scope, clientNamespace));
  for (const ns of [...serviceNamespaces(index, fqdn, clientNamespace), ROOT_NAMESPACE]) {
    if (searched.includes(ns)) continue;
    searched.push(ns);
    const found = exported(ns);
    if (found.length) return { namespace: ns, drs: found, searched };
  }
  return { namespace: '', drs: [], searched };
}

// ---------------------------------------------------------------------------------------------------------------
// Services

/** Known host names for "did you mean": Services (short in `ns`, else the FQDN) and ServiceEntry hosts, as seen from `ns`. */
export function knownHostNames(index: WorkspaceIndex, ns: string): string[] {
  const out = new Set<string>();
  for (const s of index.kubeServices().values()) {
    if (!WorkspaceIndex.visible(s.exportTo, s.res.namespace, ns)) continue;
    out.add(s.res.namespace === ns ? s.res.name : s.fqdn);
  }
  for (const e of index.serviceEntryHosts()) if (!e.host.includes('*') && WorkspaceIndex.visible(e.exportTo, e.res.namespace, ns)) out.add(e.host);
  return [...out];
}

/** "Service ns/name (networking.istio.io/exportTo: ".")" for a resource that hides a host. */
function exportNote(r: Resource): string {
  if (r.gk === GK.service) return `Service ${fullName(r)} is annotated ${SERVICE_EXPORT_TO}: "${r.annotations[SERVICE_EXPORT_TO] ?? ''}"`;
  return `${r.kind} ${fullName(r)} has exportTo ${JSON.stringify(strings(r.spec.exportTo))}`;
}

/** Why a host resolves to nothing, when there is more to say than "not found", and what to write instead. */
export interface HostExplanation {
  /** A whole sentence with the subject ("Destination host "x" is taken literally ..."). */
  message: string;
  /** Host values that would resolve, best first (for quick-fixes); may be empty. */
  replacements: string[];
}

/**
 * Explains a host of a resource in `fromNs` that resolves (as `fqdn`) to no Service or ServiceEntry visible there:
 * the Service or ServiceEntry exists but is not exported to the namespace; a partially qualified name
 * (`name.namespace`, `name.namespace.svc`) that Istio takes literally; a short name of a Service that lives in
 * another namespace. Undefined when none applies (a plain "not found").
 */
export function explainUnresolvedHost(index: WorkspaceIndex, host: string, fqdn: string, fromNs: string, subject: string): HostExplanation | undefined {
  const shown = host === fqdn ? `${subject} "${host}"` : `${subject} "${host}" (${fqdn})`;
  const found = index.lookupHost(fqdn, fromNs);
  if (found.hidden.length) {
    return { message: `${shown} is not exported to namespace ${fromNs}: ${listText(found.hidden.map(exportNote))}.`, replacements: [] };
  }
  const partial = partialClusterHost(host);
  if (partial && partial !== fqdn) {
    const p = index.lookupHost(partial, fromNs);
    const literally = `${subject} "${host}" is taken literally by Istio (only a name without a dot is completed to <name>.<namespace>.${CLUSTER_DOMAIN}), so it matches no Service or ServiceEntry`;
    if (p.service || p.entries.length) {
      const replacements = [partial];
      if (p.service && p.service.res.namespace === fromNs) replacements.push(p.service.res.name);
      return { message: `${literally}; use ${partial}.`, replacements };
    }
    if (p.hidden.length) return { message: `${literally}; ${partial} exists but is not exported to namespace ${fromNs}: ${listText(p.hidden.map(exportNote))}.`, replacements: [] };
    if (index.namespaces().has(partial.split('.')[1])) return { message: `${literally}. For Service "${partial.split('.')[0]}" of namespace ${partial.split('.')[1]}, write ${partial}.`, replacements: [] };
  }
  if (!host.includes('.') && !host.includes('*')) {
    const elsewhere = [...index.kubeServices().values()]
      .filter((s) => s.res.name === host && s.res.namespace !== fromNs && WorkspaceIndex.visible(s.exportTo, s.res.namespace, fromNs))
      .map((s) => s.fqdn)
      .sort();
    if (elsewhere.length) {
      const nss = elsewhere.map((f) => f.split('.')[1]);
      return {
        message: `${shown} matches no Service or ServiceEntry: a short name is read in the namespace of the resource (${fromNs}), and Service "${host}" is in namespace ${listText(nss)}; use ${elsewhere.length > 1 ? `one of ${listText(elsewhere)}` : elsewhere[0]}.`,
        replacements: elsewhere,
      };
    }
  }
  return undefined;
}

/** Ports of what a host resolves to from a namespace: the Service's, else the first ServiceEntry's. */
export function hostPorts(index: WorkspaceIndex, fqdn: string, fromNamespace: string): { owner: string; ports: Array<{ number: number; name?: string }> } | undefined {
  const found = index.lookupHost(fqdn, fromNamespace);
  if (found.service) {
    return { owner: `Service ${fullName(found.service.res)}`, ports: found.service.ports.map((p) => ({ number: p.port, name: p.name })) };
  }
  const e = found.entries[0];
  if (e) {
    return {
      owner: `ServiceEntry ${fullName(e.res)}`,
      ports: e.ports.map((p) => ({ number: num(p.number) ?? 0, name: str(p.name) })),
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// misc

/** JSON with sorted keys, for comparing YAML values regardless of key order. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObj(v)) {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

export function withoutKey(o: Obj, key: string): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (k !== key) out[k] = v;
  return out;
}

/** A fix that combines several edits (each builder may fail: then no fix). */
export function combine(title: string, ...fixes: Array<Fix | undefined>): Fix | undefined {
  if (fixes.some((f) => !f)) return undefined;
  return { title, edits: fixes.flatMap((f) => f!.edits) };
}

/** A YAML plain scalar when safe, else a double-quoted one. */
export function yamlScalar(v: string): string {
  if (/^[A-Za-z_][A-Za-z0-9._/-]*$/.test(v) && !/^(true|false|yes|no|on|off|null|y|n)$/i.test(v)) return v;
  return JSON.stringify(v);
}

/** Points a fix built on `target` (another resource) at its file, when that is not the file of the finding. */
export function onResource(fix: Fix | undefined, target: Resource, findingUri: string): Fix | undefined {
  if (!fix || target.uri === findingUri) return fix;
  return { ...fix, edits: fix.edits.map((e) => ({ ...e, uri: target.uri })) };
}
