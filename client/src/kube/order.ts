/**
 * The order resources are applied in:
 *
 * 1. Namespaces and CRDs (everything else may live in them or be of their types);
 * 2. the plain Kubernetes kinds that workloads need (quotas, accounts, secrets, config, RBAC),
 *    in the order Helm installs them;
 * 3. security policies, before the workloads they protect and the routes that expose them, so a
 *    new workload or route is never live without its policy: Istio PeerAuthentication,
 *    RequestAuthentication (before the AuthorizationPolicies that read the JWT it validates) and
 *    AuthorizationPolicy; Linkerd MeshTLSAuthentication and NetworkAuthentication (what
 *    policies refer to), AuthorizationPolicy and ServerAuthorization, then Server (a Server
 *    without its authorizations denies traffic; authorizations without their Server wait
 *    harmlessly), then the Server's rate limits;
 * 4. Services and workloads;
 * 5. mesh resources "make before break": what routes refer to (gateways, service entries,
 *    destination rules with their subsets, sidecars, proxy settings) before the routes that use
 *    them;
 * 6. the routes (VirtualService, Gateway API and Linkerd routes, SMI TrafficSplit), last.
 *
 * Unknown kinds come after known ones, webhooks at the very end; ties keep the order of the files.
 * The rank is by kind only: `AuthorizationPolicy` is Istio's and Linkerd's, `Gateway` Istio's and
 * the Gateway API's, `HTTPRoute` the Gateway API's and Linkerd's, and each pair belongs together.
 */
import type { ManifestResource } from './types';

/** Security policies, in the order they are applied (before workloads and routes). */
export const SECURITY_POLICY_KINDS = [
  'PeerAuthentication',
  'RequestAuthentication',
  'MeshTLSAuthentication',
  'NetworkAuthentication',
  'AuthorizationPolicy',
  'ServerAuthorization',
  'Server',
  'HTTPLocalRateLimitPolicy',
] as const;

/** Route kinds: applied last, once what they point at and the policies that guard it exist. */
export const ROUTE_KINDS = ['VirtualService', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'TrafficSplit'] as const;

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
  ...SECURITY_POLICY_KINDS,
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
  'ExternalWorkload',
  'DestinationRule',
  'Sidecar',
  'ProxyConfig',
  'Telemetry',
  'WasmPlugin',
  'EnvoyFilter',
  'ServiceProfile',
  // routes
  ...ROUTE_KINDS,
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
