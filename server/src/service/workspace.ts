import { plainValue, type ParsedSegment, type SegmentedFile } from './documents';
import { splitApiVersion } from './schema/registry';

/** A plain JSON object as read from YAML. Rules must treat every field as untrusted (any type, or absent). */
export type Obj = Record<string, unknown>;

export interface Resource {
  uri: string;
  /** The parsed document and the file line it starts at. */
  seg: ParsedSegment;
  startLine: number;
  apiVersion: string;
  group: string;
  version: string;
  kind: string;
  /** `group/Kind`, with an empty group for core kinds: `/Service`, `apps/Deployment`, `networking.istio.io/VirtualService`. */
  gk: string;
  name: string;
  /** metadata.namespace, or "default" when absent (cluster-scoped kinds: ""). */
  namespace: string;
  explicitNamespace: boolean;
  obj: Obj;
  spec: Obj;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const CLUSTER_SCOPED = new Set(['/Namespace', 'gateway.networking.k8s.io/GatewayClass', 'apiextensions.k8s.io/CustomResourceDefinition', '/Node', '/PersistentVolume', 'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding']);

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
export function objs(v: unknown): Obj[] {
  return arr(v).filter(isObj);
}
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}
export function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
}
export function obj(v: unknown): Obj {
  return isObj(v) ? v : {};
}
export function strings(v: unknown): string[] {
  return arr(v).map(str).filter((x): x is string => x !== undefined);
}
export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(v)) for (const [k, x] of Object.entries(v)) if (str(x) !== undefined) out[k] = str(x)!;
  return out;
}
/** Reads a nested value: get(obj, 'spec', 'http', 0, 'route'). */
export function get(v: unknown, ...path: Array<string | number>): unknown {
  let cur = v;
  for (const p of path) {
    if (typeof p === 'number') cur = Array.isArray(cur) ? cur[p] : undefined;
    else cur = isObj(cur) ? cur[p] : undefined;
  }
  return cur;
}

/** The resource a parsed document describes, cached on the document; undefined for empty or head-less ones. */
export function resourceOf(uri: string, seg: ParsedSegment, startLine: number): Resource | undefined {
  let base = seg.cache.get('resource') as Omit<Resource, 'uri' | 'startLine'> | null | undefined;
  if (base === undefined) {
    base = null;
    const { apiVersion, kind } = seg.head;
    if (!seg.empty && apiVersion && kind) {
      // undefined for documents with no safe plain value (collection keys, self-containing aliases...)
      const value = plainValue(seg.doc);
      if (isObj(value)) {
        const { group, version } = splitApiVersion(apiVersion);
        const gk = `${group}/${kind}`;
        const meta = obj(value.metadata);
        const ns = str(meta.namespace);
        base = {
          seg,
          apiVersion,
          group,
          version,
          kind,
          gk,
          name: str(meta.name) ?? '',
          namespace: CLUSTER_SCOPED.has(gk) ? '' : (ns ?? 'default'),
          explicitNamespace: ns !== undefined,
          obj: value,
          spec: obj(value.spec),
          labels: stringMap(meta.labels),
          annotations: stringMap(meta.annotations),
        };
      }
    }
    seg.cache.set('resource', base);
  }
  if (!base) return undefined;
  // Reuse the same object while the document keeps its file and line, so identities stay stable across edits.
  const last = seg.cache.get('resource:last') as Resource | undefined;
  if (last && last.uri === uri && last.startLine === startLine) return last;
  const res = { ...base, uri, startLine };
  seg.cache.set('resource:last', res);
  return res;
}

export interface Workload {
  res: Resource;
  namespace: string;
  /** Pod template labels. */
  labels: Record<string, string>;
  serviceAccount: string;
  /** Container ports: name, number, protocol. */
  ports: Array<{ name?: string; containerPort: number; protocol?: string }>;
  podSpec: Obj;
  podAnnotations: Record<string, string>;
}

const WORKLOAD_KINDS = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', 'batch/Job', 'batch/CronJob', '/Pod', '/ReplicationController', 'argoproj.io/Rollout']);

function workloadOf(res: Resource): Workload | undefined {
  if (!WORKLOAD_KINDS.has(res.gk)) return undefined;
  let template: Obj;
  if (res.gk === '/Pod') template = res.obj;
  else if (res.gk === 'batch/CronJob') template = obj(get(res.spec, 'jobTemplate', 'spec', 'template'));
  else template = obj(res.spec.template);
  const podSpec = obj(template.spec);
  const meta = obj(template.metadata);
  const ports: Workload['ports'] = [];
  for (const c of [...objs(podSpec.containers), ...objs(podSpec.initContainers)]) {
    for (const p of objs(c.ports)) {
      const n = num(p.containerPort);
      if (n !== undefined) ports.push({ name: str(p.name), containerPort: n, protocol: str(p.protocol) });
    }
  }
  return {
    res,
    namespace: res.namespace,
    labels: stringMap(meta.labels),
    serviceAccount: str(podSpec.serviceAccountName) ?? str(podSpec.serviceAccount) ?? 'default',
    ports,
    podSpec,
    podAnnotations: stringMap(meta.annotations),
  };
}

export function matchesSelector(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** A label selector with matchLabels and matchExpressions (Kubernetes semantics). */
export function matchesLabelSelector(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObj(selector)) return true;
  if (!matchesSelector(stringMap(selector.matchLabels), labels)) return false;
  for (const e of objs(selector.matchExpressions)) {
    const key = str(e.key) ?? '';
    const values = strings(e.values);
    switch (str(e.operator)) {
      case 'In':
        if (!(key in labels) || !values.includes(labels[key])) return false;
        break;
      case 'NotIn':
        if (key in labels && values.includes(labels[key])) return false;
        break;
      case 'Exists':
        if (!(key in labels)) return false;
        break;
      case 'DoesNotExist':
        if (key in labels) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Cluster DNS suffix used to qualify short hosts. */
export const CLUSTER_DOMAIN = 'svc.cluster.local';

/**
 * Qualifies a host written in Istio configuration (VirtualService hosts and destinations, DestinationRule host,
 * Sidecar egress hosts...) as istiod does (`ResolveShortnameToFQDN`): only a name without a dot is completed, to
 * `<name>.<namespace>.svc.cluster.local`; `*`, IP addresses and every name with a dot (`reviews.other`,
 * `reviews.other.svc`, FQDNs, wildcards) are taken literally. istioctl analyze reads hosts the same way.
 */
export function istioHost(host: string, namespace: string): string {
  if (host === '' || host.startsWith('*') || host.includes('.') || host.includes(':')) return host;
  return `${host}.${namespace || 'default'}.${CLUSTER_DOMAIN}`;
}

/**
 * For a partially qualified cluster name that Istio takes literally (`name.namespace`, `name.namespace.svc`,
 * `name.namespace.svc.cluster`), the fully qualified name it was probably meant as; undefined for anything else.
 */
export function partialClusterHost(host: string): string | undefined {
  if (host.includes('*') || host.includes(':')) return undefined;
  const parts = host.split('.');
  if (parts.some((p) => !p)) return undefined;
  const tail = parts.slice(2).join('.');
  if (parts.length >= 2 && parts.length <= 4 && (tail === '' || tail === 'svc' || tail === 'svc.cluster')) return `${parts[0]}.${parts[1]}.${CLUSTER_DOMAIN}`;
  return undefined;
}

/**
 * Resolves a name as a pod's DNS resolver would with the cluster search path (`<namespace>.svc.cluster.local`,
 * `svc.cluster.local`, `cluster.local`): `reviews`, `reviews.other` and `reviews.other.svc` all reach the Service.
 * This is right for what a client sends (a request's Host or authority) and wrong for hosts in Istio configuration,
 * which Istio reads with {@link istioHost}. With `knownNamespaces`, `name.x` is completed only when x is one of them.
 */
export function dnsHost(host: string, namespace: string, knownNamespaces?: Set<string>): string {
  if (host === '*' || host.startsWith('*')) return host;
  if (!host.includes('.')) return `${host}.${namespace || 'default'}.${CLUSTER_DOMAIN}`;
  const parts = host.split('.');
  if (parts.length === 2 && (!knownNamespaces || knownNamespaces.has(parts[1]))) return `${host}.${CLUSTER_DOMAIN}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${host}.cluster.local`;
  return host;
}

/** Does a host pattern (possibly `*` or `*.suffix`) cover a concrete host? */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*' || pattern === host) return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) || host === pattern.slice(2);
  if (pattern.startsWith('*')) return host.endsWith(pattern.slice(1));
  if (host.startsWith('*.')) return pattern.endsWith(host.slice(1));
  return false;
}

/** Do two host patterns overlap (some host matches both)? */
export function hostsOverlap(a: string, b: string): boolean {
  return hostMatches(a, b) || hostMatches(b, a);
}

export interface ServiceEntryHost {
  res: Resource;
  host: string;
  ports: Obj[];
  exportTo: string[];
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}

export interface KService {
  res: Resource;
  fqdn: string;
  ports: ServicePort[];
  selector: Record<string, string>;
  type: string;
  /** The `networking.istio.io/exportTo` annotation, split (empty: exported everywhere). */
  exportTo: string[];
}

/** The annotation that limits which namespaces see a Kubernetes Service in Istio (like a ServiceEntry's exportTo). */
export const SERVICE_EXPORT_TO = 'networking.istio.io/exportTo';

/** The namespaces a Service's `networking.istio.io/exportTo` annotation exports it to (empty: everywhere). */
export function serviceExportTo(res: Resource): string[] {
  const a = res.annotations[SERVICE_EXPORT_TO];
  if (a === undefined) return [];
  // an empty annotation has no entry: read as the default, exported everywhere
  return a
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** What a host resolves to from a namespace (see WorkspaceIndex.lookupHost). */
export interface HostLookup {
  service?: KService;
  entries: ServiceEntryHost[];
  /** Services and ServiceEntries that define the host but are not exported to the namespace asking. */
  hidden: Resource[];
}

/** Dependency keys: a `group/Kind`, or one of these. */
export const DEP_ALL = '*';
export const DEP_NAMESPACES = '#namespaces';
export const DEP_WORKLOADS = '#workloads';

/**
 * A lookup table shared by the checks of one workspace state, whose entries are read by key: a check that reads
 * `index.lookup(table, key)` depends on the entries under that key only, not on every resource of the kind, so an
 * edit re-runs the checks that looked up what the edited resource is filed under.
 *
 * A table is defined per resource (`entriesOf`: the keys a resource of the kind is filed under, with its entry),
 * so that under which keys an entry is filed depends only on its own resource, and the table can be updated in
 * place when a resource changes. Anything else `entriesOf` reads from the index stays a dependency of every lookup.
 */
export interface TableDef<T> {
  readonly name: string;
  /** The kind whose resources are the entries. */
  readonly kind: string;
  readonly entriesOf: (res: Resource, index: WorkspaceIndex) => Array<[string, T]>;
}

const TABLES = new Map<string, TableDef<unknown>>();

export function defineTable<T>(name: string, kind: string, entriesOf: (res: Resource, index: WorkspaceIndex) => Array<[string, T]>): TableDef<T> {
  const def: TableDef<T> = { name, kind, entriesOf };
  TABLES.set(name, def as TableDef<unknown>);
  return def;
}

interface Table {
  map: Map<string, unknown[]>;
  keysOf: Map<Resource, string[]>;
  /** What entriesOf read besides the table's own kind. */
  otherDeps: Set<string>;
}

/** One change of the workspace: a resource replaced, added (no `old`) or removed (no `neu`); `ord` orders resources. */
export interface ResourceChange {
  old?: Resource;
  neu?: Resource;
  ord: number;
}

const KEYED = '@';
const KEY_SEP = '\u0000';
const DEP_ANY = '#any:';
/** In a set of changed dependencies: every key of the table changed. */
const ALL_KEYS = '\u0001all';
const NO_ENTRIES: readonly never[] = [];

function entryResource(e: unknown): Resource {
  return ((e as { res?: Resource }).res ?? e) as Resource;
}

/** Is a dependency among the changed ones (a table marked as changed in full covers all its keys)? */
export function depChanged(dep: string, changed: Set<string>): boolean {
  if (changed.has(dep)) return true;
  if (!dep.startsWith(KEYED)) return false;
  return changed.has(dep.slice(0, dep.indexOf(KEY_SEP) + 1) + ALL_KEYS);
}

function mix(h: number, v: number): number {
  return (Math.imul(h ^ v, 0x5bd1e995) + 0x6b43a9b5) >>> 0;
}

/**
 * Read-only view of every resource in the workspace, with the lookups rules need. Built lazily, once per change.
 * While a `tracker` set is installed, every lookup records what it read (kinds, the namespace set, workloads),
 * so the engine can reuse a rule's findings until something it read changes.
 */
export class WorkspaceIndex {
  private readonly byGk = new Map<string, Resource[]>();
  private services?: Map<string, KService>;
  private seHosts?: ServiceEntryHost[];
  private workloadList?: Workload[];
  private nsSet?: Set<string>;
  private readonly versions = new Map<string, number>();
  tracker: Set<string> | undefined;

  /** Position of each resource in `all` order (file, then document): lists stay in this order as they change. */
  private readonly ords = new Map<Resource, number>();
  /** Resources per namespace name (a Namespace manifest counts for its own name). */
  private readonly nsCounts = new Map<string, number>();
  /** Increases with every change applied (see apply); 0 for a freshly built index. */
  generation = 0;
  private readonly log: Array<{ gen: number; deps: Set<string> }> = [];

  constructor(
    private readonly all: Resource[],
    ords?: number[],
  ) {
    all.forEach((r, i) => {
      this.ords.set(r, ords?.[i] ?? i);
      let list = this.byGk.get(r.gk);
      if (!list) this.byGk.set(r.gk, (list = []));
      list.push(r);
      this.countNamespaces(r, 1);
    });
  }

  private countNamespaces(r: Resource, by: 1 | -1): boolean {
    let changed = false;
    for (const n of [r.namespace, r.gk === '/Namespace' ? r.name : '']) {
      if (!n) continue;
      const c = (this.nsCounts.get(n) ?? 0) + by;
      if (c <= 0) this.nsCounts.delete(n);
      else this.nsCounts.set(n, c);
      if (c === 0 || (by === 1 && c === 1)) changed = true;
    }
    return changed;
  }

  private position(list: Resource[], ord: number): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ords.get(list[mid]) ?? 0) < ord) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private removeFrom(list: Resource[] | undefined, r: Resource): void {
    if (!list) return;
    const at = this.position(list, this.ords.get(r) ?? 0);
    const i = list[at] === r ? at : list.indexOf(r);
    if (i >= 0) list.splice(i, 1);
  }

  /**
   * Applies changes of the workspace in place and returns the dependency keys whose content may have changed
   * (kinds, namespaces, workloads, `any of` a kind, the keys of lookup tables). Derived lookups whose inputs did not
   * change are kept, so the cost follows the size of the change, not of the workspace.
   */
  apply(changes: ResourceChange[]): Set<string> {
    const deps = new Set<string>();
    if (!changes.length) return deps;
    deps.add(DEP_ALL);
    const gks = new Set<string>();
    const hadAny = new Map<string, boolean>();
    let nsChanged = false;
    for (const c of changes) for (const r of [c.old, c.neu]) if (r && !hadAny.has(r.gk)) hadAny.set(r.gk, (this.byGk.get(r.gk)?.length ?? 0) > 0);
    for (const c of changes) {
      if (c.old) {
        gks.add(c.old.gk);
        this.removeFrom(this.all, c.old);
        this.removeFrom(this.byGk.get(c.old.gk), c.old);
        nsChanged = this.countNamespaces(c.old, -1) || nsChanged;
        if (WORKLOAD_KINDS.has(c.old.gk)) deps.add(DEP_WORKLOADS);
      }
    }
    for (const c of changes) {
      // after every removal: a resource may have moved (removed at one place, added at another)
      if (c.old && c.old !== c.neu) this.ords.delete(c.old);
    }
    for (const c of changes) {
      if (c.neu) {
        gks.add(c.neu.gk);
        this.ords.set(c.neu, c.ord);
        this.all.splice(this.position(this.all, c.ord), 0, c.neu);
        let list = this.byGk.get(c.neu.gk);
        if (!list) this.byGk.set(c.neu.gk, (list = []));
        list.splice(this.position(list, c.ord), 0, c.neu);
        nsChanged = this.countNamespaces(c.neu, 1) || nsChanged;
        if (WORKLOAD_KINDS.has(c.neu.gk)) deps.add(DEP_WORKLOADS);
      }
    }
    for (const gk of gks) {
      deps.add(gk);
      if (hadAny.get(gk) !== (this.byGk.get(gk)?.length ?? 0) > 0) deps.add(DEP_ANY + gk);
    }
    if (gks.has('/Service')) this.services = undefined;
    if (gks.has('networking.istio.io/ServiceEntry')) this.seHosts = undefined;
    if (deps.has(DEP_WORKLOADS)) this.workloadList = undefined;
    if (nsChanged) {
      this.nsSet = undefined;
      deps.add(DEP_NAMESPACES);
    }
    for (const [name, t] of this.tables) {
      const def = TABLES.get(name)!;
      if ([...t.otherDeps].some((d) => depChanged(d, deps))) {
        this.tables.delete(name);
        deps.add(KEYED + name + KEY_SEP + ALL_KEYS);
        continue;
      }
      if (!gks.has(def.kind)) continue;
      for (const c of changes) {
        if (c.old?.gk === def.kind) for (const k of this.removeEntries(t, c.old)) deps.add(KEYED + name + KEY_SEP + k);
        if (c.neu?.gk === def.kind) for (const k of this.addEntries(t, def, c.neu, true)) deps.add(KEYED + name + KEY_SEP + k);
      }
    }
    for (const [k, m] of this.memos) if (m.deps.some((d) => depChanged(d, deps))) this.memos.delete(k);
    // the memoized versions of what changed: by key (an edit changes a few), unless a whole table changed
    if ([...deps].some((d) => d.endsWith(ALL_KEYS))) {
      for (const d of [...this.versions.keys()]) if (depChanged(d, deps)) this.versions.delete(d);
    } else {
      for (const d of deps) this.versions.delete(d);
    }
    this.generation++;
    this.log.push({ gen: this.generation, deps });
    if (this.log.length > 32) this.log.shift();
    return deps;
  }

  /**
   * The dependency keys that may have changed since generation `gen` (see apply), or undefined when that is no
   * longer known (too long ago, or another index): the caller then checks versions instead.
   */
  changedSince(gen: number): Set<string> | undefined {
    if (gen === this.generation) return new Set();
    if (gen > this.generation || !this.log.length || this.log[0].gen > gen + 1) return undefined;
    const out = new Set<string>();
    for (const e of this.log) if (e.gen > gen) for (const d of e.deps) out.add(d);
    return out;
  }

  /** Every resource (reading it makes a rule depend on everything). */
  get resources(): Resource[] {
    this.tracker?.add(DEP_ALL);
    return this.all;
  }

  /** A number that changes when what a dependency key covers changes. */
  version(dep: string): number {
    let v = this.versions.get(dep);
    if (v === undefined) {
      let h = 17;
      if (dep.startsWith(KEYED)) {
        h = this.keyedVersion(dep);
      } else if (dep.startsWith(DEP_ANY)) {
        h = (this.byGk.get(dep.slice(DEP_ANY.length))?.length ?? 0) > 0 ? 1 : 0;
      } else if (dep === DEP_NAMESPACES) {
        for (const n of [...this.namespacesUntracked()].sort()) for (let i = 0; i < n.length; i++) h = mix(h, n.charCodeAt(i));
      } else {
        const list = dep === DEP_ALL ? this.all : dep === DEP_WORKLOADS ? this.workloadsUntracked().map((w) => w.res) : this.byGk.get(dep) ?? [];
        for (const r of list) h = mix(mix(h, r.seg.id), r.startLine);
        h = mix(h, list.length);
      }
      v = h;
      this.versions.set(dep, v);
    }
    return v;
  }

  /** Version of a keyed dependency: the entries under the key, and what the table's build read besides its kind. */
  private keyedVersion(dep: string): number {
    const sep = dep.indexOf(KEY_SEP);
    const def = TABLES.get(dep.slice(KEYED.length, sep));
    if (!def) return -1; // a table of another build of the rules: never equal, so the check runs again
    const t = this.tableOf(def);
    let h = 23;
    const entries = t.map.get(dep.slice(sep + 1)) ?? NO_ENTRIES;
    for (const e of entries) {
      const r = entryResource(e);
      h = mix(mix(h, r.seg?.id ?? 0), r.startLine ?? 0);
    }
    h = mix(h, entries.length);
    for (const d of t.otherDeps) h = mix(h, this.version(d));
    return h;
  }

  private readonly tables = new Map<string, Table>();

  private tableOf(def: TableDef<unknown>): Table {
    let t = this.tables.get(def.name);
    if (!t) {
      t = { map: new Map(), keysOf: new Map(), otherDeps: new Set() };
      for (const r of this.byGk.get(def.kind) ?? []) this.addEntries(t, def, r, false);
      this.tables.set(def.name, t);
    }
    return t;
  }

  /** Files a resource's entries (in `all` order when `sorted`, else appended); returns their keys. */
  private addEntries(t: Table, def: TableDef<unknown>, r: Resource, sorted: boolean): string[] {
    const outer = this.tracker;
    const deps = new Set<string>();
    this.tracker = deps;
    let entries: Array<[string, unknown]>;
    try {
      entries = def.entriesOf(r, this);
    } finally {
      this.tracker = outer;
    }
    for (const d of deps) if (d !== def.kind) t.otherDeps.add(d);
    const keys: string[] = [];
    const ord = this.ords.get(r) ?? 0;
    for (const [k, e] of entries) {
      let list = t.map.get(k);
      if (!list) t.map.set(k, (list = []));
      if (sorted) {
        let at = list.length;
        while (at > 0 && (this.ords.get(entryResource(list[at - 1])) ?? 0) > ord) at--;
        list.splice(at, 0, e);
      } else list.push(e);
      if (!keys.includes(k)) keys.push(k);
    }
    t.keysOf.set(r, keys);
    return keys;
  }

  private removeEntries(t: Table, r: Resource): string[] {
    const keys = t.keysOf.get(r) ?? [];
    for (const k of keys) {
      const list = t.map.get(k);
      if (!list) continue;
      const rest = list.filter((e) => entryResource(e) !== r);
      if (rest.length) t.map.set(k, rest);
      else t.map.delete(k);
    }
    t.keysOf.delete(r);
    return keys;
  }

  /** The entries of a table under a key; the reading check depends on those entries only (see TableDef). */
  lookup<T>(def: TableDef<T>, key: string): readonly T[] {
    this.tracker?.add(KEYED + def.name + KEY_SEP + key);
    return (this.tableOf(def as TableDef<unknown>).map.get(key) ?? NO_ENTRIES) as readonly T[];
  }

  /** Does the workspace hold any resource of a kind? (The reading check depends on that yes or no only.) */
  has(gk: string): boolean {
    this.tracker?.add(DEP_ANY + gk);
    return (this.byGk.get(gk)?.length ?? 0) > 0;
  }

  private readonly memos = new Map<string, { value: unknown; deps: string[] }>();

  /**
   * A value computed once per index (per change of the workspace) and shared by every check that asks for it,
   * such as "VirtualServices by host". What the computation read becomes a dependency of each check using it.
   * Use it in rules that compare a resource with all others of a kind, so each check is a lookup, not a scan.
   */
  memo<T>(key: string, build: () => T): T {
    let m = this.memos.get(key);
    if (!m) {
      const outer = this.tracker;
      const deps = new Set<string>();
      this.tracker = deps;
      try {
        m = { value: build(), deps: [...deps] };
      } finally {
        this.tracker = outer;
      }
      this.memos.set(key, m);
    }
    if (this.tracker) for (const d of m.deps) this.tracker.add(d);
    return m.value as T;
  }

  of(gk: string): Resource[] {
    this.tracker?.add(gk);
    return this.byGk.get(gk) ?? [];
  }

  find(gk: string, namespace: string, name: string): Resource | undefined {
    return this.of(gk).find((r) => r.name === name && r.namespace === namespace);
  }

  private namespacesUntracked(): Set<string> {
    this.nsSet ??= new Set(this.nsCounts.keys());
    return this.nsSet;
  }

  /** Namespaces that appear in the workspace: Namespace manifests and every resource's namespace. */
  namespaces(): Set<string> {
    this.tracker?.add(DEP_NAMESPACES);
    return this.namespacesUntracked();
  }

  hasNamespaceManifests(): boolean {
    return this.of('/Namespace').length > 0;
  }

  kubeServices(): Map<string, KService> {
    this.tracker?.add('/Service');
    if (!this.services) {
      this.services = new Map();
      for (const r of this.byGk.get('/Service') ?? []) {
        const ports: ServicePort[] = objs(r.spec.ports).map((p) => ({
          name: str(p.name),
          port: num(p.port) ?? 0,
          targetPort: typeof p.targetPort === 'number' || typeof p.targetPort === 'string' ? p.targetPort : undefined,
          protocol: str(p.protocol),
          appProtocol: str(p.appProtocol),
        }));
        const fqdn = `${r.name}.${r.namespace}.${CLUSTER_DOMAIN}`;
        this.services.set(fqdn, { res: r, fqdn, ports, selector: stringMap(r.spec.selector), type: str(r.spec.type) ?? 'ClusterIP', exportTo: serviceExportTo(r) });
      }
    }
    return this.services;
  }

  serviceEntryHosts(): ServiceEntryHost[] {
    this.tracker?.add('networking.istio.io/ServiceEntry');
    if (!this.seHosts) {
      this.seHosts = [];
      for (const r of this.byGk.get('networking.istio.io/ServiceEntry') ?? []) {
        for (const h of strings(r.spec.hosts)) {
          this.seHosts.push({ res: r, host: h, ports: objs(r.spec.ports), exportTo: strings(r.spec.exportTo) });
        }
      }
    }
    return this.seHosts;
  }

  /** Is a resource with `exportTo` visible from `namespace`? (Empty exportTo means everywhere; `~` nowhere.) */
  static visible(exportTo: string[], owner: string, namespace: string): boolean {
    if (!exportTo.length) return true;
    return exportTo.some((e) => e === '*' || e === namespace || (e === '.' && owner === namespace));
  }

  /**
   * What a fully qualified host resolves to as seen from a namespace: a Kubernetes Service, ServiceEntries, or
   * nothing. Wildcard ServiceEntry hosts cover matching hosts; short ServiceEntry hosts are read in the entry's
   * namespace (as istioctl analyze does). Services honour their `networking.istio.io/exportTo` annotation and
   * ServiceEntries their `exportTo`: what defines the host but is not exported to `fromNamespace` is in `hidden`.
   */
  lookupHost(fqdn: string, fromNamespace: string): HostLookup {
    const hidden: Resource[] = [];
    let service: KService | undefined = this.kubeServices().get(fqdn);
    if (service && !WorkspaceIndex.visible(service.exportTo, service.res.namespace, fromNamespace)) {
      hidden.push(service.res);
      service = undefined;
    }
    const entries: ServiceEntryHost[] = [];
    for (const e of this.serviceEntryHosts()) {
      if (!(e.host === fqdn || hostMatches(istioHost(e.host, e.res.namespace), fqdn))) continue;
      if (WorkspaceIndex.visible(e.exportTo, e.res.namespace, fromNamespace)) entries.push(e);
      else if (!hidden.includes(e.res)) hidden.push(e.res);
    }
    return { service, entries, hidden };
  }

  private workloadsUntracked(): Workload[] {
    if (!this.workloadList) {
      this.workloadList = [];
      for (const r of this.all) {
        const w = workloadOf(r);
        if (w) this.workloadList.push(w);
      }
    }
    return this.workloadList;
  }

  workloads(): Workload[] {
    this.tracker?.add(DEP_WORKLOADS);
    return this.workloadsUntracked();
  }

  /** Workloads in a namespace matched by plain labels (workloadSelector.labels / matchLabels). */
  workloadsMatching(namespace: string, selector: Record<string, string>): Workload[] {
    return this.workloads().filter((w) => w.namespace === namespace && matchesSelector(selector, w.labels));
  }

  /** Does the workspace hold any workload or Service at all (so "not found" findings are meaningful)? */
  hasWorkloads(namespace?: string): boolean {
    return this.workloads().some((w) => namespace === undefined || w.namespace === namespace);
  }
}

/** Collects the resources of a set of files. */
/** The order of a resource in the workspace: its file's place, then its document's (see WorkspaceIndex.apply). */
export function resourceOrd(fileIndex: number, segmentIndex: number): number {
  return fileIndex * 2 ** 21 + segmentIndex;
}

export function buildIndex(files: Map<string, SegmentedFile>): WorkspaceIndex {
  const out: Resource[] = [];
  const ords: number[] = [];
  let fi = 0;
  for (const [uri, f] of files) {
    for (const s of f.segments) {
      const r = resourceOf(uri, s.parsed, s.startLine);
      if (r) {
        out.push(r);
        ords.push(resourceOrd(fi, s.index));
      }
    }
    fi++;
  }
  return new WorkspaceIndex(out, ords);
}
