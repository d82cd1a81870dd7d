/**
 * TEST DOUBLE: a fake Kubernetes API server for the apply tests. It is not Kubernetes.
 *
 * 127.0.0.1 on a random port, plain HTTP or HTTPS (with a test CA made by test/apply/tls.ts),
 * one bearer token. (kubectl, like all of client-go, does not send a bearer token over plain
 * HTTP: for kubectl use HTTPS, or set `anonymous` to accept requests without credentials.) It speaks enough of the protocol for
 * the real kubectl (discovery, server-side apply, get/list with Table output) and for the
 * extension's apply code: discovery (/version, /api, /api/v1, /apis, /apis/<group>/<version>),
 * GET / list / POST create / DELETE, server-side apply (PATCH application/apply-patch+yaml with
 * fieldManager, dryRun=All and force) with a simplified field ownership model (maps merge, lists
 * and scalars are owned whole; a field set to a different value than another manager's is a
 * 409 conflict unless force), CRDs that register their types when applied, namespaces that must
 * exist, and on-demand errors: 401, 403 (RBAC-style messages), 404 types not served, 422 schema
 * and 400 Istio webhook denials, 409 conflicts, delays (slow responses, for timeouts: a delayed
 * write is still carried out after the delay, as a real server does when the client has given up),
 * and dropped connections (before the request is handled, or after it, losing only the answer).
 * Like a real API server it stores a Secret's `stringData` folded into `data` (base64).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';

export interface FakeType {
  group: string;
  versions: string[];
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
}

type Obj = Record<string, unknown>;

export interface FakeTls {
  key: string;
  cert: string;
  /** The CA that signed `cert` (PEM), written into kubeconfigs. */
  ca?: string;
}

export interface FakeOptions {
  token?: string;
  types?: FakeType[];
  namespaces?: string[];
  tls?: FakeTls;
  anonymous?: boolean;
}

export interface Fault {
  method?: string;
  /** Substring or pattern of the request path. */
  path?: string | RegExp;
  /** Match only dry-run (true) or only real (false) requests. */
  dryRun?: boolean;
  /** Answer this status with `body` (a Status is made when body is absent). */
  status?: number;
  body?: unknown;
  message?: string;
  /** Wait this long before answering (then answer normally unless status is set). */
  delayMs?: number;
  /** Close the connection without answering (the request is not handled: nothing is written). */
  drop?: boolean;
  /**
   * Handle the request (a write is stored), then close the connection without answering: a
   * write that went through but whose answer was lost. With `delayMs`, the delay comes first.
   */
  dropAfterHandling?: boolean;
  /** How many times this fault fires (default: always). */
  times?: number;
}

export interface ForbidRule {
  verb: string;
  plural: string;
  namespace?: string;
}

export type Validator = (obj: Obj, ctx: { plural: string; group: string; dryRun: boolean }) => { status: number; body: Obj } | undefined;

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  /** Whether the right bearer token was sent (the token itself is never recorded). */
  authorized: boolean;
  body?: string;
}

const ISTIO_NET = ['v1', 'v1beta1', 'v1alpha3'];
export const DEFAULT_TYPES: FakeType[] = [
  { group: '', versions: ['v1'], kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'] },
  { group: '', versions: ['v1'], kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] },
  { group: '', versions: ['v1'], kind: 'Secret', plural: 'secrets', namespaced: true },
  { group: '', versions: ['v1'], kind: 'Service', plural: 'services', namespaced: true, shortNames: ['svc'] },
  { group: '', versions: ['v1'], kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, shortNames: ['sa'] },
  { group: 'apps', versions: ['v1'], kind: 'Deployment', plural: 'deployments', namespaced: true, shortNames: ['deploy'] },
  { group: 'apiextensions.k8s.io', versions: ['v1'], kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false, shortNames: ['crd', 'crds'] },
  { group: 'networking.istio.io', versions: ISTIO_NET, kind: 'VirtualService', plural: 'virtualservices', namespaced: true, shortNames: ['vs'] },
  { group: 'networking.istio.io', versions: ISTIO_NET, kind: 'DestinationRule', plural: 'destinationrules', namespaced: true, shortNames: ['dr'] },
  { group: 'networking.istio.io', versions: ISTIO_NET, kind: 'Gateway', plural: 'gateways', namespaced: true, shortNames: ['gw'] },
  { group: 'networking.istio.io', versions: ISTIO_NET, kind: 'ServiceEntry', plural: 'serviceentries', namespaced: true, shortNames: ['se'] },
  { group: 'security.istio.io', versions: ['v1', 'v1beta1'], kind: 'AuthorizationPolicy', plural: 'authorizationpolicies', namespaced: true, shortNames: ['ap'] },
  { group: 'security.istio.io', versions: ['v1', 'v1beta1'], kind: 'PeerAuthentication', plural: 'peerauthentications', namespaced: true, shortNames: ['pa'] },
  { group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], kind: 'HTTPRoute', plural: 'httproutes', namespaced: true },
  { group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], kind: 'Gateway', plural: 'gateways', namespaced: true },
];

/** Moves a Secret's `stringData` into `data` (base64), as the API server does before storing it. */
export function foldStringData(secret: Obj): void {
  const sd = secret.stringData;
  if (!sd || typeof sd !== 'object') {
    delete secret.stringData;
    return;
  }
  const data = { ...((secret.data as Obj | undefined) ?? {}) };
  for (const [k, v] of Object.entries(sd as Obj)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  secret.data = data;
  delete secret.stringData;
}

function status(code: number, reason: string, message: string, details?: Obj): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

/** Leaf paths of an object: maps are walked, lists and scalars are leaves. */
function leaves(v: unknown, prefix: string[] = [], out = new Map<string, unknown>()): Map<string, unknown> {
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
    for (const [k, child] of Object.entries(v as Obj)) leaves(child, [...prefix, k], out);
  } else if (prefix.length > 0) out.set(JSON.stringify(prefix), v);
  return out;
}

function setPath(obj: Obj, path: string[], value: unknown): void {
  let cur = obj;
  for (const k of path.slice(0, -1)) {
    if (!cur[k] || typeof cur[k] !== 'object' || Array.isArray(cur[k])) cur[k] = {};
    cur = cur[k] as Obj;
  }
  cur[path[path.length - 1]] = structuredClone(value);
}

function deletePath(obj: Obj, path: string[]): void {
  const stack: Obj[] = [];
  let cur: Obj | undefined = obj;
  for (const k of path.slice(0, -1)) {
    stack.push(cur);
    cur = cur[k] as Obj | undefined;
    if (!cur || typeof cur !== 'object') return;
  }
  delete cur[path[path.length - 1]];
  // drop emptied maps
  for (let i = path.length - 2; i >= 0; i--) {
    const parent = stack[i];
    const child = parent[path[i]] as Obj;
    if (child && typeof child === 'object' && !Array.isArray(child) && Object.keys(child).length === 0) delete parent[path[i]];
    else break;
  }
}

function fieldsV1(paths: Iterable<string>): Obj {
  const root: Obj = {};
  for (const p of paths) {
    let cur = root;
    for (const k of JSON.parse(p) as string[]) {
      const key = `f:${k}`;
      cur[key] ??= {};
      cur = cur[key] as Obj;
    }
  }
  return root;
}

const IDENTITY = new Set([JSON.stringify(['apiVersion']), JSON.stringify(['kind']), JSON.stringify(['metadata', 'name']), JSON.stringify(['metadata', 'namespace'])]);

interface Stored {
  obj: Obj;
  owners: Map<string, Set<string>>;
}

/** Istio-like validation of VirtualServices: the CRD's CEL rule on durations (422) and the webhook's weight check (400). */
export const istioValidators: Validator[] = [
  (obj, ctx) => {
    if (ctx.plural !== 'virtualservices') return undefined;
    const http = ((obj.spec as Obj | undefined)?.http ?? []) as Obj[];
    for (const [i, r] of http.entries()) {
      const t = r?.timeout;
      if (t !== undefined && !(typeof t === 'string' && /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/.test(t))) {
        const field = `spec.http[${i}].timeout`;
        const name = String((obj.metadata as Obj).name);
        return {
          status: 422,
          body: status(422, 'Invalid', `VirtualService.networking.istio.io "${name}" is invalid: ${field}: Invalid value: "string": must be a valid duration greater than 1ms`, {
            name,
            group: 'networking.istio.io',
            kind: 'VirtualService',
            causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: "string": must be a valid duration greater than 1ms', field }],
          }),
        };
      }
    }
    return undefined;
  },
  (obj, ctx) => {
    if (ctx.plural !== 'virtualservices') return undefined;
    const http = ((obj.spec as Obj | undefined)?.http ?? []) as Obj[];
    for (const r of http) {
      const dests = (r?.route ?? []) as Obj[];
      const total = dests.reduce((s, d) => s + (typeof d.weight === 'number' ? d.weight : 0), 0);
      if (dests.length > 1 && total !== 100) {
        // istiod answers without a code; the API server then uses 400.
        return {
          status: 400,
          body: status(400, 'BadRequest', `admission webhook "validation.istio.io" denied the request: configuration is invalid: total destination weight ${total} != 100`),
        };
      }
    }
    return undefined;
  },
];

export class FakeApiServer {
  readonly token: string;
  readonly requests: RecordedRequest[] = [];
  readonly faults: Fault[] = [];
  readonly forbidden: ForbidRule[] = [];
  readonly validators: Validator[] = [...istioValidators];
  types: FakeType[];
  /** Delay before a CRD applied for real serves its types. */
  crdEstablishDelayMs = 0;
  /** Include the presented credential in 401 messages (a misbehaving proxy), to test redaction. */
  echoCredentialIn401 = false;
  user = 'system:serviceaccount:ci:deployer';
  private readonly store = new Map<string, Stored>();
  private readonly namespaces = new Set<string>();
  private rv = 1000;
  private server!: http.Server;
  port = 0;

  /** Accept requests that carry no credentials at all (a wrong token is still a 401). */
  anonymous = false;
  private tls?: FakeTls;

  private constructor(opts: FakeOptions) {
    this.token = opts.token ?? 'fake-token-0123456789abcdef';
    this.types = structuredClone(opts.types ?? DEFAULT_TYPES);
    for (const ns of opts.namespaces ?? ['default', 'kube-system', 'istio-system']) this.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }

  static async start(opts: FakeOptions = {}): Promise<FakeApiServer> {
    const s = new FakeApiServer(opts);
    s.tls = opts.tls;
    s.anonymous = !!opts.anonymous;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      void s.handle(req, res);
    };
    s.server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : http.createServer(handler);
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.port = (s.server.address() as AddressInfo).port;
    return s;
  }

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * A kubeconfig for this server: with HTTPS it trusts the test CA (or `caData`); plain HTTP
   * needs insecure-skip-tls-verify for client-node.
   */
  kubeconfig(o: { server?: string; token?: string; context?: string; namespace?: string; extraUserFields?: string; caPem?: string; userYaml?: string } = {}): string {
    const ctx = o.context ?? 'fake';
    const ca = o.caPem ?? this.tls?.ca;
    const trust = ca ? `    certificate-authority-data: ${Buffer.from(ca).toString('base64')}` : '    insecure-skip-tls-verify: true';
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: ${ctx}-cluster`,
      '  cluster:',
      `    server: ${o.server ?? this.url}`,
      trust,
      'users:',
      `- name: ${ctx}-user`,
      '  user:',
      ...(o.userYaml ? o.userYaml.split('\n').map((l) => `    ${l}`) : [`    token: ${o.token ?? this.token}`]),
      ...(o.extraUserFields ? o.extraUserFields.split('\n').map((l) => `    ${l}`) : []),
      'contexts:',
      `- name: ${ctx}`,
      '  context:',
      `    cluster: ${ctx}-cluster`,
      `    user: ${ctx}-user`,
      ...(o.namespace ? [`    namespace: ${o.namespace}`] : []),
      `current-context: ${ctx}`,
      '',
    ].join('\n');
  }

  /** Stores an object as if applied by `manager` (default: kubectl-client-side-apply, an Update). */
  seed(obj: Obj, manager = 'kubectl-client-side-apply'): void {
    const t = this.typeOf(String(obj.apiVersion), String(obj.kind));
    if (!t) throw new Error(`fake: no type for ${String(obj.apiVersion)} ${String(obj.kind)}`);
    const meta = obj.metadata as Obj;
    const ns = t.namespaced ? String(meta.namespace ?? 'default') : undefined;
    const copy = structuredClone(obj);
    if (t.plural === 'secrets' && t.group === '') foldStringData(copy);
    const owners = new Map<string, Set<string>>();
    owners.set(manager, new Set([...leaves(copy).keys()].filter((p) => !IDENTITY.has(p))));
    this.finishObject(copy, undefined, t, ns, owners);
    this.store.set(this.key(t, ns, String(meta.name)), { obj: copy, owners });
    if (t.plural === 'namespaces') this.namespaces.add(String(meta.name));
  }

  /** The stored object, or undefined. */
  get(apiVersionOrGroup: string, plural: string, namespace: string | undefined, name: string): Obj | undefined {
    const group = apiVersionOrGroup.includes('/') ? apiVersionOrGroup.split('/')[0] : apiVersionOrGroup === 'v1' ? '' : apiVersionOrGroup;
    const t = this.types.find((x) => x.group === group && x.plural === plural);
    if (!t) return undefined;
    return this.store.get(this.key(t, t.namespaced ? namespace : undefined, name))?.obj;
  }

  /** Stops serving a group (e.g. "Istio is not installed"), or only some of its versions. */
  unserve(group: string, versions?: string[]): void {
    this.types = this.types
      .map((t) => (t.group !== group ? t : { ...t, versions: versions ? t.versions.filter((v) => !versions.includes(v)) : [] }))
      .filter((t) => t.versions.length > 0);
  }

  private key(t: FakeType, ns: string | undefined, name: string): string {
    return `${t.group}/${t.plural}/${ns ?? ''}/${name}`;
  }

  private typeOf(apiVersion: string, kind: string): FakeType | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return this.types.find((t) => t.group === group && t.kind === kind && t.versions.includes(version));
  }

  private finishObject(obj: Obj, prev: Obj | undefined, t: FakeType, ns: string | undefined, owners: Map<string, Set<string>>): void {
    const meta = (obj.metadata ??= {}) as Obj;
    const pm = (prev?.metadata ?? {}) as Obj;
    if (ns) meta.namespace = ns;
    meta.uid = pm.uid ?? `0000-${Math.random().toString(16).slice(2, 10)}`;
    meta.creationTimestamp = pm.creationTimestamp ?? new Date(Date.UTC(2025, 0, 1)).toISOString().replace('.000', '');
    const specChanged = JSON.stringify(prev?.spec) !== JSON.stringify(obj.spec);
    meta.generation = typeof pm.generation === 'number' ? (specChanged ? pm.generation + 1 : pm.generation) : 1;
    meta.resourceVersion = String(++this.rv);
    meta.managedFields = [...owners.entries()]
      .filter(([, paths]) => paths.size > 0)
      .map(([manager, paths]) => ({
        manager,
        operation: manager.startsWith('kubectl-client-side') ? 'Update' : 'Apply',
        apiVersion: String(obj.apiVersion),
        time: '2025-01-01T00:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: fieldsV1(paths),
      }));
    // API server defaulting, so dry-run results differ from what was sent
    if (t.plural === 'services') {
      const spec = (obj.spec ??= {}) as Obj;
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      spec.clusterIP ??= (prev?.spec as Obj | undefined)?.clusterIP ?? `10.96.0.${10 + (this.rv % 200)}`;
    }
    if (t.group && t.group !== 'apps' && t.group !== 'apiextensions.k8s.io') obj.status ??= {};
  }

  private recordAndMatchFault(req: RecordedRequest): Fault | undefined {
    for (const f of this.faults) {
      if (f.times !== undefined && f.times <= 0) continue;
      if (f.method && f.method !== req.method) continue;
      if (f.path && !(typeof f.path === 'string' ? req.path.includes(f.path) : f.path.test(req.path))) continue;
      if (f.dryRun !== undefined && f.dryRun !== (req.query.dryRun === 'All')) continue;
      if (f.times !== undefined) f.times--;
      return f;
    }
    return undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const bodyText = Buffer.concat(chunks).toString('utf8');
    const auth = req.headers.authorization ?? '';
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type'],
      authorized: auth === `Bearer ${this.token}`,
      body: bodyText || undefined,
    };
    this.requests.push(rec);
    const send = (code: number, body: unknown, contentType = 'application/json'): void => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(code, { 'Content-Type': contentType });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const fault = this.recordAndMatchFault(rec);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.drop) {
      req.socket.destroy();
      return;
    }
    if (fault?.dropAfterHandling) {
      try {
        this.route(rec, req, () => req.socket.destroy());
      } catch {
        /* the answer is lost anyway */
      }
      req.socket.destroy();
      return;
    }
    if (fault?.status) {
      send(fault.status, fault.body ?? status(fault.status, 'Fault', fault.message ?? `fault ${fault.status}`));
      return;
    }
    if (!rec.authorized && !(this.anonymous && !auth)) {
      const presented = auth.replace(/^Bearer\s+/, '');
      send(401, status(401, 'Unauthorized', this.echoCredentialIn401 ? `Unauthorized: invalid bearer token ${presented}` : 'Unauthorized'));
      return;
    }
    try {
      this.route(rec, req, send);
    } catch (e) {
      send(500, status(500, 'InternalError', `fake: ${(e as Error).message}`));
    }
  }

  private route(rec: RecordedRequest, req: http.IncomingMessage, send: (code: number, body: unknown, ct?: string) => void): void {
    const p = rec.path.replace(/\/+$/, '');
    if (p === '/version') {
      send(200, { major: '1', minor: '32', gitVersion: 'v1.32.0', gitCommit: 'fake', gitTreeState: 'clean', buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.23', compiler: 'gc', platform: 'linux/amd64' });
      return;
    }
    if (p === '/openapi/v3') {
      // Just enough OpenAPI v3 for kubectl to see that PATCH takes `fieldValidation` (server-side validation).
      const gvs = new Set<string>(['api/v1']);
      for (const t of this.types) for (const v of t.versions) gvs.add(t.group ? `apis/${t.group}/${v}` : `api/${v}`);
      send(200, { paths: Object.fromEntries([...gvs].map((gv) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=fake${this.types.length}` }])) });
      return;
    }
    if (p.startsWith('/openapi/v3/')) {
      const gv = p.slice('/openapi/v3/'.length);
      const [group, version] = gv.startsWith('api/') ? ['', gv.slice(4)] : gv.slice(5).split('/');
      const paths: Obj = {};
      for (const t of this.types.filter((x) => x.group === group && x.versions.includes(version))) {
        const base = `/${gv}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}/{name}`;
        paths[base] = {
          patch: {
            'x-kubernetes-group-version-kind': { group, version, kind: t.kind },
            'x-kubernetes-action': 'patch',
            parameters: [
              { name: 'dryRun', in: 'query', schema: { type: 'string' } },
              { name: 'fieldManager', in: 'query', schema: { type: 'string' } },
              { name: 'fieldValidation', in: 'query', schema: { type: 'string' } },
              { name: 'force', in: 'query', schema: { type: 'boolean' } },
            ],
            responses: { '200': { description: 'OK' } },
          },
        };
      }
      send(200, { openapi: '3.0.0', info: { title: 'Kubernetes (fake)', version: 'v1.32.0' }, paths, components: { schemas: {} } });
      return;
    }
    if (p === '/api') {
      send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.port}` }] });
      return;
    }
    if (p === '/apis') {
      const groups = new Map<string, string[]>();
      for (const t of this.types) if (t.group) for (const v of t.versions) if (!(groups.get(t.group) ?? []).includes(v)) groups.set(t.group, [...(groups.get(t.group) ?? []), v]);
      send(200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [...groups.entries()].map(([name, versions]) => ({
          name,
          versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
          preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
        })),
      });
      return;
    }
    const parts = p.split('/').filter(Boolean);
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === 'api' && parts.length >= 2) {
      group = '';
      version = parts[1];
      rest = parts.slice(2);
    } else if (parts[0] === 'apis' && parts.length >= 3) {
      group = parts[1];
      version = parts[2];
      rest = parts.slice(3);
    } else {
      send(404, status(404, 'NotFound', 'the server could not find the requested resource'), 'application/json');
      return;
    }
    const served = this.types.filter((t) => t.group === group && t.versions.includes(version));
    if (rest.length === 0) {
      if (served.length === 0) {
        send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
        return;
      }
      send(200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: group ? `${group}/${version}` : version,
        resources: served.map((t) => ({
          name: t.plural,
          singularName: t.kind.toLowerCase(),
          namespaced: t.namespaced,
          kind: t.kind,
          verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
          ...(t.shortNames ? { shortNames: t.shortNames } : {}),
        })),
      });
      return;
    }
    let ns: string | undefined;
    let plural: string;
    let name: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      ns = rest[1];
      plural = rest[2];
      name = rest[3];
    } else {
      plural = rest[0];
      name = rest[1];
    }
    const t = served.find((x) => x.plural === plural);
    if (!t) {
      send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const verb = rec.method === 'GET' ? (name ? 'get' : 'list') : rec.method === 'PATCH' ? 'patch' : rec.method === 'POST' ? 'create' : rec.method === 'DELETE' ? 'delete' : 'update';
    const rule = this.forbidden.find((f) => f.verb === verb && f.plural === plural && (f.namespace === undefined || f.namespace === ns));
    if (rule) {
      const gr = group ? `${plural}.${group}` : plural;
      const subject = name ? `${gr} "${name}" is forbidden` : `${gr} is forbidden`;
      const where = ns ? ` in the namespace "${ns}"` : ' at the cluster scope';
      send(403, status(403, 'Forbidden', `${subject}: User "${this.user}" cannot ${verb} resource "${plural}" in API group "${group}"${where}`, { name, group, kind: plural }));
      return;
    }
    const apiVersion = group ? `${group}/${version}` : version;
    if (rec.method === 'GET' && name) {
      const s = this.store.get(this.key(t, t.namespaced ? ns : undefined, name));
      if (!s) {
        send(404, status(404, 'NotFound', `${group ? `${plural}.${group}` : plural} "${name}" not found`, { name, group, kind: plural }));
        return;
      }
      send(200, { ...structuredClone(s.obj), apiVersion });
      return;
    }
    if (rec.method === 'GET') {
      const items = [...this.store.values()]
        .map((s) => s.obj)
        .filter((o) => {
          const ot = this.typeOf(String(o.apiVersion), String(o.kind));
          return ot?.group === t.group && ot.plural === t.plural && (!ns || (o.metadata as Obj).namespace === ns);
        })
        .map((o): Obj => ({ ...structuredClone(o), apiVersion }));
      const accept = String(req.headers.accept ?? '');
      if (/as=Table/.test(accept)) {
        send(200, {
          kind: 'Table',
          apiVersion: 'meta.k8s.io/v1',
          metadata: { resourceVersion: String(this.rv) },
          columnDefinitions: [
            { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
            { name: 'Age', type: 'string', format: '', description: 'Age', priority: 0 },
          ],
          rows: items.map((o) => ({
            cells: [String((o.metadata as Obj).name), '1d'],
            object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
          })),
        });
        return;
      }
      send(200, { kind: `${t.kind}List`, apiVersion, metadata: { resourceVersion: String(this.rv) }, items });
      return;
    }
    if (rec.method === 'DELETE' && name) {
      const k = this.key(t, t.namespaced ? ns : undefined, name);
      const s = this.store.get(k);
      if (!s) {
        send(404, status(404, 'NotFound', `${plural} "${name}" not found`, { name, group, kind: plural }));
        return;
      }
      this.store.delete(k);
      if (t.plural === 'namespaces') this.namespaces.delete(name);
      send(200, { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name, group, kind: plural } });
      return;
    }
    if (rec.method === 'PATCH' && name) {
      this.apply(rec, t, apiVersion, ns, name, send);
      return;
    }
    if (rec.method === 'POST' && !name) {
      const obj = parseYaml(rec.body ?? '{}') as Obj;
      const n = String((obj.metadata as Obj | undefined)?.name ?? '');
      if (this.store.has(this.key(t, t.namespaced ? ns : undefined, n))) {
        send(409, status(409, 'AlreadyExists', `${plural} "${n}" already exists`, { name: n, group, kind: plural }));
        return;
      }
      rec.query.fieldManager ??= 'kubectl-create';
      this.apply(rec, t, apiVersion, ns, n, send, true);
      return;
    }
    send(405, status(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`));
  }

  private apply(
    rec: RecordedRequest,
    t: FakeType,
    apiVersion: string,
    ns: string | undefined,
    name: string,
    send: (code: number, body: unknown) => void,
    isCreate = false,
  ): void {
    const dryRun = rec.query.dryRun === 'All';
    if (!isCreate && !/application\/apply-patch\+yaml/.test(rec.contentType ?? '')) {
      send(415, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml`));
      return;
    }
    const manager = rec.query.fieldManager;
    if (!manager) {
      send(422, status(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', { causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }] }));
      return;
    }
    const force = rec.query.force === 'true';
    let applied: Obj;
    try {
      applied = parseYaml(rec.body ?? '') as Obj;
    } catch (e) {
      send(400, status(400, 'BadRequest', `error decoding YAML: ${(e as Error).message}`));
      return;
    }
    if (!applied || typeof applied !== 'object') {
      send(400, status(400, 'BadRequest', 'empty body'));
      return;
    }
    // A Secret's stringData is write-only: the server stores it in data, base64-encoded.
    if (t.plural === 'secrets' && t.group === '') foldStringData(applied);
    const meta = (applied.metadata ?? {}) as Obj;
    if (meta.name !== name) {
      send(400, status(400, 'BadRequest', `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`));
      return;
    }
    if (t.namespaced && meta.namespace !== undefined && meta.namespace !== ns) {
      send(400, status(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request'));
      return;
    }
    if (applied.apiVersion !== apiVersion || applied.kind !== t.kind) {
      send(400, status(400, 'BadRequest', `the API version in the data (${String(applied.apiVersion)}) does not match the expected API version (${apiVersion})`));
      return;
    }
    if (t.namespaced && ns && !this.namespaces.has(ns)) {
      send(404, status(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' }));
      return;
    }
    const key = this.key(t, t.namespaced ? ns : undefined, name);
    const prev = this.store.get(key);
    const owners = new Map<string, Set<string>>([...(prev?.owners ?? new Map<string, Set<string>>()).entries()].map(([m, s]) => [m, new Set(s)]));
    const newLeaves = new Map([...leaves(applied).entries()].filter(([p]) => !IDENTITY.has(p)));
    const prevLeaves = prev ? leaves(prev.obj) : new Map<string, unknown>();
    // conflicts: a field another manager owns, set here to a different value
    const conflicts: { manager: string; field: string }[] = [];
    for (const [p, v] of newLeaves) {
      for (const [m, paths] of owners) {
        if (m === manager || !paths.has(p)) continue;
        if (JSON.stringify(prevLeaves.get(p)) !== JSON.stringify(v)) conflicts.push({ manager: m, field: p });
      }
    }
    if (conflicts.length > 0 && !force) {
      const dotted = (p: string): string => `.${(JSON.parse(p) as string[]).join('.')}`;
      const msg =
        conflicts.length === 1
          ? `Apply failed with 1 conflict: conflict with "${conflicts[0].manager}" using ${apiVersion}: ${dotted(conflicts[0].field)}`
          : `Apply failed with ${conflicts.length} conflicts: ${conflicts.map((c) => `conflict with "${c.manager}" using ${apiVersion}: ${dotted(c.field)}`).join('\n')}`;
      send(
        409,
        status(409, 'Conflict', msg, {
          causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}" using ${apiVersion}`, field: dotted(c.field) })),
        }),
      );
      return;
    }
    const result: Obj = prev ? structuredClone(prev.obj) : { apiVersion, kind: t.kind, metadata: { name } };
    result.apiVersion = apiVersion;
    // fields this manager owned and no longer sets, and nobody else owns, are removed
    const mine = owners.get(manager) ?? new Set<string>();
    for (const p of mine) {
      if (newLeaves.has(p)) continue;
      const others = [...owners.entries()].some(([m, s]) => m !== manager && s.has(p));
      if (!others) deletePath(result, JSON.parse(p) as string[]);
    }
    for (const [p, v] of newLeaves) setPath(result, JSON.parse(p) as string[], v);
    owners.set(manager, new Set(newLeaves.keys()));
    // force takes over the conflicting fields only; fields set to the same value stay shared
    if (force) for (const c of conflicts) owners.get(c.manager)?.delete(c.field);
    for (const v of this.validators) {
      const denied = v(result, { plural: t.plural, group: t.group, dryRun });
      if (denied) {
        send(denied.status, denied.body);
        return;
      }
    }
    if (dryRun) {
      const saveRv = this.rv;
      this.finishObject(result, prev?.obj, t, t.namespaced ? ns : undefined, owners);
      if (prev && JSON.stringify({ ...prev.obj, metadata: undefined }) === JSON.stringify({ ...result, metadata: undefined })) {
        (result.metadata as Obj).resourceVersion = (prev.obj.metadata as Obj).resourceVersion;
      }
      this.rv = saveRv;
      send(prev ? 200 : 201, result);
      return;
    }
    this.finishObject(result, prev?.obj, t, t.namespaced ? ns : undefined, owners);
    this.store.set(key, { obj: result, owners });
    if (t.plural === 'namespaces') this.namespaces.add(name);
    if (t.plural === 'customresourcedefinitions') this.registerCrd(result);
    send(prev ? 200 : 201, result);
  }

  private registerCrd(crd: Obj): void {
    const spec = crd.spec as { group: string; scope?: string; names: { kind: string; plural: string; shortNames?: string[] }; versions: { name: string; served?: boolean }[] };
    const add = (): void => {
      this.types = this.types.filter((t) => !(t.group === spec.group && t.kind === spec.names.kind));
      this.types.push({
        group: spec.group,
        versions: spec.versions.filter((v) => v.served !== false).map((v) => v.name),
        kind: spec.names.kind,
        plural: spec.names.plural,
        namespaced: spec.scope !== 'Cluster',
        shortNames: spec.names.shortNames,
      });
    };
    if (this.crdEstablishDelayMs > 0) setTimeout(add, this.crdEstablishDelayMs);
    else add();
  }
}
