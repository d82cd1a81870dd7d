import type { PathSeg } from '../model';

/** Which configuration language decided a routing step. */
export type Engine = 'istio' | 'gateway-api' | 'linkerd' | 'smi' | 'service-profile' | 'kubernetes';

/** Identifies a resource. */
export interface ResRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/**
 * Where a node, rule or decision comes from: the file, the line its `---` document starts on, and the path of
 * the field inside the resource (`['spec', 'http', 0]`). The client maps the path to a range to reveal it.
 */
export interface SourceLoc {
  uri: string;
  startLine: number;
  path: PathSeg[];
  resource: ResRef;
}

// ---------------------------------------------------------------------------------------------------------------
// Request simulator

export interface SimRequest {
  /** Host (authority) the client asks for: a short service name, `name.ns`, an FQDN or an external host. `host:port` is accepted. */
  host: string;
  port?: number;
  /** Default GET. */
  method?: string;
  /** Path, default `/`. A `?query` part is split into `query`. */
  path?: string;
  /** Header names are matched case-insensitively. */
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** `http` or `https`; used for redirects and to pick a gateway port when `port` is absent. */
  scheme?: string;
  /** Namespace of the calling workload (mesh traffic); for a gateway entry, of the gateway's client. */
  sourceNamespace?: string;
  /** Peer identity of the caller: `cluster.local/ns/NS/sa/SA` (Istio) or `SA.NS.serviceaccount.identity.linkerd.cluster.local`. */
  sourcePrincipal?: string;
  /** Labels of the calling workload (VirtualService `sourceLabels`). */
  sourceLabels?: Record<string, string>;
  /** Caller IP, for ipBlocks and Linkerd NetworkAuthentication. */
  sourceIp?: string;
  /** `mesh` (sidecar to sidecar), or a gateway as `ns/name` (or `name`). Absent: guessed from the host. */
  gateway?: string;
}

export interface SkippedRule {
  engine: Engine;
  resource: ResRef;
  /** Rule index in its list (http / rules / routes). */
  rule: number;
  ruleName?: string;
  reason: string;
  loc: SourceLoc;
}

export interface MatchedRule {
  engine: Engine;
  resource: ResRef;
  /** Rule index in its list; null when the resource decided as a whole (a TrafficSplit, ServiceProfile dstOverrides). */
  rule: number | null;
  ruleName?: string;
  /** Index of the match block that matched, when the rule has several. */
  match?: number;
  /** The match, summarised. */
  summary: string;
  loc: SourceLoc;
  /** When the rule came from a delegate VirtualService: the root rule that delegated. */
  delegatedFrom?: { resource: ResRef; rule: number; ruleName?: string; loc: SourceLoc };
}

export interface EntryPoint {
  kind: 'mesh' | 'istio-gateway' | 'gateway-api';
  /** `mesh`, or `ns/name` of the gateway. */
  name: string;
  /** Istio Gateway server or Gateway API listener that took the request. */
  listener?: { name?: string; port: number; protocol: string; hosts: string[]; tls?: string };
  loc?: SourceLoc;
}

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE' | 'MUTUAL' | 'NONE';

export interface MtlsInfo {
  /**
   * Istio: the PeerAuthentication mode in force on the destination port (STRICT / PERMISSIVE / DISABLE; PERMISSIVE
   * when nothing is set). Linkerd: MUTUAL (meshed pods always use mTLS). NONE: destination not in a mesh or unknown.
   */
  mode: MtlsMode;
  /** Where the server-side mode comes from. */
  level: 'port' | 'workload' | 'namespace' | 'mesh' | 'default' | 'linkerd' | 'none';
  policy?: ResRef;
  policyLoc?: SourceLoc;
  /** Client side (DestinationRule tls.mode): ISTIO_MUTUAL, DISABLE, SIMPLE, MUTUAL, or AUTO (auto mTLS). */
  client: string;
  clientPolicy?: ResRef;
  /** What goes over the wire: mtls, plaintext, tls (app TLS origination), or fails (the server rejects it). */
  effective: 'mtls' | 'plaintext' | 'tls' | 'fails';
  reason: string;
}

/**
 * ALLOW / DENY: an authorization layer decided (or nothing in the mesh denies). NOT_EVALUATED: the request never
 * reached a workload (no route, redirect, direct response, broken destination, mTLS failure), so no policy ran.
 */
export type Decision = 'ALLOW' | 'DENY' | 'NOT_EVALUATED';

export interface AuthzResult {
  decision: Decision;
  /** `ns/name` of the policy that decided, or null when a default decided. */
  policy: string | null;
  policyRef?: ResRef;
  /** Rule index inside the policy, when a rule decided. */
  rule?: number;
  reason: string;
  loc?: SourceLoc;
  /** Istio CUSTOM policies that matched: the external authorizer decides first (assumed to allow here). */
  custom?: Array<{ policy: string; provider?: string }>;
  engine: 'istio' | 'linkerd' | 'none';
  /** A status other than 403 that the inbound side answers (Linkerd: 404 when the Server has routes and none matches). */
  status?: number;
}

export interface TrafficPolicySummary {
  loadBalancer?: unknown;
  connectionPool?: unknown;
  outlierDetection?: unknown;
  tls?: unknown;
}

export interface WorkloadRef {
  ref: ResRef;
  serviceAccount: string;
  labels: Record<string, string>;
  loc: SourceLoc;
}

export interface SimDestination {
  /** Fully qualified host (or the external host as written). */
  host: string;
  subset: string | null;
  port: number | null;
  /** Share of requests, 0-100; the shares of a result sum to 100. */
  percent: number;
  weight?: number;
  /** What the host resolves to. */
  target: 'service' | 'serviceentry' | 'unknown';
  service?: ResRef;
  subsetLabels?: Record<string, string>;
  destinationRule?: ResRef;
  trafficPolicy?: TrafficPolicySummary;
  workloads: WorkloadRef[];
  mtls: MtlsInfo;
  authorization: AuthzResult;
  /** What this share of requests gets: 200 forwarded, 403 denied, 500 invalid backend, 503 broken destination or mTLS conflict. */
  status: number;
  problems: string[];
  /** The route destination in YAML. */
  loc?: SourceLoc;
}

export interface HeaderOps {
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
}

export interface SimActions {
  rewrite?: { uri?: string; authority?: string; regex?: { match: string; rewrite: string }; path?: string };
  redirect?: { status: number; location: string };
  directResponse?: { status: number; body?: string };
  timeout?: string;
  /** Gateway API `timeouts.backendRequest`. */
  backendTimeout?: string;
  retries?: { attempts?: number; perTryTimeout?: string; retryOn?: string; codes?: number[]; budget?: unknown; backoff?: string };
  fault?: { delay?: { fixedDelay?: string; percent: number }; abort?: { httpStatus?: number; grpcStatus?: string; percent: number } };
  mirrors?: Array<{ host: string; subset: string | null; port: number | null; percent: number }>;
  requestHeaders?: HeaderOps;
  responseHeaders?: HeaderOps;
  cors?: unknown;
  /** Filters the simulator does not model (ExtensionRef, ...). */
  other?: string[];
}

/**
 * routed / passthrough: forwarded (with or without route configuration); redirect / direct-response: answered by
 * the proxy as configured; not-found: no route (404); denied: authorization refused it (403); error: a broken
 * destination, invalid backend or mTLS conflict (5xx).
 */
export type Outcome = 'routed' | 'passthrough' | 'redirect' | 'direct-response' | 'not-found' | 'denied' | 'error';

export interface SimulationResult {
  request: Required<Pick<SimRequest, 'host' | 'method' | 'path'>> & SimRequest;
  /** The host the request resolved to (qualified). */
  resolvedHost: string;
  /** The port the request used (given, the Service's, or the gateway server's / listener's). */
  resolvedPort?: number;
  /** The scheme the request used: given, or the one of the gateway server / listener that took it (http, https). */
  resolvedScheme: string;
  entry: EntryPoint;
  engine: Engine;
  outcome: Outcome;
  /**
   * HTTP status the simulator predicts: 200 when forwarded, 301/302 redirects, direct responses, 404 no route,
   * 403 denied by authorization, 500 invalid backends, 503 broken destination or mTLS conflict, or an abort fault at 100%.
   */
  status: number;
  matched: MatchedRule | null;
  /** Rules looked at before the match, in evaluation order, with why they did not win. */
  skipped: SkippedRule[];
  destinations: SimDestination[];
  actions: SimActions;
  /** mTLS on the hop to the (largest-share) destination. */
  mtls: MtlsInfo;
  /**
   * Combined decision: DENY when the gateway or any destination denies (the share that reaches it gets 403);
   * NOT_EVALUATED when no request reaches a workload.
   */
  authorization: AuthzResult;
  /** The gateway's own authorization (policies selecting the gateway workload), when any applies. */
  gatewayAuthorization?: AuthzResult;
  notes: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Route graph

export type NodeKind = 'entry' | 'route' | 'rule' | 'backend' | 'workload' | 'response';

export interface Badge {
  kind: 'retries' | 'timeout' | 'fault' | 'mirror' | 'rewrite' | 'redirect' | 'direct-response' | 'cors' | 'headers' | 'delegate' | 'filter' | 'traffic-policy';
  text: string;
}

export interface RouteNode {
  id: string;
  kind: NodeKind;
  engine?: Engine;
  label: string;
  detail?: string;
  source?: SourceLoc;
  badges: Badge[];
  problems: string[];
  broken?: boolean;
  unreachable?: boolean;
  /** Backends and workloads: the server-side mTLS mode. */
  mtls?: MtlsMode;
  /** Workloads: the authorization policies guarding them, summarised. */
  authz?: { summary: string; policies: ResRef[] };
  data?: Record<string, unknown>;
}

export interface RouteEdge {
  id: string;
  from: string;
  to: string;
  kind: 'attach' | 'rule' | 'route' | 'mirror' | 'delegate' | 'select' | 'passthrough';
  label?: string;
  /** Match summary for rule edges. */
  match?: string;
  percent?: number;
  weight?: number;
  badges: Badge[];
  mtls?: MtlsMode;
  broken?: boolean;
  problems: string[];
  source?: SourceLoc;
}

export interface RouteQuery {
  /** Only routing that concerns this host (short, `name.ns` or FQDN). */
  host?: string;
  /** Only routing defined in, or leading to, this namespace. */
  namespace?: string;
}

export interface RouteGraph {
  query: RouteQuery;
  nodes: RouteNode[];
  edges: RouteEdge[];
}
