/**
 * The order resources are applied in: Namespaces and CRDs first (everything else may live in
 * them or be of their types), then the order Helm installs plain Kubernetes kinds in, then mesh
 * resources "make before break": the things routes point at (gateways, service entries,
 * destination rules with their subsets) before the routes that use them. Unknown kinds come
 * after known ones; ties keep the order of the files.
 */
import type { ManifestResource } from './types';

const ORDER = [
  'Namespace',
  'CustomResourceDefinition',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  // mesh: what routes refer to
  'GatewayClass',
  'Gateway',
  'ReferenceGrant',
  'ServiceEntry',
  'WorkloadGroup',
  'WorkloadEntry',
  'DestinationRule',
  'Sidecar',
  'PeerAuthentication',
  'RequestAuthentication',
  'ProxyConfig',
  'Telemetry',
  'WasmPlugin',
  'EnvoyFilter',
  // Linkerd policy targets before policies
  'Server',
  'HTTPLocalRateLimitPolicy',
  'ServiceProfile',
  'ExternalWorkload',
  'MeshTLSAuthentication',
  'NetworkAuthentication',
  // routes
  'VirtualService',
  'HTTPRoute',
  'GRPCRoute',
  'TLSRoute',
  'TCPRoute',
  'UDPRoute',
  'TrafficSplit',
  'ServerAuthorization',
  'AuthorizationPolicy',
  'APIService',
];
const RANK = new Map(ORDER.map((k, i) => [k, i]));

/** Rank of a kind in the apply order (unknown kinds after all known ones, webhooks last). */
export function kindRank(kind: string): number {
  if (kind === 'MutatingWebhookConfiguration' || kind === 'ValidatingWebhookConfiguration') return ORDER.length + 1;
  return RANK.get(kind) ?? ORDER.length;
}

/** A stable sort of resources into apply order. */
export function applyOrder<T extends Pick<ManifestResource, 'kind'>>(resources: readonly T[]): T[] {
  return resources
    .map((r, i) => ({ r, i, k: kindRank(r.kind) }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((x) => x.r);
}
