/**
 * Discovery: which resource types the cluster serves, to build request paths and to explain
 * a type that is not served ("is Istio installed, and which version?").
 */
import { KubeError } from './errors';
import type { KubeConnection } from './rest';
import { splitApiVersion, type KubeObject, type ResourceType } from './types';

interface APIResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs?: string[];
}
interface APIGroup {
  name: string;
  versions: { groupVersion: string; version: string }[];
  preferredVersion?: { version: string };
}

/** Which product provides an API group, for the "is it installed?" hint. */
export function productHint(group: string, version: string): string {
  if (group === 'istio.io' || group.endsWith('.istio.io')) {
    const v1 = version === 'v1' && /^(networking|security)\.istio\.io$/.test(group) ? ' (v1 of this group needs Istio 1.22 or later; older releases serve v1beta1)' : '';
    return `Is Istio installed, and which version?${v1} Check with "istioctl version".`;
  }
  if (group === 'linkerd.io' || group.endsWith('.linkerd.io')) return 'Are Linkerd and its CRDs installed, and which version? Check with "linkerd version".';
  if (group.startsWith('gateway.networking.')) {
    const exp = group.includes('x-k8s') ? ' (this group is in the experimental channel only)' : '';
    return `Are the Gateway API CRDs installed${exp}, and which version? Check with "kubectl get crd gateways.gateway.networking.k8s.io -o yaml".`;
  }
  if (group.endsWith('smi-spec.io')) return 'Is an SMI implementation (and its CRDs) installed?';
  if (group === '' || !group.includes('.') || group.endsWith('.k8s.io')) return 'Is the Kubernetes version of the cluster recent enough for this API version?';
  return `Is the CRD for it installed? Check with "kubectl api-resources --api-group=${group}".`;
}

export class Discovery {
  private groups?: Promise<APIGroup[]>;
  private readonly lists = new Map<string, Promise<APIResource[] | undefined>>();

  constructor(private readonly conn: KubeConnection) {}

  /** Forgets what was discovered (after CRDs were applied). */
  invalidate(): void {
    this.groups = undefined;
    this.lists.clear();
  }

  private apiGroups(): Promise<APIGroup[]> {
    this.groups ??= this.conn
      .json<{ groups?: APIGroup[] }>({ method: 'GET', path: '/apis', attempt: { verb: 'discover', resource: 'API groups' } })
      .then((r) => r.value.groups ?? []);
    this.groups.catch(() => (this.groups = undefined));
    return this.groups;
  }

  /** Resources of a group version; undefined when the cluster does not serve it (404). */
  private resources(groupVersion: string): Promise<APIResource[] | undefined> {
    let p = this.lists.get(groupVersion);
    if (!p) {
      const path = groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
      p = this.conn.request({ method: 'GET', path, attempt: { verb: 'discover', resource: groupVersion } }).then((res) => {
        if (res.status === 404) return undefined;
        if (res.status < 200 || res.status >= 300) throw this.conn.errorFor(res, { verb: 'discover', resource: groupVersion });
        return ((JSON.parse(res.body) as { resources?: APIResource[] }).resources ?? []).filter((r) => !r.name.includes('/'));
      });
      p.catch(() => this.lists.delete(groupVersion));
      this.lists.set(groupVersion, p);
    }
    return p;
  }

  /** Server version (`/version`), e.g. `v1.32.0`; undefined if not answered. */
  async serverVersion(): Promise<string | undefined> {
    const res = await this.conn.request({ method: 'GET', path: '/version', attempt: { verb: 'get', resource: 'version' } });
    if (res.status !== 200) return undefined;
    return (JSON.parse(res.body) as { gitVersion?: string }).gitVersion;
  }

  /** Whether the type is served, without throwing when it is not. */
  async tryResolve(apiVersion: string, kind: string): Promise<ResourceType | KubeError> {
    try {
      return await this.resolve(apiVersion, kind);
    } catch (e) {
      if (e instanceof KubeError && e.kind === 'notServed') return e;
      throw e;
    }
  }

  /** The served type of apiVersion + kind; a KubeError of kind `notServed` (explained) when not served. */
  async resolve(apiVersion: string, kind: string): Promise<ResourceType> {
    const { group, version } = splitApiVersion(apiVersion);
    const ctx = this.conn.target.contextName;
    const notServed = (why: string): KubeError =>
      new KubeError('notServed', `${apiVersion} ${kind} is not served by context "${ctx}": ${why}. ${productHint(group, version)}`);
    if (group) {
      const g = (await this.apiGroups()).find((x) => x.name === group);
      if (!g) throw notServed(`the API group ${group} is not installed`);
      if (!g.versions.some((v) => v.version === version)) {
        const served = g.versions.map((v) => v.version).join(', ');
        throw notServed(`${group} is served in version${g.versions.length === 1 ? '' : 's'} ${served} only, not ${version}`);
      }
    }
    const list = await this.resources(apiVersion);
    if (!list) throw notServed(`the API ${apiVersion} is not served`);
    const r = list.find((x) => x.kind === kind);
    if (!r) {
      const kinds = [...new Set(list.map((x) => x.kind))].sort();
      throw notServed(`${apiVersion} serves ${kinds.slice(0, 12).join(', ')}${kinds.length > 12 ? ', ...' : ''} but not ${kind}`);
    }
    return { group, version, kind, plural: r.name, namespaced: r.namespaced, verbs: r.verbs ?? [] };
  }
}

/** The type a CRD in the batch would create for apiVersion + kind, if any (for resources applied right after their CRD). */
export function typeFromBatchCrd(crds: KubeObject[], apiVersion: string, kind: string): { type: ResourceType; crdName: string } | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  for (const crd of crds) {
    const spec = (crd.spec ?? {}) as { group?: string; scope?: string; names?: { kind?: string; plural?: string }; versions?: { name?: string; served?: boolean }[] };
    if (spec.group !== group || spec.names?.kind !== kind) continue;
    if (!(spec.versions ?? []).some((v) => v.name === version && v.served !== false)) continue;
    return {
      type: { group, version, kind, plural: spec.names.plural ?? `${kind.toLowerCase()}s`, namespaced: spec.scope !== 'Cluster', verbs: [] },
      crdName: String((crd.metadata as { name?: string } | undefined)?.name ?? ''),
    };
  }
  return undefined;
}

/** `/apis/g/v/namespaces/ns/plural/name` (or `/api/v1/...`). */
export function resourcePath(t: ResourceType, namespace: string | undefined, name?: string): string {
  const root = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  const ns = t.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${t.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

/** `virtualservices.networking.istio.io`, or `services` for the core group (as RBAC names them). */
export function resourceName(t: ResourceType): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}
