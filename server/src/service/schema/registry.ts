import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { hasCycle } from '../documents';
import { suggest } from '../text';
import { compareVersions, convertCrd, familyOf } from './crd';
import type { KindInfo, KindSchemas, SchemaNode, VersionInfo } from './types';

export interface FieldDoc {
  doc: string;
  example?: string;
  anchor?: string;
}

export interface KindDocs {
  reference?: string;
  fields: Record<string, FieldDoc>;
  /**
   * Path prefixes that share the docs of another prefix, for structures a kind repeats (a DestinationRule
   * subset's trafficPolicy reads like the top-level one): `spec.subsets[].trafficPolicy: spec.trafficPolicy`.
   */
  aliases?: Record<string, string>;
}

/** Our doc for a field path, following aliases (longest prefix first); common docs are the fallback. */
export function findFieldDoc(docs: KindDocs | undefined, common: KindDocs | undefined, docPath: string): FieldDoc | undefined {
  let p = docPath;
  for (let hops = 0; hops < 8; hops++) {
    const direct = docs?.fields[p];
    if (direct) return direct;
    const aliases = docs?.aliases ? Object.entries(docs.aliases).sort((a, b) => b[0].length - a[0].length) : [];
    const hit = aliases.find(([from]) => p === from || p.startsWith(from + '.') || p.startsWith(from + '[') || p.startsWith(from + '{'));
    if (!hit) break;
    p = hit[1] + p.slice(hit[0].length);
  }
  return common?.fields[docPath];
}

/** A resolved kind at a version, ready for validation. */
export interface ResolvedKind {
  info: KindInfo;
  version: VersionInfo;
  schema: SchemaNode;
  /** Where the schema came from: 'bundled' or the path/URI of the user's CRD file. */
  source: string;
}

export type Lookup =
  | { status: 'ok'; kind: ResolvedKind }
  | { status: 'not-mesh' }
  /** `suggestions`: the kinds of the group (may be empty); `elsewhere`: mesh kinds of that name in other groups. */
  | { status: 'unknown-kind'; group: string; suggestions: string[]; elsewhere: KindInfo[] }
  | { status: 'unknown-version'; info: KindInfo; version: string }
  /** `apiVersion: networking.istio.io` (or `networking.istio.io/`): a mesh group without a version. */
  | { status: 'missing-version'; group: string; info?: KindInfo }
  /**
   * A kind only mesh groups define, under a group that certainly does not define it (the core group, a built-in
   * Kubernetes group, or a misspelling of the mesh group): `apiVersion: v1` with `kind: VirtualService`.
   * `candidates`: the mesh kinds of that name, Gateway API first.
   */
  | { status: 'wrong-group'; group: string; kind: string; candidates: KindInfo[] };

/**
 * Kinds of the Kubernetes built-in API. A kind of this name is never reported as a mesh kind in the wrong group,
 * even when a CRD of the workspace defines one in a mesh group.
 */
const BUILTIN_KINDS = new Set([
  'Pod', 'Service', 'Endpoints', 'ConfigMap', 'Secret', 'Namespace', 'Node', 'PersistentVolume', 'PersistentVolumeClaim',
  'ServiceAccount', 'Event', 'LimitRange', 'ResourceQuota', 'ReplicationController', 'PodTemplate', 'Binding',
  'ComponentStatus', 'List', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ControllerRevision', 'Job', 'CronJob',
  'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Ingress', 'IngressClass', 'NetworkPolicy', 'IPAddress', 'ServiceCIDR',
  'EndpointSlice', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'VolumeAttachment',
  'VolumeAttributesClass', 'CSIDriver', 'CSINode', 'CSIStorageCapacity', 'CustomResourceDefinition',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding',
  'CertificateSigningRequest', 'ClusterTrustBundle', 'Lease', 'LeaseCandidate', 'PriorityClass', 'RuntimeClass',
  'FlowSchema', 'PriorityLevelConfiguration', 'APIService', 'ResourceClaim', 'ResourceClaimTemplate', 'DeviceClass',
  'ResourceSlice', 'TokenReview', 'SubjectAccessReview', 'SelfSubjectAccessReview', 'LocalSubjectAccessReview',
  'SelfSubjectRulesReview', 'SelfSubjectReview', 'PodSecurityPolicy', 'StorageVersionMigration',
]);

/** The core group (`apiVersion: v1`) and the groups of the Kubernetes built-in API, which define no mesh kind. */
export function isBuiltinGroup(group: string): boolean {
  return group === '' || group === 'apps' || group === 'batch' || group === 'autoscaling' || group === 'policy' || group === 'extensions' || (group.endsWith('.k8s.io') && familyOf(group) === 'other');
}

const FAMILY_ORDER: Record<string, number> = { 'gateway-api': 0, istio: 1, linkerd: 2, smi: 3, other: 4 };

interface Override {
  info: KindInfo;
  schemas: Map<string, SchemaNode>;
  source: string;
}

/** Finds the schemas/ folder by walking up from a directory (works from sources and from dist/). */
export function findSchemasDir(from: string): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'schemas', 'index.json');
    if (fs.existsSync(candidate)) return path.dirname(candidate);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`schemas/index.json not found above ${from}`);
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  if (slash < 0) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
export { splitApiVersion };

/**
 * Knows every mesh kind: the bundled schemas (loaded lazily, one kind at a time) and the user's own CRDs,
 * which replace the bundled schema of the same group, kind and version.
 */
export class SchemaRegistry {
  private readonly index: KindInfo[];
  private readonly byId = new Map<string, KindInfo>();
  private readonly loaded = new Map<string, KindSchemas>();
  private readonly docs = new Map<string, KindDocs | null>();
  /** overrides by source file, then by kind id */
  private readonly overrides = new Map<string, Map<string, Override>>();
  private mergedCache = new Map<string, KindInfo>();
  /** kinds() and its groups, until the set of schemas changes (every document of a group we do not know asks). */
  private kindsCache: KindInfo[] | undefined;
  private groupsCache: Set<string> | undefined;
  /** Bumped whenever the set of schemas changes; caches keyed by it become stale. */
  generation = 0;

  constructor(readonly dir: string) {
    this.index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as KindInfo[];
    for (const k of this.index) this.byId.set(`${k.group}/${k.kind}`, k);
  }

  /** Every kind, with versions merged from the user's CRDs. */
  kinds(): KindInfo[] {
    this.kindsCache ??= this.computeKinds();
    return [...this.kindsCache];
  }

  private computeKinds(): KindInfo[] {
    const ids = new Set<string>(this.byId.keys());
    for (const byKind of this.overrides.values()) for (const id of byKind.keys()) ids.add(id);
    return [...ids].sort().map((id) => this.kindInfo(id)!).filter(Boolean);
  }

  groups(): Set<string> {
    return new Set(this.knownGroups());
  }

  private knownGroups(): Set<string> {
    this.groupsCache ??= new Set(this.kinds().map((k) => k.group));
    return this.groupsCache;
  }

  isMeshGroup(group: string): boolean {
    return familyOf(group) !== 'other' || this.knownGroups().has(group);
  }

  kindInfo(id: string): KindInfo | undefined {
    const cached = this.mergedCache.get(id);
    if (cached) return cached;
    const base = this.byId.get(id);
    const versions = new Map<string, VersionInfo>();
    for (const v of base?.versions ?? []) versions.set(v.name, v);
    let first: Override | undefined;
    for (const byKind of this.overrides.values()) {
      const o = byKind.get(id);
      if (!o) continue;
      first ??= o;
      for (const v of o.info.versions) versions.set(v.name, v);
    }
    const src = base ?? first?.info;
    if (!src) return undefined;
    const merged: KindInfo = { ...src, versions: [...versions.values()].sort((a, b) => compareVersions(a.name, b.name)) };
    this.mergedCache.set(id, merged);
    return merged;
  }

  /** The version new documents should use: the newest served version that is not deprecated. */
  preferredVersion(info: KindInfo): VersionInfo {
    return info.versions.find((v) => v.served && !v.deprecated) ?? info.versions.find((v) => v.served) ?? info.versions[0];
  }

  /** Does this apiVersion name a mesh group (with or without a version)? */
  isMeshApiVersion(apiVersion: string): boolean {
    const { group, version } = splitApiVersion(apiVersion);
    return group ? this.isMeshGroup(group) : version.includes('.') && this.isMeshGroup(version);
  }

  /**
   * The mesh kinds named `kind` when a document of that kind under `group` is certainly a mistake: the kind is
   * defined only by mesh groups (not by Kubernetes itself), and `group` is the core group, a built-in Kubernetes
   * group or a misspelling of a mesh group that defines it. Empty otherwise (a CRD of another group may well
   * define a kind of that name).
   */
  misplacedKind(group: string, kind: string): KindInfo[] {
    if (BUILTIN_KINDS.has(kind) || this.isMeshGroup(group)) return [];
    let named = this.kindsNamed(kind);
    if (!isBuiltinGroup(group)) {
      const near = new Set(suggest(group, new Set(named.map((k) => k.group)), 3));
      named = named.filter((k) => near.has(k.group));
    }
    return named.sort((a, b) => (FAMILY_ORDER[a.family] ?? 9) - (FAMILY_ORDER[b.family] ?? 9) || a.group.localeCompare(b.group));
  }

  lookup(apiVersion: string | undefined, kind: string | undefined): Lookup {
    if (!apiVersion || !kind) return { status: 'not-mesh' };
    let { group, version } = splitApiVersion(apiVersion);
    if (!group && version.includes('.') && this.isMeshGroup(version)) {
      // no slash: `networking.istio.io` is a group without its version, not the version of the core group
      group = version;
      version = '';
    }
    if (!this.isMeshGroup(group)) {
      const candidates = this.misplacedKind(group, kind);
      return candidates.length ? { status: 'wrong-group', group, kind, candidates } : { status: 'not-mesh' };
    }
    const info = this.kindInfo(`${group}/${kind}`);
    if (!version) return { status: 'missing-version', group, info };
    if (!info) {
      const inGroup = this.kinds().filter((k) => k.group === group).map((k) => k.kind);
      return { status: 'unknown-kind', group, suggestions: inGroup, elsewhere: this.kindsNamed(kind) };
    }
    const v = info.versions.find((x) => x.name === version);
    if (!v || !v.served) return { status: 'unknown-version', info, version };
    const resolved = this.resolve(info, v);
    return resolved ? { status: 'ok', kind: resolved } : { status: 'unknown-version', info, version };
  }

  /** Kinds named `kind` in any mesh group (for documents whose group is wrong). */
  kindsNamed(kind: string): KindInfo[] {
    return this.kinds().filter((k) => k.kind === kind);
  }

  private resolve(info: KindInfo, v: VersionInfo): ResolvedKind | undefined {
    const id = `${info.group}/${info.kind}`;
    for (const byKind of this.overrides.values()) {
      const o = byKind.get(id);
      const s = o?.schemas.get(v.name);
      if (o && s) return { info, version: v, schema: s, source: o.source };
    }
    const base = this.byId.get(id);
    if (!base) return undefined;
    let ks = this.loaded.get(id);
    if (!ks) {
      ks = JSON.parse(fs.readFileSync(path.join(this.dir, 'kinds', base.file), 'utf8')) as KindSchemas;
      this.loaded.set(id, ks);
    }
    const key = ks.versions[v.name];
    const schema = key ? ks.schemas[key] : undefined;
    return schema ? { info, version: v, schema, source: 'bundled' } : undefined;
  }

  /** Schema of a kind at a version name (any served state), for hover "served in" checks. */
  schemaAt(info: KindInfo, version: string): SchemaNode | undefined {
    const v = info.versions.find((x) => x.name === version);
    return v ? this.resolve(info, v)?.schema : undefined;
  }

  /** Our own field docs for a kind, and the docs common to every resource ("_common"). */
  kindDocs(group: string, kind: string): KindDocs | undefined {
    const id = group ? `${group}_${kind}` : kind;
    if (this.docs.has(id)) return this.docs.get(id) ?? undefined;
    let result: KindDocs | null = null;
    const file = path.join(this.dir, 'docs', `${id}.yaml`);
    try {
      if (fs.existsSync(file)) {
        const raw = parseYaml(fs.readFileSync(file, 'utf8')) as { reference?: string; fields?: Record<string, FieldDoc>; aliases?: Record<string, string> };
        result = { reference: raw.reference, fields: raw.fields ?? {}, aliases: raw.aliases };
      }
    } catch {
      result = null;
    }
    this.docs.set(id, result);
    return result ?? undefined;
  }

  /**
   * Replaces the schemas defined by the CRDs in one source (a file): pass the parsed CRD objects it holds
   * (an empty list removes what the source gave before). Returns true when anything changed.
   */
  setCrdSource(source: string, crds: unknown[]): boolean {
    const byKind = new Map<string, Override>();
    for (const crd of crds) {
      // A CRD whose schema holds an alias inside its own anchor is a cycle: converting it would recurse forever.
      if (hasCycle(crd)) continue;
      let c: ReturnType<typeof convertCrd>;
      try {
        c = convertCrd(crd, true);
      } catch {
        continue; // a CRD we cannot convert (nested too deeply...) gives no schema, as an invalid one
      }
      if (!c || !this.isMeshGroup(c.info.group)) continue;
      const id = `${c.info.group}/${c.info.kind}`;
      const schemas = new Map<string, SchemaNode>();
      for (const [ver, key] of Object.entries(c.schemas.versions)) schemas.set(ver, c.schemas.schemas[key]);
      const base = this.byId.get(id);
      byKind.set(id, { info: { ...c.info, file: base?.file ?? '' }, schemas, source });
    }
    const before = this.overrides.get(source);
    const sig = (m: Map<string, Override> | undefined): string =>
      m ? JSON.stringify([...m.entries()].map(([k, o]) => [k, o.info.versions, [...o.schemas.entries()]])) : '';
    if (sig(before) === sig(byKind.size ? byKind : undefined)) return false;
    if (byKind.size) this.overrides.set(source, byKind);
    else this.overrides.delete(source);
    this.mergedCache = new Map();
    this.kindsCache = undefined;
    this.groupsCache = undefined;
    this.generation++;
    return true;
  }

  overrideSources(): string[] {
    return [...this.overrides.keys()];
  }
}
