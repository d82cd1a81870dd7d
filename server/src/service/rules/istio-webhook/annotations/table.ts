import { parse as parseYaml } from 'yaml';
import { isObj } from '../../../workspace';
import { isCIDR } from '../lib/net';

/**
 * The Istio resource annotations we know (names from istio.io's "Resource Annotations" reference), with the
 * kinds they belong on, whether they are deprecated, and how istiod's injector validates their value.
 */
export type AnnotationTarget = 'Pod' | 'Service' | 'Namespace' | 'AuthorizationPolicy' | 'Ingress' | 'WorkloadEntry' | 'Any';

export interface AnnotationInfo {
  on: AnnotationTarget[];
  /** Why it is deprecated and what replaces it. */
  deprecated?: string;
  /** Returns a problem with the value, or undefined when it is fine. */
  validate?: (value: string) => string | undefined;
}

function uint(max: number, what: string): (v: string) => string | undefined {
  return (v) => (/^\d+$/.test(v) && Number(v) <= max ? undefined : `"${v}" is not ${what}`);
}

function boolValue(v: string): string | undefined {
  return ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v) ? undefined : `"${v}" is not a boolean ("true" or "false")`;
}

/** Comma-separated CIDR blocks, exactly as the injector splits them (no spaces). */
export function cidrListError(v: string, allowStar: boolean): string | undefined {
  if (allowStar && v === '*') return undefined;
  if (v === '') return undefined;
  for (const c of v.split(',')) {
    if (!isCIDR(c)) return `"${c}" is not a CIDR block like 10.0.0.0/8${c !== c.trim() ? ' (remove the spaces around commas)' : c.includes('/') ? '' : ' (add the prefix length, e.g. /32)'}`;
  }
  return undefined;
}

/** Comma-separated port numbers (spaces allowed around them). */
export function portListError(v: string, allowStar: boolean): string | undefined {
  const t = v.trim();
  if ((allowStar && t === '*') || t === '') return undefined;
  for (const p of t.split(',')) {
    const n = p.trim();
    if (!/^\d+$/.test(n) || Number(n) > 65535) return `"${p}" is not a port number`;
  }
  return undefined;
}

function proxyConfigError(v: string): string | undefined {
  try {
    const doc = parseYaml(v, { maxAliasCount: 10 }) as unknown;
    if (doc === null || doc === undefined) return undefined;
    if (!isObj(doc)) return 'it must be a YAML (or JSON) mapping of ProxyConfig fields, such as "holdApplicationUntilProxyStarts: true"';
    return undefined;
  } catch (e) {
    return `it is not valid YAML: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
  }
}

const POD: AnnotationTarget[] = ['Pod'];
const STATS_DEPRECATED = 'configure stats inclusion with proxyStatsMatcher in proxy.istio.io/config (or the mesh config) instead';

export const ISTIO_ANNOTATIONS: Record<string, AnnotationInfo> = {
  'sidecar.istio.io/agentLogLevel': { on: POD },
  'sidecar.istio.io/bootstrapOverride': { on: POD },
  'sidecar.istio.io/componentLogLevel': { on: POD },
  'sidecar.istio.io/controlPlaneAuthPolicy': { on: POD, deprecated: 'the control plane connection is always secured with mTLS' },
  'sidecar.istio.io/discoveryAddress': { on: POD, deprecated: 'set discoveryAddress in proxy.istio.io/config instead' },
  'sidecar.istio.io/enableCoreDump': { on: POD },
  'sidecar.istio.io/extraStatTags': { on: POD },
  'sidecar.istio.io/inject': { on: POD, deprecated: 'use the sidecar.istio.io/inject label instead of the annotation' },
  'sidecar.istio.io/interceptionMode': {
    on: POD,
    validate: (v) => (['REDIRECT', 'TPROXY', 'NONE'].includes(v) ? undefined : `"${v}" is not an interception mode (REDIRECT, TPROXY or NONE)`),
  },
  'sidecar.istio.io/logLevel': { on: POD },
  'sidecar.istio.io/nativeSidecar': { on: POD },
  'sidecar.istio.io/proxyCPU': { on: POD },
  'sidecar.istio.io/proxyCPULimit': { on: POD },
  'sidecar.istio.io/proxyEphemeralStorage': { on: POD },
  'sidecar.istio.io/proxyEphemeralStorageLimit': { on: POD },
  'sidecar.istio.io/proxyImage': { on: POD },
  'sidecar.istio.io/proxyImageType': { on: POD },
  'sidecar.istio.io/proxyMemory': { on: POD },
  'sidecar.istio.io/proxyMemoryLimit': { on: POD },
  'sidecar.istio.io/rewriteAppHTTPProbers': { on: POD },
  'sidecar.istio.io/statsCompression': { on: POD },
  'sidecar.istio.io/statsFlushInterval': { on: POD },
  'sidecar.istio.io/statsHistogramBuckets': { on: POD },
  'sidecar.istio.io/statsInclusionPrefixes': { on: POD, deprecated: STATS_DEPRECATED },
  'sidecar.istio.io/statsInclusionRegexps': { on: POD, deprecated: STATS_DEPRECATED },
  'sidecar.istio.io/statsInclusionSuffixes': { on: POD, deprecated: STATS_DEPRECATED },
  'sidecar.istio.io/status': { on: POD },
  'sidecar.istio.io/userVolume': { on: POD },
  'sidecar.istio.io/userVolumeMount': { on: POD },
  'status.sidecar.istio.io/port': { on: POD, validate: uint(65535, 'a port number') },
  'readiness.status.sidecar.istio.io/applicationPorts': { on: POD },
  'readiness.status.sidecar.istio.io/failureThreshold': { on: POD, validate: uint(4294967295, 'a whole number') },
  'readiness.status.sidecar.istio.io/initialDelaySeconds': { on: POD, validate: uint(4294967295, 'a whole number of seconds') },
  'readiness.status.sidecar.istio.io/periodSeconds': { on: POD, validate: uint(4294967295, 'a whole number of seconds') },
  'traffic.sidecar.istio.io/excludeInboundPorts': { on: POD, validate: (v) => portListError(v, false) },
  'traffic.sidecar.istio.io/excludeInterfaces': { on: POD },
  'traffic.sidecar.istio.io/excludeOutboundIPRanges': { on: POD, validate: (v) => cidrListError(v, false) },
  'traffic.sidecar.istio.io/excludeOutboundPorts': { on: POD, validate: (v) => portListError(v, false) },
  'traffic.sidecar.istio.io/includeInboundPorts': { on: POD, validate: (v) => portListError(v, true) },
  'traffic.sidecar.istio.io/includeOutboundIPRanges': { on: POD, validate: (v) => cidrListError(v, true) },
  'traffic.sidecar.istio.io/includeOutboundPorts': { on: POD },
  'traffic.sidecar.istio.io/kubevirtInterfaces': { on: POD },
  'proxy.istio.io/config': { on: POD, validate: proxyConfigError },
  'proxy.istio.io/overrides': { on: POD },
  'prometheus.istio.io/merge-metrics': { on: POD, validate: boolValue },
  'inject.istio.io/templates': { on: POD },
  'ambient.istio.io/redirection': { on: POD },
  'ambient.istio.io/bypass-inbound-capture': { on: POD },
  'alpha.istio.io/identity': { on: POD, deprecated: 'it is no longer used' },
  'alpha.istio.io/kubernetes-serviceaccounts': { on: ['Service'], deprecated: 'it is no longer used' },
  'alpha.istio.io/canonical-serviceaccounts': { on: ['Service'], deprecated: 'it is no longer used' },
  'networking.istio.io/exportTo': { on: ['Service'] },
  'networking.istio.io/traffic-distribution': { on: ['Any'] },
  'galley.istio.io/analyze-suppress': { on: ['Any'] },
  'install.operator.istio.io/chart-owner': { on: ['Any'] },
  'install.operator.istio.io/owner-generation': { on: ['Any'] },
  'install.operator.istio.io/version': { on: ['Any'] },
  'topology.istio.io/controlPlaneClusters': { on: ['Any'] },
  'istio.io/dry-run': { on: ['AuthorizationPolicy'] },
  'istio.io/autoRegistrationGroup': { on: ['WorkloadEntry'] },
  'istio.io/workloadController': { on: ['WorkloadEntry'] },
  'istio.io/connectedAt': { on: ['WorkloadEntry'] },
  'istio.io/disconnectedAt': { on: ['WorkloadEntry'] },
  'kubernetes.io/ingress.class': { on: ['Ingress'] },
};

/**
 * Annotation domains whose names we list completely: an unknown name there is almost certainly a typo. Other
 * `*.istio.io` domains (networking, gateway, ambient, istio.io itself) gain names often, so unknown ones there
 * are left alone.
 */
const COMPLETE_DOMAINS = new Set([
  'sidecar.istio.io',
  'traffic.sidecar.istio.io',
  'readiness.status.sidecar.istio.io',
  'status.sidecar.istio.io',
  'proxy.istio.io',
  'prometheus.istio.io',
  'inject.istio.io',
  'policy.istio.io',
  'alpha.istio.io',
  'galley.istio.io',
]);

/** Is this annotation in Istio's namespace (`*.istio.io/...`), as istioctl's analyzer sees it? */
export function isIstioAnnotation(name: string): boolean {
  if (name === 'kubernetes.io/ingress.class') return true;
  const slash = name.indexOf('/');
  return slash > 0 && name.slice(0, slash).endsWith('istio.io');
}

/** Would an unknown annotation with this name be reported? */
export function inCompleteDomain(name: string): boolean {
  const slash = name.indexOf('/');
  return slash > 0 && COMPLETE_DOMAINS.has(name.slice(0, slash));
}
