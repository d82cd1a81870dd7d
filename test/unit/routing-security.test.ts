import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixture, sim, yaml } from '../fixtures/routing/ws';
import type { SimRequest } from '../../server/src/service/routing';

const pa = (ns: string, mode: string, extra = ''): string => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: pa-${ns}-${mode.toLowerCase()}, namespace: ${ns} }
spec:
${extra}  mtls: { mode: ${mode} }
`;

const FROM_FRONTEND: Partial<SimRequest> = { sourcePrincipal: 'cluster.local/ns/shop/sa/frontend', sourceNamespace: 'shop' };

describe('mTLS: PeerAuthentication levels', () => {
  test('nothing set: PERMISSIVE by default, auto mTLS on the wire', () => {
    const r = sim([], { host: 'reviews.shop' });
    assert.equal(r.mtls.mode, 'PERMISSIVE');
    assert.equal(r.mtls.level, 'default');
    assert.equal(r.mtls.client, 'AUTO');
    assert.equal(r.mtls.effective, 'mtls');
  });

  test('mesh level: a selector-less policy in the root namespace', () => {
    const r = sim([pa('istio-system', 'STRICT')], { host: 'reviews.shop' });
    assert.equal(r.mtls.mode, 'STRICT');
    assert.equal(r.mtls.level, 'mesh');
    assert.equal(r.mtls.policy?.namespace, 'istio-system');
  });

  test('namespace level overrides the mesh', () => {
    const r = sim([pa('istio-system', 'STRICT'), pa('shop', 'PERMISSIVE')], { host: 'reviews.shop' });
    assert.equal(r.mtls.mode, 'PERMISSIVE');
    assert.equal(r.mtls.level, 'namespace');
  });

  test('workload level overrides the namespace, only for the selected workloads', () => {
    const wl = pa('shop', 'DISABLE', '  selector: { matchLabels: { app: reviews } }\n');
    const docs = [pa('shop', 'STRICT'), wl];
    const r = sim(docs, { host: 'reviews.shop' });
    assert.equal(r.mtls.mode, 'DISABLE');
    assert.equal(r.mtls.level, 'workload');
    assert.equal(r.mtls.effective, 'plaintext');
    assert.equal(sim(docs, { host: 'ratings.shop' }).mtls.mode, 'STRICT');
  });

  test('port level applies to the target (container) port, resolved through a named targetPort', () => {
    const port = yaml`
      apiVersion: security.istio.io/v1
      kind: PeerAuthentication
      metadata: { name: ratings, namespace: shop }
      spec:
        selector: { matchLabels: { app: ratings } }
        mtls: { mode: STRICT }
        portLevelMtls:
          "8081": { mode: DISABLE }
    `;
    const r = sim([port], { host: 'ratings.shop', port: 8080 });
    assert.equal(r.mtls.mode, 'DISABLE');
    assert.equal(r.mtls.level, 'port');
    assert.deepEqual(r.mtls.policyLoc?.path, ['spec', 'portLevelMtls', '8081']);
  });

  test('UNSET inherits from the level above', () => {
    const r = sim([pa('istio-system', 'STRICT'), pa('shop', 'UNSET')], { host: 'reviews.shop' });
    assert.equal(r.mtls.mode, 'STRICT');
    assert.equal(r.mtls.level, 'mesh');
  });
});

describe('mTLS: DestinationRule TLS on the client side', () => {
  const dr = (mode: string): string => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: frontend, namespace: shop }
spec:
  host: frontend
  trafficPolicy: { tls: { mode: ${mode} } }
`;
  test('DISABLE towards a STRICT server fails with 503', () => {
    const r = sim([pa('shop', 'STRICT'), dr('DISABLE')], { host: 'frontend.shop' });
    assert.equal(r.mtls.client, 'DISABLE');
    assert.equal(r.mtls.effective, 'fails');
    assert.equal(r.mtls.clientPolicy?.name, 'frontend');
    assert.equal(r.status, 503);
  });
  test('DISABLE towards PERMISSIVE is plaintext', () => {
    const r = sim([dr('DISABLE')], { host: 'frontend.shop' });
    assert.equal(r.mtls.effective, 'plaintext');
    assert.equal(r.status, 200);
  });
  test('ISTIO_MUTUAL towards STRICT is mTLS; towards DISABLE it fails', () => {
    assert.equal(sim([pa('shop', 'STRICT'), dr('ISTIO_MUTUAL')], { host: 'frontend.shop' }).mtls.effective, 'mtls');
    assert.equal(sim([pa('shop', 'DISABLE'), dr('ISTIO_MUTUAL')], { host: 'frontend.shop' }).mtls.effective, 'fails');
  });
  test('a caller without a sidecar cannot reach a STRICT workload', () => {
    const legacy = yaml`
      apiVersion: v1
      kind: Namespace
      metadata: { name: legacy, labels: { istio-injection: disabled } }
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: { name: old, namespace: legacy }
      spec:
        selector: { matchLabels: { app: old } }
        template:
          metadata: { labels: { app: old } }
          spec: { containers: [{ name: old, image: old }] }
    `;
    const r = sim([pa('shop', 'STRICT'), legacy], { host: 'frontend.shop', sourceNamespace: 'legacy', sourceLabels: { app: 'old' } });
    assert.equal(r.mtls.effective, 'fails');
    assert.equal(r.status, 503);
  });
});

const ap = (name: string, spec: string, ns = 'shop'): string => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: ${name}, namespace: ${ns} }
spec:
${spec}`;

describe('Istio authorization: CUSTOM, then DENY, then ALLOW', () => {
  const allowFrontend = ap('allow-frontend', `  selector: { matchLabels: { app: reviews } }
  rules:
  - from: [{ source: { principals: [cluster.local/ns/shop/sa/frontend] } }]
    to: [{ operation: { methods: [GET], paths: ["/api/*"] } }]
`);
  test('no policy: allowed, no policy named', () => {
    const r = sim([], { host: 'reviews.shop', ...FROM_FRONTEND });
    assert.deepEqual([r.authorization.decision, r.authorization.policy], ['ALLOW', null]);
  });
  test('an ALLOW rule that matches names the policy and the rule', () => {
    const r = sim([allowFrontend], { host: 'reviews.shop', path: '/api/x', ...FROM_FRONTEND });
    assert.equal(r.authorization.decision, 'ALLOW');
    assert.equal(r.authorization.policy, 'shop/allow-frontend');
    assert.equal(r.authorization.rule, 0);
    assert.deepEqual(r.authorization.loc?.path, ['spec', 'rules', 0]);
  });
  test('ALLOW policies apply and none matches: denied, with each reason', () => {
    const r = sim([allowFrontend], { host: 'reviews.shop', path: '/admin', ...FROM_FRONTEND });
    assert.equal(r.authorization.decision, 'DENY');
    assert.equal(r.authorization.policy, null);
    assert.match(r.authorization.reason, /paths \[\/api\/\*\] do not match \/admin/);
    assert.equal(r.status, 403);
    const other = sim([allowFrontend], { host: 'reviews.shop', path: '/api/x', sourcePrincipal: 'cluster.local/ns/shop/sa/ratings' });
    assert.match(other.authorization.reason, /principals .* do not match cluster.local\/ns\/shop\/sa\/ratings/);
  });
  test('a matching DENY wins over a matching ALLOW', () => {
    const deny = ap('deny-debug', `  action: DENY
  rules:
  - when: [{ key: "request.headers[x-debug]", values: ["*"] }]
`);
    const r = sim([allowFrontend, deny], { host: 'reviews.shop', path: '/api/x', headers: { 'X-Debug': '1' }, ...FROM_FRONTEND });
    assert.equal(r.authorization.decision, 'DENY');
    assert.equal(r.authorization.policy, 'shop/deny-debug');
    const noHeader = sim([allowFrontend, deny], { host: 'reviews.shop', path: '/api/x', ...FROM_FRONTEND });
    assert.equal(noHeader.authorization.policy, 'shop/allow-frontend');
  });
  test('a DENY that does not match and no ALLOW policy: allowed', () => {
    const deny = ap('deny-delete', '  action: DENY\n  rules: [{ to: [{ operation: { methods: [DELETE] } }] }]\n');
    assert.equal(sim([deny], { host: 'reviews.shop' }).authorization.decision, 'ALLOW');
    assert.equal(sim([deny], { host: 'reviews.shop', method: 'DELETE' }).authorization.decision, 'DENY');
  });
  test('CUSTOM policies are reported first; DENY and ALLOW still apply after them', () => {
    const custom = ap('ext', '  action: CUSTOM\n  provider: { name: opa }\n  rules: [{ to: [{ operation: { paths: ["/api/*"] } }] }]\n');
    const r = sim([custom, allowFrontend], { host: 'reviews.shop', path: '/api/x', ...FROM_FRONTEND });
    assert.deepEqual(r.authorization.custom, [{ policy: 'shop/ext', provider: 'opa' }]);
    assert.equal(r.authorization.decision, 'ALLOW');
  });
  test('allow-nothing (ALLOW without rules) denies; a rule `{}` allows everything', () => {
    assert.equal(sim([ap('nothing', '  action: ALLOW\n')], { host: 'reviews.shop' }).authorization.decision, 'DENY');
    const all = sim([ap('nothing', '  action: ALLOW\n'), ap('all', '  rules: [{}]\n')], { host: 'reviews.shop' });
    assert.equal(all.authorization.decision, 'ALLOW');
    assert.equal(all.authorization.policy, 'shop/all');
  });
  test('mesh-wide policies live in the root namespace; selectors limit a policy to its workloads', () => {
    const meshDeny = ap('deny-all-post', '  action: DENY\n  rules: [{ to: [{ operation: { methods: [POST] } }] }]\n', 'istio-system');
    assert.equal(sim([meshDeny], { host: 'frontend.shop', method: 'POST' }).authorization.policy, 'istio-system/deny-all-post');
    assert.equal(sim([allowFrontend], { host: 'ratings.shop' }).authorization.decision, 'ALLOW');
  });
  test('namespaces, notPrincipals, ports (target port), hosts, ipBlocks', () => {
    const p = ap('mixed', `  rules:
  - from: [{ source: { namespaces: [shop], notPrincipals: [cluster.local/ns/shop/sa/ratings] } }]
    to: [{ operation: { ports: ["8081"], hosts: ["ratings.shop*"] } }]
  - from: [{ source: { ipBlocks: [10.1.0.0/16] } }]
`);
    const base = { host: 'ratings.shop', port: 8080 };
    assert.equal(sim([p], { ...base, ...FROM_FRONTEND }).authorization.rule, 0);
    assert.equal(sim([p], { ...base, sourcePrincipal: 'cluster.local/ns/shop/sa/ratings' }).authorization.decision, 'DENY');
    assert.equal(sim([p], { ...base, sourceIp: '10.1.2.3' }).authorization.rule, 1);
    assert.equal(sim([p], { ...base, sourceIp: '10.2.2.3' }).authorization.decision, 'DENY');
  });
  test('identities need mTLS: principals do not match over plaintext', () => {
    const plain = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: frontend-plain, namespace: shop }
spec: { host: frontend, trafficPolicy: { tls: { mode: DISABLE } } }
`;
    const allow = ap('frontend-from-reviews', '  selector: { matchLabels: { app: frontend } }\n  rules: [{ from: [{ source: { principals: [cluster.local/ns/shop/sa/reviews] } }] }]\n');
    const req = { host: 'frontend.shop', sourcePrincipal: 'cluster.local/ns/shop/sa/reviews' };
    assert.equal(sim([allow], req).authorization.decision, 'ALLOW');
    const r = sim([allow, plain], req);
    assert.equal(r.mtls.effective, 'plaintext');
    assert.equal(r.authorization.decision, 'DENY');
    assert.match(r.authorization.reason, /not mTLS/);
  });
  test('several DestinationRules for one host in a namespace merge: the first top-level policy wins', () => {
    const later = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews-tls, namespace: shop }
spec:
  host: reviews
  trafficPolicy: { tls: { mode: DISABLE } }
  subsets: [{ name: v9, labels: { version: v9 } }]
`;
    const r = sim([later], { host: 'reviews.shop' });
    assert.equal(r.mtls.client, 'AUTO');
    assert.deepEqual(r.destinations[0].trafficPolicy?.loadBalancer, { simple: 'ROUND_ROBIN' });
  });
  test('the caller principal is derived from its workload when its labels are given', () => {
    const r = sim([allowFrontend], { host: 'reviews.shop', path: '/api/x', sourceNamespace: 'shop', sourceLabels: { app: 'frontend' } });
    assert.equal(r.authorization.decision, 'ALLOW');
  });
  test('a weighted split where one subset is denied: the request result is DENY and the share is noted', () => {
    const denyV3 = ap('deny-v3', '  selector: { matchLabels: { version: v3 } }\n  action: DENY\n  rules: [{}]\n');
    const split = yaml`
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: { name: reviews, namespace: shop }
      spec:
        hosts: [reviews]
        http:
        - route:
          - { destination: { host: reviews, subset: v1 }, weight: 80 }
          - { destination: { host: reviews, subset: v3 }, weight: 20 }
    `;
    const r = sim([denyV3, split], { host: 'reviews.shop' });
    assert.equal(r.authorization.decision, 'DENY');
    assert.equal(r.authorization.policy, 'shop/deny-v3');
    assert.deepEqual(
      r.destinations.map((d) => d.authorization.decision),
      ['ALLOW', 'DENY'],
    );
    assert.ok(r.notes.some((n) => /20% of requests .* get 403/.test(n)));
  });
});

describe('Istio authorization at a gateway', () => {
  test('the backend sees the gateway identity; policies on the gateway see the client', () => {
    const gw = yaml`
      apiVersion: networking.istio.io/v1
      kind: Gateway
      metadata: { name: edge, namespace: shop }
      spec:
        selector: { istio: ingressgateway }
        servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: [shop.example.com] }]
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: { name: edge, namespace: shop }
      spec:
        hosts: [shop.example.com]
        gateways: [edge]
        http: [{ route: [{ destination: { host: frontend } }] }]
    `;
    const fromGw = ap('frontend-from-gw', '  selector: { matchLabels: { app: frontend } }\n  rules: [{ from: [{ source: { principals: [cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account] } }] }]\n');
    assert.equal(sim([gw, fromGw], { host: 'shop.example.com' }).authorization.decision, 'ALLOW');
    const ingressDeploy = yaml`
      apiVersion: apps/v1
      kind: Deployment
      metadata: { name: istio-ingressgateway, namespace: istio-system }
      spec:
        selector: { matchLabels: { istio: ingressgateway } }
        template:
          metadata: { labels: { istio: ingressgateway } }
          spec: { serviceAccountName: istio-ingressgateway-service-account, containers: [{ name: proxy, image: proxyv2 }] }
      ---
      apiVersion: security.istio.io/v1
      kind: AuthorizationPolicy
      metadata: { name: block-admin, namespace: istio-system }
      spec:
        selector: { matchLabels: { istio: ingressgateway } }
        action: DENY
        rules: [{ to: [{ operation: { paths: ["/admin*"] } }] }]
    `;
    const blocked = sim([gw, fromGw, ingressDeploy], { host: 'shop.example.com', path: '/admin/x' });
    assert.equal(blocked.authorization.decision, 'DENY');
    assert.equal(blocked.authorization.policy, 'istio-system/block-admin');
    assert.equal(blocked.status, 403);
  });
});

const L5D = fixture('linkerd.yaml');
const lsim = (docs: string[], req: Partial<SimRequest> = {}): ReturnType<typeof sim> => sim([L5D, ...docs], { host: 'api.app', ...req }, false);
const CLIENT = { sourcePrincipal: 'client.app.serviceaccount.identity.linkerd.cluster.local' };
const server = (extra = ''): string => `apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: { name: api-http, namespace: app }
spec:
  podSelector: { matchLabels: { app: api } }
  port: http
  proxyProtocol: HTTP/1
${extra}`;
const authz = (name: string, target: string, refs: string): string => `apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: { name: ${name}, namespace: app }
spec:
  targetRef: ${target}
  requiredAuthenticationRefs: ${refs}
`;

describe('Linkerd authorization', () => {
  test('no Server on the port: the default inbound policy (all-unauthenticated) allows', () => {
    const r = lsim([]);
    assert.equal(r.mtls.mode, 'MUTUAL');
    assert.equal(r.authorization.decision, 'ALLOW');
    assert.match(r.authorization.reason, /default inbound policy all-unauthenticated/);
  });
  test('the namespace annotation can make the default deny', () => {
    const ns = yaml`
      apiVersion: v1
      kind: Namespace
      metadata:
        name: app
        annotations: { linkerd.io/inject: enabled, config.linkerd.io/default-inbound-policy: deny }
    `;
    const r = sim([L5D.replace(/apiVersion: v1\nkind: Namespace[\s\S]*?---\n/, ''), ns], { host: 'api.app' }, false);
    assert.equal(r.authorization.decision, 'DENY');
  });
  test('a Server without authorizations denies (accessPolicy defaults to deny)', () => {
    const r = lsim([server()], CLIENT);
    assert.equal(r.authorization.decision, 'DENY');
    assert.equal(r.authorization.policy, 'app/api-http');
    assert.equal(r.status, 403);
  });
  test('accessPolicy all-unauthenticated allows; all-authenticated needs a meshed identity', () => {
    assert.equal(lsim([server('  accessPolicy: all-unauthenticated\n')]).authorization.decision, 'ALLOW');
    assert.equal(lsim([server('  accessPolicy: all-authenticated\n')], CLIENT).authorization.decision, 'ALLOW');
    assert.equal(lsim([server('  accessPolicy: all-authenticated\n')], { sourceNamespace: 'app' }).authorization.decision, 'DENY');
  });
  test('MeshTLSAuthentication by identity, by ServiceAccount ref and by Namespace ref', () => {
    const byId = yaml`
      apiVersion: policy.linkerd.io/v1alpha1
      kind: MeshTLSAuthentication
      metadata: { name: clients, namespace: app }
      spec: { identities: ["client.app.serviceaccount.identity.linkerd.cluster.local"] }
    `;
    const policy = authz('api-from-clients', '{ group: policy.linkerd.io, kind: Server, name: api-http }', '[{ group: policy.linkerd.io, kind: MeshTLSAuthentication, name: clients }]');
    const ok = lsim([server(), byId, policy], CLIENT);
    assert.equal(ok.authorization.decision, 'ALLOW');
    assert.equal(ok.authorization.policy, 'app/api-from-clients');
    const other = lsim([server(), byId, policy], { sourcePrincipal: 'cluster.local/ns/app/sa/web' });
    assert.equal(other.authorization.decision, 'DENY');
    assert.match(other.authorization.reason, /does not list web.app.serviceaccount/);
    const bySa = byId.replace(/identities: .*$/m, 'identityRefs: [{ kind: ServiceAccount, name: client }] }');
    assert.equal(lsim([server(), bySa, policy], { sourcePrincipal: 'cluster.local/ns/app/sa/client' }).authorization.decision, 'ALLOW');
    const byNs = byId.replace(/identities: .*$/m, 'identityRefs: [{ kind: Namespace, name: app }] }');
    assert.equal(lsim([server(), byNs, policy], { sourcePrincipal: 'cluster.local/ns/app/sa/anything' }).authorization.decision, 'ALLOW');
    assert.equal(lsim([server(), byNs, policy], { sourcePrincipal: 'cluster.local/ns/other/sa/anything' }).authorization.decision, 'DENY');
  });
  test('NetworkAuthentication checks the source IP (unknown IP: assumed inside)', () => {
    const net = yaml`
      apiVersion: policy.linkerd.io/v1alpha1
      kind: NetworkAuthentication
      metadata: { name: cluster, namespace: app }
      spec: { networks: [{ cidr: 10.0.0.0/8, except: [10.9.0.0/16] }] }
    `;
    const policy = authz('api-from-net', '{ group: policy.linkerd.io, kind: Server, name: api-http }', '[{ group: policy.linkerd.io, kind: NetworkAuthentication, name: cluster }]');
    assert.equal(lsim([server(), net, policy], { sourceIp: '10.1.2.3' }).authorization.decision, 'ALLOW');
    assert.equal(lsim([server(), net, policy], { sourceIp: '10.9.2.3' }).authorization.decision, 'DENY');
    assert.equal(lsim([server(), net, policy], { sourceIp: '192.168.1.1' }).authorization.decision, 'DENY');
    assert.match(lsim([server(), net, policy]).authorization.reason, /assumed inside/);
  });
  test('per-route authorization on a Server with HTTPRoutes; unmatched requests get 404', () => {
    const rt = yaml`
      apiVersion: policy.linkerd.io/v1beta3
      kind: HTTPRoute
      metadata: { name: api-read, namespace: app }
      spec:
        parentRefs: [{ group: policy.linkerd.io, kind: Server, name: api-http }]
        rules: [{ matches: [{ path: { type: PathPrefix, value: /read }, method: GET }] }]
    `;
    const policy = authz('read-for-all', '{ group: policy.linkerd.io, kind: HTTPRoute, name: api-read }', '[]');
    const ok = lsim([server(), rt, policy], { path: '/read/1' });
    assert.equal(ok.authorization.decision, 'ALLOW');
    assert.equal(ok.authorization.policy, 'app/read-for-all');
    const miss = lsim([server(), rt, policy], { path: '/write' });
    assert.equal(miss.authorization.decision, 'DENY');
    assert.equal(miss.status, 404);
  });
  test('the legacy ServerAuthorization', () => {
    const sa = yaml`
      apiVersion: policy.linkerd.io/v1beta1
      kind: ServerAuthorization
      metadata: { name: api-clients, namespace: app }
      spec:
        server: { name: api-http }
        client: { meshTLS: { serviceAccounts: [{ name: client }] } }
    `;
    assert.equal(lsim([server(), sa], CLIENT).authorization.policy, 'app/api-clients');
    assert.equal(lsim([server(), sa], { sourcePrincipal: 'web.app.serviceaccount.identity.linkerd.cluster.local' }).authorization.decision, 'DENY');
  });
});
