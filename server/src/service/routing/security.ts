import { get, isObj, matchesLabelSelector, matchesSelector, obj, objs, str, stringMap, strings, type Resource, type Workload, type WorkspaceIndex } from '../workspace';
import { meshOfWorkload, type Mesh } from './hosts';
import type { AuthzResult, MtlsInfo, MtlsMode } from './types';
import { ipInCidr, istioPrincipal, linkerdIdentity, locOf, nsName, parseIdentity, refOf, ROOT_NAMESPACE } from './util';

/** Who is calling, as far as the simulator knows. */
export interface SourceIdentity {
  namespace?: string;
  /** Istio form `cluster.local/ns/NS/sa/SA` when known. */
  principal?: string;
  serviceAccount?: string;
  labels?: Record<string, string>;
  ip?: string;
  /** Is the caller itself in the mesh (so it has a peer identity)? */
  meshed: boolean;
  description: string;
}

/** The request as authorization sees it on the destination workload. */
export interface AuthzRequest {
  host: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Workload (target) port. */
  port?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// mTLS

interface PaMode {
  mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE';
  level: MtlsInfo['level'];
  policy?: Resource;
}

function modeOf(v: unknown): 'STRICT' | 'PERMISSIVE' | 'DISABLE' | undefined {
  const m = str(v)?.toUpperCase();
  return m === 'STRICT' || m === 'PERMISSIVE' || m === 'DISABLE' ? m : undefined;
}

/** Effective PeerAuthentication mode for a workload port: port > workload > namespace > mesh (root namespace) > PERMISSIVE. */
export function peerAuthMode(index: WorkspaceIndex, namespace: string, w: Workload | undefined, port: number | undefined): PaMode {
  const pas = index.of('security.istio.io/PeerAuthentication');
  const hasSelector = (r: Resource): boolean => isObj(r.spec.selector) && Object.keys(stringMap(obj(r.spec.selector).matchLabels)).length > 0;
  if (w) {
    for (const pa of pas.filter((r) => r.namespace === namespace && hasSelector(r) && matchesSelector(stringMap(obj(r.spec.selector).matchLabels), w.labels))) {
      const plm = obj(pa.spec.portLevelMtls);
      if (port !== undefined) {
        const m = modeOf(get(plm, String(port), 'mode'));
        if (m) return { mode: m, level: 'port', policy: pa };
      }
      const m = modeOf(get(pa.spec, 'mtls', 'mode'));
      if (m) return { mode: m, level: 'workload', policy: pa };
    }
  }
  const nsPa = pas.find((r) => r.namespace === namespace && !hasSelector(r) && modeOf(get(r.spec, 'mtls', 'mode')));
  if (nsPa && namespace !== ROOT_NAMESPACE) return { mode: modeOf(get(nsPa.spec, 'mtls', 'mode'))!, level: 'namespace', policy: nsPa };
  const meshPa = pas.find((r) => r.namespace === ROOT_NAMESPACE && !hasSelector(r) && modeOf(get(r.spec, 'mtls', 'mode')));
  if (meshPa) return { mode: modeOf(get(meshPa.spec, 'mtls', 'mode'))!, level: 'mesh', policy: meshPa };
  return { mode: 'PERMISSIVE', level: 'default' };
}

/**
 * mTLS on a hop to an Istio destination: the server-side PeerAuthentication mode combined with the client-side
 * DestinationRule `tls.mode` (absent: auto mTLS, which sends Istio mTLS unless the server is DISABLE).
 */
export function istioMtls(
  index: WorkspaceIndex,
  namespace: string,
  w: Workload | undefined,
  port: number | undefined,
  clientTls: { mode?: string; dr?: Resource },
  clientMeshed: boolean,
): MtlsInfo {
  const pa = peerAuthMode(index, namespace, w, port);
  const client = clientTls.mode?.toUpperCase() ?? 'AUTO';
  const base = {
    mode: pa.mode as MtlsMode,
    level: pa.level,
    policy: pa.policy ? refOf(pa.policy) : undefined,
    policyLoc: pa.policy ? locOf(pa.policy, pa.level === 'port' ? ['spec', 'portLevelMtls', String(port)] : ['spec', 'mtls', 'mode']) : undefined,
    client,
    clientPolicy: clientTls.dr ? refOf(clientTls.dr) : undefined,
  };
  const paName = pa.policy ? `PeerAuthentication ${nsName(pa.policy)} (${pa.level} level)` : 'no PeerAuthentication (Istio default)';
  const drName = clientTls.dr ? `DestinationRule ${nsName(clientTls.dr)}` : 'auto mTLS';
  if (!clientMeshed) {
    if (pa.mode === 'STRICT') return { ...base, effective: 'fails', reason: `the caller has no sidecar (plaintext) but ${paName} is STRICT` };
    return { ...base, effective: 'plaintext', reason: `the caller has no sidecar: plaintext, accepted by ${pa.mode} (${paName})` };
  }
  switch (client) {
    case 'AUTO':
      if (pa.mode === 'DISABLE') return { ...base, effective: 'plaintext', reason: `auto mTLS sends plaintext to a DISABLE port (${paName})` };
      return { ...base, effective: 'mtls', reason: `auto mTLS, server ${pa.mode} (${paName})` };
    case 'ISTIO_MUTUAL':
      if (pa.mode === 'DISABLE') return { ...base, effective: 'fails', reason: `${drName} sends ISTIO_MUTUAL but ${paName} is DISABLE` };
      return { ...base, effective: 'mtls', reason: `${drName} ISTIO_MUTUAL, server ${pa.mode} (${paName})` };
    case 'DISABLE':
      if (pa.mode === 'STRICT') return { ...base, effective: 'fails', reason: `${drName} disables TLS but ${paName} requires STRICT mTLS: connections are reset (503)` };
      return { ...base, effective: 'plaintext', reason: `${drName} disables TLS, accepted by ${pa.mode} (${paName})` };
    default:
      if (pa.mode === 'STRICT') return { ...base, effective: 'fails', reason: `${drName} originates ${client} TLS, which a STRICT sidecar does not accept as mesh mTLS` };
      return { ...base, effective: 'tls', reason: `${drName} originates ${client} TLS` };
  }
}

export function linkerdMtls(clientMeshed: boolean): MtlsInfo {
  return clientMeshed
    ? { mode: 'MUTUAL', level: 'linkerd', client: 'AUTO', effective: 'mtls', reason: 'Linkerd proxies use mTLS between meshed pods automatically' }
    : { mode: 'MUTUAL', level: 'linkerd', client: 'NONE', effective: 'plaintext', reason: 'the caller is not meshed: plaintext to the Linkerd proxy' };
}

export function noMtls(reason: string): MtlsInfo {
  return { mode: 'NONE', level: 'none', client: 'NONE', effective: 'plaintext', reason };
}

// ---------------------------------------------------------------------------------------------------------------
// Istio AuthorizationPolicy

/** Istio value matching: exact, `prefix*`, `*suffix`, or `*` (any non-empty value). */
export function istioValueMatch(pattern: string, value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

interface Field {
  name: string;
  values: string[];
  negated: boolean;
}

interface EvalCtx {
  req: AuthzRequest;
  src: SourceIdentity;
  /** Peer identity is only available when the hop is mTLS. */
  mtls: boolean;
  notes: string[];
}

function anyMatch(patterns: string[], value: string | undefined, ci = false): boolean {
  const v = ci ? value?.toLowerCase() : value;
  return patterns.some((p) => istioValueMatch(ci ? p.toLowerCase() : p, v));
}

function ipMatch(cidrs: string[], ip: string | undefined): boolean | undefined {
  if (ip === undefined) return undefined;
  return cidrs.some((c) => ipInCidr(ip, c));
}

function checkField(f: Field, ctx: EvalCtx): { ok: boolean; why: string } {
  const { req, src } = ctx;
  const principal = ctx.mtls ? src.principal : undefined;
  const peerNs = ctx.mtls ? (src.namespace ?? parseIdentity(src.principal).namespace) : undefined;
  let hit: boolean;
  let shown: string | undefined;
  switch (f.name) {
    case 'principals':
      hit = anyMatch(f.values, principal);
      shown = principal ?? (ctx.mtls ? '(caller identity unknown: give sourcePrincipal)' : '(no peer identity: the hop is not mTLS)');
      break;
    case 'namespaces':
      hit = anyMatch(f.values, peerNs);
      shown = peerNs ?? (ctx.mtls ? '(caller namespace unknown)' : '(no peer identity: the hop is not mTLS)');
      break;
    case 'requestPrincipals':
      hit = false;
      shown = '(no JWT)';
      break;
    case 'ipBlocks':
    case 'remoteIpBlocks': {
      const r = ipMatch(f.values, src.ip);
      if (r === undefined) ctx.notes.push(`${f.name} needs the source IP; none was given`);
      hit = r ?? false;
      shown = src.ip ?? '(unknown IP)';
      break;
    }
    case 'hosts':
      hit = anyMatch(f.values, req.host, true) || anyMatch(f.values, req.port !== undefined ? `${req.host}:${req.port}` : undefined, true);
      shown = req.host;
      break;
    case 'ports':
      hit = req.port !== undefined && f.values.includes(String(req.port));
      shown = req.port !== undefined ? String(req.port) : '(unknown port)';
      break;
    case 'methods':
      hit = anyMatch(f.values, req.method);
      shown = req.method;
      break;
    case 'paths':
      hit = anyMatch(f.values, req.path);
      shown = req.path;
      break;
    default:
      hit = false;
      shown = undefined;
  }
  const ok = f.negated ? !hit : hit;
  const label = f.negated ? `not${f.name[0].toUpperCase()}${f.name.slice(1)}` : f.name;
  return { ok, why: `${label} [${f.values.join(', ')}] ${ok ? 'match' : 'do not match'} ${shown ?? ''}`.trim() };
}

function fieldsOf(o: Record<string, unknown>, names: string[]): Field[] {
  const out: Field[] = [];
  for (const n of names) {
    if (Array.isArray(o[n])) out.push({ name: n, values: strings(o[n]), negated: false });
    const neg = `not${n[0].toUpperCase()}${n.slice(1)}`;
    if (Array.isArray(o[neg])) out.push({ name: n, values: strings(o[neg]), negated: true });
  }
  return out;
}

const SOURCE_FIELDS = ['principals', 'requestPrincipals', 'namespaces', 'ipBlocks', 'remoteIpBlocks'];
const OPERATION_FIELDS = ['hosts', 'ports', 'methods', 'paths'];

function whenValue(key: string, ctx: EvalCtx): string | undefined | null {
  const { req, src } = ctx;
  const h = /^request\.headers\[(.+)\]$/.exec(key);
  if (h) return req.headers[h[1].toLowerCase()];
  switch (key) {
    case 'source.ip':
    case 'remote.ip':
      return src.ip;
    case 'source.namespace':
      return ctx.mtls ? (src.namespace ?? parseIdentity(src.principal).namespace) : undefined;
    case 'source.principal':
      return ctx.mtls ? src.principal : undefined;
    case 'destination.port':
      return req.port !== undefined ? String(req.port) : undefined;
    case 'connection.sni':
      return req.host;
    default:
      if (key.startsWith('request.auth.')) return undefined;
      return null;
  }
}

function conditionOk(c: Record<string, unknown>, ctx: EvalCtx): { ok: boolean; why: string } {
  const key = str(c.key) ?? '';
  const v = whenValue(key, ctx);
  if (v === null) {
    ctx.notes.push(`condition key ${key} is not modelled; treated as not matching`);
    return { ok: false, why: `when ${key}: not modelled` };
  }
  const ip = key === 'source.ip' || key === 'remote.ip' || key === 'destination.ip';
  const test = (vals: string[]): boolean => (ip ? (ipMatch(vals, v) ?? false) : anyMatch(vals, v));
  const values = strings(c.values);
  const notValues = strings(c.notValues);
  let ok = true;
  if (values.length && !test(values)) ok = false;
  if (notValues.length && test(notValues)) ok = false;
  return { ok, why: `when ${key} ${ok ? 'matches' : 'does not match'} (${v ?? 'absent'})` };
}

/** Does an Istio authorization rule match? With the first reason it does not. */
function istioRuleMatches(rule: Record<string, unknown>, ctx: EvalCtx): { ok: boolean; why: string } {
  const from = objs(rule.from);
  if (from.length) {
    let fromOk = false;
    let why = '';
    for (const f of from) {
      const fields = fieldsOf(obj(f.source), SOURCE_FIELDS);
      const failed = fields.map((x) => checkField(x, ctx)).find((r) => !r.ok);
      if (!failed) {
        fromOk = true;
        break;
      }
      why ||= failed.why;
    }
    if (!fromOk) return { ok: false, why: `from: ${why}` };
  }
  const to = objs(rule.to);
  if (to.length) {
    let toOk = false;
    let why = '';
    for (const t of to) {
      const fields = fieldsOf(obj(t.operation), OPERATION_FIELDS);
      const failed = fields.map((x) => checkField(x, ctx)).find((r) => !r.ok);
      if (!failed) {
        toOk = true;
        break;
      }
      why ||= failed.why;
    }
    if (!toOk) return { ok: false, why: `to: ${why}` };
  }
  for (const c of objs(rule.when)) {
    const r = conditionOk(c, ctx);
    if (!r.ok) return { ok: false, why: r.why };
  }
  return { ok: true, why: 'matches' };
}

/** The AuthorizationPolicies that apply to a workload (mesh-wide in the root namespace, namespace-wide, and selecting it). */
export function istioPoliciesFor(index: WorkspaceIndex, namespace: string, w: Workload | undefined, gateway?: { namespace: string; name: string }): Resource[] {
  return index.of('security.istio.io/AuthorizationPolicy').filter((p) => {
    const targets = [...objs(p.spec.targetRefs), ...(isObj(p.spec.targetRef) ? [p.spec.targetRef] : [])];
    if (targets.length) {
      if (!gateway) return false;
      return targets.some((t) => str(t.kind) === 'Gateway' && str(t.name) === gateway.name && p.namespace === gateway.namespace);
    }
    const sel = isObj(p.spec.selector) ? stringMap(obj(p.spec.selector).matchLabels) : {};
    const hasSel = Object.keys(sel).length > 0;
    if (!hasSel) return p.namespace === ROOT_NAMESPACE || p.namespace === namespace;
    return p.namespace === namespace && w !== undefined && matchesSelector(sel, w.labels);
  });
}

/**
 * Istio's order: CUSTOM (the external authorizer; assumed here to allow), then DENY (any match denies), then ALLOW
 * (when ALLOW policies apply, one must match; with none, the request is allowed). AUDIT does not decide.
 */
export function istioAuthorize(
  index: WorkspaceIndex,
  namespace: string,
  w: Workload | undefined,
  req: AuthzRequest,
  src: SourceIdentity,
  mtls: boolean,
  gateway?: { namespace: string; name: string },
): AuthzResult {
  const policies = istioPoliciesFor(index, namespace, w, gateway);
  const ctx: EvalCtx = { req, src, mtls, notes: [] };
  const action = (p: Resource): string => (str(p.spec.action) ?? 'ALLOW').toUpperCase();
  const custom: AuthzResult['custom'] = [];
  for (const p of policies.filter((x) => action(x) === 'CUSTOM')) {
    if (objs(p.spec.rules).some((r) => istioRuleMatches(r, ctx).ok)) custom.push({ policy: nsName(p), provider: str(get(p.spec, 'provider', 'name')) });
  }
  const withCustom = (r: AuthzResult): AuthzResult => {
    if (custom.length) r.custom = custom;
    if (ctx.notes.length) r.reason += ` (${[...new Set(ctx.notes)].join('; ')})`;
    return r;
  };
  for (const p of policies.filter((x) => action(x) === 'DENY')) {
    const rules = objs(p.spec.rules);
    for (let i = 0; i < rules.length; i++) {
      if (istioRuleMatches(rules[i], ctx).ok) {
        return withCustom({
          decision: 'DENY',
          policy: nsName(p),
          policyRef: refOf(p),
          rule: i,
          reason: `DENY policy ${nsName(p)} rule ${i} matches`,
          loc: locOf(p, ['spec', 'rules', i]),
          engine: 'istio',
        });
      }
    }
  }
  const allows = policies.filter((x) => action(x) === 'ALLOW');
  if (!allows.length) {
    return withCustom({ decision: 'ALLOW', policy: null, reason: policies.length ? 'no ALLOW policy applies, and no DENY policy matches' : 'no AuthorizationPolicy applies: allowed', engine: policies.length ? 'istio' : 'none' });
  }
  const misses: string[] = [];
  for (const p of allows) {
    const rules = objs(p.spec.rules);
    if (!rules.length) {
      misses.push(`${nsName(p)} has no rules (matches nothing)`);
      continue;
    }
    for (let i = 0; i < rules.length; i++) {
      const r = istioRuleMatches(rules[i], ctx);
      if (r.ok) {
        return withCustom({
          decision: 'ALLOW',
          policy: nsName(p),
          policyRef: refOf(p),
          rule: i,
          reason: `ALLOW policy ${nsName(p)} rule ${i} matches`,
          loc: locOf(p, ['spec', 'rules', i]),
          engine: 'istio',
        });
      }
      misses.push(`${nsName(p)} rule ${i}: ${r.why}`);
    }
  }
  return withCustom({
    decision: 'DENY',
    policy: null,
    reason: `ALLOW policies apply but none matches: ${misses.join('; ')}`,
    engine: 'istio',
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Linkerd

function linkerdPolicyAllows(policy: string, src: SourceIdentity): { ok: boolean; why: string } {
  switch (policy) {
    case 'all-unauthenticated':
    case 'audit':
      return { ok: true, why: `${policy} allows every client` };
    case 'cluster-unauthenticated':
      return { ok: true, why: 'cluster-unauthenticated allows clients in the cluster networks (assumed in-cluster)' };
    case 'all-authenticated':
    case 'cluster-authenticated':
      return src.meshed && src.principal ? { ok: true, why: `${policy}: the caller is meshed` } : { ok: false, why: `${policy} needs a meshed caller with an identity` };
    case 'deny':
      return { ok: false, why: 'deny' };
    default:
      return { ok: true, why: `unknown policy ${policy}, treated as all-unauthenticated` };
  }
}

function sourceSa(src: SourceIdentity): { namespace?: string; serviceAccount?: string } {
  const id = parseIdentity(src.principal);
  return { namespace: id.namespace ?? src.namespace, serviceAccount: id.serviceAccount ?? src.serviceAccount };
}

function meshTlsOk(index: WorkspaceIndex, mta: Resource, src: SourceIdentity): { ok: boolean; why: string } {
  if (!src.meshed) return { ok: false, why: `MeshTLSAuthentication ${nsName(mta)} needs a meshed caller` };
  if (!src.principal) return { ok: false, why: `MeshTLSAuthentication ${nsName(mta)} needs the caller's identity, which is unknown (give sourcePrincipal)` };
  const id = sourceSa(src);
  const l5d = id.namespace && id.serviceAccount ? linkerdIdentity(id.namespace, id.serviceAccount) : undefined;
  for (const pat of strings(mta.spec.identities)) {
    if (pat === '*' || (l5d && (pat === l5d || (pat.startsWith('*.') && l5d.endsWith(pat.slice(1)))))) return { ok: true, why: `identity ${pat} matches` };
  }
  for (const ref of objs(mta.spec.identityRefs)) {
    const kind = str(ref.kind);
    const name = str(ref.name);
    if (kind === 'ServiceAccount') {
      const ns = str(ref.namespace) ?? mta.namespace;
      if ((name === '*' || name === id.serviceAccount) && ns === id.namespace) return { ok: true, why: `ServiceAccount ${ns}/${name} matches` };
    } else if (kind === 'Namespace') {
      if (name === '*' || name === id.namespace) return { ok: true, why: `Namespace ${name} matches` };
    } else if (kind === '*' || name === '*') return { ok: true, why: 'any meshed identity' };
  }
  void index;
  return { ok: false, why: `MeshTLSAuthentication ${nsName(mta)} does not list ${l5d ?? 'the caller'}` };
}

function networksOk(networks: Record<string, unknown>[], src: SourceIdentity, owner: string): { ok: boolean; why: string } {
  if (src.ip === undefined) return { ok: true, why: `${owner}: source IP unknown, assumed inside its networks` };
  for (const n of networks) {
    const cidr = str(n.cidr);
    if (cidr && ipInCidr(src.ip, cidr) && !strings(n.except).some((e) => ipInCidr(src.ip!, e))) return { ok: true, why: `${owner}: ${src.ip} in ${cidr}` };
  }
  return { ok: false, why: `${owner}: ${src.ip} is in none of its networks` };
}

function authRefOk(index: WorkspaceIndex, ap: Resource, ref: Record<string, unknown>, src: SourceIdentity): { ok: boolean; why: string } {
  const kind = str(ref.kind);
  const name = str(ref.name) ?? '';
  const ns = str(ref.namespace) ?? ap.namespace;
  if (kind === 'MeshTLSAuthentication') {
    const mta = index.find('policy.linkerd.io/MeshTLSAuthentication', ns, name);
    if (!mta) return { ok: false, why: `MeshTLSAuthentication ${ns}/${name} not found` };
    return meshTlsOk(index, mta, src);
  }
  if (kind === 'NetworkAuthentication') {
    const na = index.find('policy.linkerd.io/NetworkAuthentication', ns, name);
    if (!na) return { ok: false, why: `NetworkAuthentication ${ns}/${name} not found` };
    return networksOk(objs(na.spec.networks), src, `NetworkAuthentication ${nsName(na)}`);
  }
  if (kind === 'ServiceAccount') {
    const id = sourceSa(src);
    return src.meshed && id.serviceAccount === name && id.namespace === ns ? { ok: true, why: `ServiceAccount ${ns}/${name}` } : { ok: false, why: `caller is not ServiceAccount ${ns}/${name}` };
  }
  return { ok: false, why: `authentication kind ${kind ?? '?'} not modelled` };
}

export interface LinkerdServerMatch {
  server: Resource;
}

/** Servers in the workload's namespace that select the workload and the port (number or container port name). */
export function linkerdServersFor(index: WorkspaceIndex, w: Workload, port: number | undefined): Resource[] {
  return index.of('policy.linkerd.io/Server').filter((s) => {
    if (s.namespace !== w.namespace) return false;
    if (!matchesLabelSelector(s.spec.podSelector, w.labels)) return false;
    const p = s.spec.port;
    if (typeof p === 'number' || (typeof p === 'string' && /^\d+$/.test(p))) return Number(p) === port;
    if (typeof p === 'string') return w.ports.some((cp) => cp.name === p && cp.containerPort === port);
    return false;
  });
}

/** Workloads a Server selects (pod selector and a container port of that number or name). */
export function serverWorkloads(index: WorkspaceIndex, server: Resource): Workload[] {
  const p = server.spec.port;
  return index.workloads().filter(
    (w) =>
      w.namespace === server.namespace &&
      matchesLabelSelector(server.spec.podSelector, w.labels) &&
      w.ports.some((cp) => (typeof p === 'number' ? cp.containerPort === p : typeof p === 'string' ? cp.name === p || String(cp.containerPort) === p : false)),
  );
}

export interface LinkerdAuthzInput {
  index: WorkspaceIndex;
  w: Workload;
  port: number | undefined;
  src: SourceIdentity;
  /** The inbound route the request matched on the Server (chosen by the caller with Gateway API precedence). */
  route?: Resource;
  /** Set when the Server has routes and none matched (the proxy answers 404). */
  noRoute?: boolean;
}

/**
 * Linkerd inbound authorization. No Server on the port: the default inbound policy (pod, then namespace annotation
 * `config.linkerd.io/default-inbound-policy`, else `all-unauthenticated`). A Server: an AuthorizationPolicy (targeting
 * the Server, its Namespace, or the matched route) or a ServerAuthorization must authorize the caller, otherwise
 * the Server's `accessPolicy` applies (default `deny`, per the v1beta3 schema; earlier versions always deny).
 */
export function linkerdAuthorize(input: LinkerdAuthzInput, server: Resource | undefined): AuthzResult {
  const { index, w, src } = input;
  if (!server) {
    const nsRes = index.find('/Namespace', '', w.namespace);
    const nsAnn = nsRes ? stringMap(obj(nsRes.obj.metadata).annotations) : {};
    const policy = w.podAnnotations['config.linkerd.io/default-inbound-policy'] ?? nsAnn['config.linkerd.io/default-inbound-policy'] ?? 'all-unauthenticated';
    const r = linkerdPolicyAllows(policy, src);
    return { decision: r.ok ? 'ALLOW' : 'DENY', policy: null, reason: `no Server selects port ${input.port ?? '?'}; default inbound policy ${policy}: ${r.why}`, engine: 'linkerd' };
  }
  const sname = nsName(server);
  if (input.noRoute) {
    return { decision: 'DENY', policy: sname, policyRef: refOf(server), reason: `Server ${sname} has HTTPRoutes and none matches the request (404)`, loc: locOf(server), engine: 'linkerd', status: 404 };
  }
  const misses: string[] = [];
  for (const ap of index.of('policy.linkerd.io/AuthorizationPolicy').filter((p) => p.namespace === server.namespace)) {
    const t = obj(ap.spec.targetRef);
    const kind = str(t.kind);
    const name = str(t.name);
    const applies =
      (kind === 'Server' && name === server.name) ||
      (kind === 'Namespace' && name === server.namespace) ||
      ((kind === 'HTTPRoute' || kind === 'GRPCRoute') && input.route !== undefined && input.route.kind === kind && input.route.name === name);
    if (!applies) continue;
    const refs = objs(ap.spec.requiredAuthenticationRefs);
    const results = refs.map((r) => authRefOk(index, ap, r, src));
    const failed = results.find((r) => !r.ok);
    if (!failed) {
      return {
        decision: 'ALLOW',
        policy: nsName(ap),
        policyRef: refOf(ap),
        reason: `AuthorizationPolicy ${nsName(ap)} (target ${kind} ${name}) authorizes: ${results.map((r) => r.why).join('; ') || 'no authentication required'}`,
        loc: locOf(ap),
        engine: 'linkerd',
      };
    }
    misses.push(`${nsName(ap)}: ${failed.why}`);
  }
  for (const sa of index.of('policy.linkerd.io/ServerAuthorization').filter((p) => p.namespace === server.namespace)) {
    const sref = obj(sa.spec.server);
    const applies = str(sref.name) === server.name || (isObj(sref.selector) && matchesLabelSelector(sref.selector, server.labels));
    if (!applies) continue;
    const client = obj(sa.spec.client);
    let ok = false;
    let why = '';
    if (client.unauthenticated === true) {
      ok = true;
      why = 'unauthenticated clients allowed';
    } else if (isObj(client.meshTLS)) {
      const m = client.meshTLS;
      if (!src.meshed || !src.principal) why = 'needs a meshed caller';
      else if (m.unauthenticatedTLS === true) {
        ok = true;
        why = 'unauthenticated TLS allowed';
      } else {
        const id = sourceSa(src);
        const l5d = id.namespace && id.serviceAccount ? linkerdIdentity(id.namespace, id.serviceAccount) : '';
        ok =
          strings(m.identities).some((p) => p === '*' || p === l5d || (p.startsWith('*.') && l5d.endsWith(p.slice(1)))) ||
          objs(m.serviceAccounts).some((s) => str(s.name) === id.serviceAccount && (str(s.namespace) ?? sa.namespace) === id.namespace);
        why = ok ? `identity ${l5d} listed` : `identity ${l5d} not listed`;
      }
    } else why = 'no client';
    if (ok && Array.isArray(client.networks)) {
      const n = networksOk(objs(client.networks), src, `ServerAuthorization ${nsName(sa)}`);
      ok = n.ok;
      why += `; ${n.why}`;
    }
    if (ok) return { decision: 'ALLOW', policy: nsName(sa), policyRef: refOf(sa), reason: `ServerAuthorization ${nsName(sa)}: ${why}`, loc: locOf(sa), engine: 'linkerd' };
    misses.push(`${nsName(sa)}: ${why}`);
  }
  const access = str(server.spec.accessPolicy) ?? 'deny';
  const r = linkerdPolicyAllows(access, src);
  const missText = misses.length ? `; not authorized by ${misses.join('; ')}` : '; no AuthorizationPolicy targets it';
  if (r.ok) return { decision: 'ALLOW', policy: sname, policyRef: refOf(server), reason: `Server ${sname} accessPolicy ${access}: ${r.why}${missText}`, loc: locOf(server), engine: 'linkerd' };
  return { decision: 'DENY', policy: sname, policyRef: refOf(server), reason: `Server ${sname} denies by default (accessPolicy ${access})${missText}`, loc: locOf(server), engine: 'linkerd' };
}

/** The mesh serving a workload (for choosing Istio or Linkerd security). */
export function workloadMesh(index: WorkspaceIndex, w: Workload): Mesh {
  return meshOfWorkload(index, w);
}

export { istioPrincipal };
