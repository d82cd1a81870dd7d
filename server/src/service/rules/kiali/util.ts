import { parse } from 'yaml';
import type { Fix, PathSeg } from '../../model';
import { CLUSTER_DOMAIN, get, isObj, str, stringMap, type Obj, type Resource, type WorkspaceIndex } from '../../workspace';
import { nodeAtPath } from '../locate';
import { segRange, shiftRange } from '../../documents';

/** Helpers shared by the Kiali rules (KIA codes). */

export const GK = {
  dr: 'networking.istio.io/DestinationRule',
  vs: 'networking.istio.io/VirtualService',
  gw: 'networking.istio.io/Gateway',
  se: 'networking.istio.io/ServiceEntry',
  sidecar: 'networking.istio.io/Sidecar',
  wg: 'networking.istio.io/WorkloadGroup',
  pa: 'security.istio.io/PeerAuthentication',
  ap: 'security.istio.io/AuthorizationPolicy',
  svc: '/Service',
  k8sGw: 'gateway.networking.k8s.io/Gateway',
  refGrant: 'gateway.networking.k8s.io/ReferenceGrant',
} as const;

/** `Kind namespace/name`, for messages. */
export function ref(res: Resource): string {
  return `${res.kind} ${res.namespace ? `${res.namespace}/` : ''}${res.name || '(unnamed)'}`;
}

/** Lists names for a message: `A`, `A and B`, `A, B and C`. */
export function andList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Is `a` the same resource as `b`? */
export function same(a: Resource, b: Resource): boolean {
  return a.gk === b.gk && a.namespace === b.namespace && a.name === b.name && a.uri === b.uri && a.startLine === b.startLine;
}

export interface MeshSettings {
  /** meshConfig.enableAutoMtls; Istio's default is true. */
  autoMtls: boolean;
  /** meshConfig.rootNamespace; Istio's default is istio-system. */
  rootNamespace: string;
  /** Where the settings were read from, when not the defaults. */
  source?: Resource;
}


function readMeshConfig(v: unknown, into: MeshSettings, res: Resource): void {
  if (!isObj(v)) return;
  if (typeof v.enableAutoMtls === 'boolean') {
    into.autoMtls = v.enableAutoMtls;
    into.source = res;
  }
  const root = str(v.rootNamespace);
  if (root) {
    into.rootNamespace = root;
    into.source = res;
  }
}

/**
 * The mesh settings the mTLS checks depend on, read from the workspace when it holds Istio's mesh configuration:
 * the `istio` (or `istio-<revision>`) ConfigMap's `mesh` key, or an IstioOperator's `spec.meshConfig`.
 */
export function meshSettings(index: WorkspaceIndex): MeshSettings {
  return index.memo('kiali/mesh-settings', () => readMeshSettings(index));
}

function readMeshSettings(index: WorkspaceIndex): MeshSettings {
  const m: MeshSettings = { autoMtls: true, rootNamespace: 'istio-system' };
  for (const cm of index.of('/ConfigMap')) {
    if (cm.name !== 'istio' && !cm.name.startsWith('istio-')) continue;
    const mesh = str(get(cm.obj, 'data', 'mesh'));
    if (!mesh) continue;
    try {
      readMeshConfig(parse(mesh, { maxAliasCount: 100 }) as unknown, m, cm);
    } catch {
      // not YAML: ignore
    }
  }
  for (const op of index.of('install.istio.io/IstioOperator')) readMeshConfig(op.spec.meshConfig, m, op);
  return m;
}

export type PaMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE' | 'UNSET';

/** A PeerAuthentication's mTLS mode (`UNSET` when absent), and whether it applies namespace-wide (no selector). */
export function peerAuthn(res: Resource): { namespaceWide: boolean; mode: PaMode } {
  const namespaceWide = !isObj(res.spec.selector);
  const raw = str(get(res.spec, 'mtls', 'mode'));
  const mode: PaMode = raw === 'STRICT' || raw === 'PERMISSIVE' || raw === 'DISABLE' ? raw : 'UNSET';
  return { namespaceWide, mode };
}

/** Selector-less PeerAuthentications of a namespace. */
export function namespaceWidePeerAuthns(index: WorkspaceIndex, namespace: string): Resource[] {
  return index.of(GK.pa).filter((p) => p.namespace === namespace && peerAuthn(p).namespaceWide);
}

/** trafficPolicy.tls.mode of a DestinationRule, if set. */
export function drTlsMode(res: Resource): string | undefined {
  return str(get(res.spec, 'trafficPolicy', 'tls', 'mode'));
}

export function drHost(res: Resource): string | undefined {
  return str(res.spec.host);
}

export const MESH_WIDE_HOST = '*.local';

export function namespaceWideHost(ns: string): string {
  return `*.${ns}.${CLUSTER_DOMAIN}`;
}

/** DestinationRules whose host is `*.local` (mesh-wide), optionally with a given TLS mode. */
export function meshWideDrs(index: WorkspaceIndex, modes?: string[]): Resource[] {
  return index.of(GK.dr).filter((d) => drHost(d) === MESH_WIDE_HOST && (!modes || modes.includes(drTlsMode(d) ?? '')));
}

/** DestinationRules whose host is `*.<ns>.svc.cluster.local` (namespace-wide for `ns`), optionally with a given TLS mode. */
export function namespaceWideDrs(index: WorkspaceIndex, ns: string, modes?: string[]): Resource[] {
  return index.of(GK.dr).filter((d) => drHost(d) === namespaceWideHost(ns) && (!modes || modes.includes(drTlsMode(d) ?? '')));
}

/** Is this DR a mesh-wide or namespace-wide (for its own namespace) rule enabling ISTIO_MUTUAL? */
export function isNonLocalMtlsDr(res: Resource): boolean {
  const h = drHost(res);
  return drTlsMode(res) === 'ISTIO_MUTUAL' && (h === MESH_WIDE_HOST || h === namespaceWideHost(res.namespace));
}

/** The value as a sorted `k=v,k2=v2` string (label sets, selectors). */
export function labelsKey(v: unknown): string {
  return Object.entries(stringMap(v))
    .map(([k, x]) => `${k}=${x}`)
    .sort()
    .join(',');
}

/** Lower-cased, for DNS names. */
export function lc(s: string): string {
  return s.toLowerCase();
}

/** YAML text of a small document appended by a fix. */
export function doc(lines: string[]): string {
  return lines.join('\n') + '\n';
}

/**
 * Removes the `key: value` line(s) at a path, when the key starts its own line (not `- key:` on a list dash) and its
 * value is a scalar; undefined otherwise.
 */
export function removeKeyLine(res: Resource, path: PathSeg[], title: string): Fix | undefined {
  const at = nodeAtPath(res, path);
  if (!at.complete || !at.key?.range || !at.value?.range) return undefined;
  const text = res.seg.text;
  const keyStart = at.key.range[0];
  const lineStart = text.lastIndexOf('\n', keyStart - 1) + 1;
  if (text.slice(lineStart, keyStart).trim() !== '') return undefined;
  let end = text.indexOf('\n', at.value.range[1]);
  if (end < 0) end = text.length;
  if (text.slice(at.value.range[1], end).trim() && !text.slice(at.value.range[1], end).trim().startsWith('#')) return undefined;
  const stop = end < text.length ? end + 1 : end;
  const range = shiftRange(segRange(res.seg, lineStart, stop), res.startLine);
  return { title, edits: [{ range, newText: '' }] };
}

/** Reads a list of objects with their indexes, skipping non-objects (paths must keep the original index). */
export function indexed(v: unknown): Array<[Obj, number]> {
  const out: Array<[Obj, number]> = [];
  if (Array.isArray(v)) v.forEach((x, i) => isObj(x) && out.push([x, i]));
  return out;
}

/** Reads a list of strings with their indexes. */
export function indexedStrings(v: unknown): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  if (Array.isArray(v)) v.forEach((x, i) => typeof x === 'string' && out.push([x, i]));
  return out;
}
