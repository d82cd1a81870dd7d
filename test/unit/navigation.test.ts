import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cursor, freshService, yaml } from './helpers';

const SVC = yaml`
  apiVersion: v1
  kind: Service
  metadata:
    name: reviews
    namespace: shop
  spec:
    selector:
      app: reviews
    ports:
    - name: http
      port: 9080
    - name: grpc
      port: 9090
  ---
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: reviews-v2
    namespace: shop
  spec:
    selector:
      matchLabels: {app: reviews, version: v2}
    template:
      metadata:
        labels: {app: reviews, version: v2}
      spec:
        serviceAccountName: bookinfo-reviews
        containers:
        - name: app
          image: reviews:2
  ---
  apiVersion: networking.istio.io/v1
  kind: DestinationRule
  metadata:
    name: reviews
    namespace: shop
  spec:
    host: reviews
    subsets:
    - name: v1
      labels: {version: v1}
    - name: v2
      labels: {version: v2}
  ---
  apiVersion: networking.istio.io/v1
  kind: Gateway
  metadata:
    name: public
    namespace: edge
  spec:
    selector: {istio: ingressgateway}
    servers:
    - port: {number: 80, name: http, protocol: HTTP}
      hosts: ["*"]
`;

function vsService(vs: string) {
  const svc = freshService();
  svc.setFile('file:///ws/base.yaml', SVC);
  const { text, pos } = cursor(vs);
  svc.setFile('file:///ws/vs.yaml', text);
  return { svc, pos };
}

const VS_HEAD = yaml`
  apiVersion: networking.istio.io/v1
  kind: VirtualService
  metadata:
    name: reviews
    namespace: shop
  spec:
`;

describe('go to definition', () => {
  test('destination host -> the Service', () => {
    const { svc, pos } = vsService(VS_HEAD + '  hosts: [reviews]\n  http:\n  - route:\n    - destination:\n        host: revi$0ews\n');
    const defs = svc.definition('file:///ws/vs.yaml', pos);
    assert.equal(defs.length, 1);
    assert.equal(defs[0].uri, 'file:///ws/base.yaml');
    assert.equal(defs[0].range.start.line, 3);
  });

  test('subset -> the DestinationRule subset', () => {
    const { svc, pos } = vsService(VS_HEAD + '  hosts: [reviews]\n  http:\n  - route:\n    - destination:\n        host: reviews\n        subset: v$02\n');
    const defs = svc.definition('file:///ws/vs.yaml', pos);
    assert.equal(defs.length, 1);
    assert.equal(defs[0].range.start.line, 41);
  });

  test('gateway ns/name -> the Gateway', () => {
    const { svc, pos } = vsService(VS_HEAD + '  hosts: [reviews]\n  gateways: [edge/pub$0lic]\n  http:\n  - route:\n    - destination:\n        host: reviews\n');
    const defs = svc.definition('file:///ws/vs.yaml', pos);
    assert.equal(defs.length, 1);
    assert.equal(defs[0].range.start.line, 47);
  });

  test('Service selector -> the workloads it selects', () => {
    const svc = freshService();
    const { text, pos } = cursor(SVC.replace('  selector:\n    app: reviews', '  selector:\n    app: revi$0ews'));
    svc.setFile('file:///ws/base.yaml', text);
    const defs = svc.definition('file:///ws/base.yaml', pos);
    assert.equal(defs.length, 1);
    assert.equal(defs[0].range.start.line, 17);
  });
});

describe('find references', () => {
  test('on a Service name: the VirtualService and DestinationRule hosts that use it', () => {
    const svc = freshService();
    const { text, pos } = cursor(SVC.replace('  name: reviews\n  namespace: shop\nspec:\n  selector:\n    app', '  name: rev$0iews\n  namespace: shop\nspec:\n  selector:\n    app'));
    svc.setFile('file:///ws/base.yaml', text);
    svc.setFile('file:///ws/vs.yaml', VS_HEAD + '  hosts: [reviews]\n  http:\n  - route:\n    - destination:\n        host: reviews\n');
    const refs = svc.references('file:///ws/base.yaml', pos, false);
    assert.deepEqual(refs.map((r) => `${r.uri}:${r.range.start.line}`).sort(), ['file:///ws/base.yaml:37', 'file:///ws/vs.yaml:10']);
  });
});

describe('workspace-aware completion', () => {
  test('hosts of the workspace for a destination host', () => {
    const { svc, pos } = vsService(VS_HEAD + '  hosts: [reviews]\n  http:\n  - route:\n    - destination:\n        host: $0\n');
    const labels = svc.complete('file:///ws/vs.yaml', pos).map((e) => e.label);
    assert.ok(labels.includes('reviews'));
    assert.ok(labels.includes('reviews.shop.svc.cluster.local'));
  });

  test('subsets of the chosen host', () => {
    const { svc, pos } = vsService(VS_HEAD + '  hosts: [reviews]\n  http:\n  - route:\n    - destination:\n        host: reviews\n        subset: $0\n');
    assert.deepEqual(svc.complete('file:///ws/vs.yaml', pos).map((e) => e.label), ['v1', 'v2']);
  });

  test('ports of the destination Service', () => {
    const { svc, pos } = vsService(VS_HEAD + '  hosts: [reviews]\n  http:\n  - route:\n    - destination:\n        host: reviews\n        port:\n          number: $0\n');
    assert.deepEqual(svc.complete('file:///ws/vs.yaml', pos).map((e) => e.label), ['9080', '9090']);
  });

  test('gateways, with mesh', () => {
    const { svc, pos } = vsService(VS_HEAD + '  hosts: [reviews]\n  gateways:\n  - $0\n');
    assert.deepEqual(svc.complete('file:///ws/vs.yaml', pos).map((e) => e.label), ['mesh', 'edge/public']);
  });

  test('service-account principals and namespaces in an AuthorizationPolicy', () => {
    const svc = freshService();
    svc.setFile('file:///ws/base.yaml', SVC);
    const ap = 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: a\n  namespace: shop\nspec:\n  rules:\n  - from:\n    - source:\n        principals:\n        - $0\n';
    const { text, pos } = cursor(ap);
    svc.setFile('file:///ws/ap.yaml', text);
    assert.ok(svc.complete('file:///ws/ap.yaml', pos).some((e) => e.label === 'cluster.local/ns/shop/sa/bookinfo-reviews'));
  });

  test('label keys and values of workloads in selectors', () => {
    const svc = freshService();
    svc.setFile('file:///ws/base.yaml', SVC);
    const pa = 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: a\n  namespace: shop\nspec:\n  selector:\n    matchLabels:\n      $0\n';
    let c = cursor(pa);
    svc.setFile('file:///ws/pa.yaml', c.text);
    assert.deepEqual(svc.complete('file:///ws/pa.yaml', c.pos).map((e) => e.label).sort(), ['app', 'version']);
    c = cursor(pa.replace('      $0\n', '      version: $0\n'));
    svc.setFile('file:///ws/pa.yaml', c.text);
    assert.deepEqual(svc.complete('file:///ws/pa.yaml', c.pos).map((e) => e.label), ['v2']);
  });
});

const LINKERD = yaml`
  apiVersion: v1
  kind: ServiceAccount
  metadata:
    name: web
    namespace: emoji
  ---
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    namespace: emoji
  spec:
    selector:
      matchLabels: {app: web}
    template:
      metadata:
        labels: {app: web}
      spec:
        serviceAccountName: web
        containers:
        - name: web
          image: web:1
          ports:
          - name: http
            containerPort: 8080
          - name: admin
            containerPort: 9990
  ---
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: vote
    namespace: emoji
  spec:
    selector:
      matchLabels: {app: vote}
    template:
      metadata:
        labels: {app: vote}
      spec:
        serviceAccountName: voting
        containers:
        - name: vote
          image: vote:1
          ports:
          - name: grpc
            containerPort: 8081
  ---
  apiVersion: policy.linkerd.io/v1beta3
  kind: Server
  metadata:
    name: web-http
    namespace: emoji
    labels: {tier: front}
  spec:
    podSelector:
      matchLabels: {app: web}
    port: http
  ---
  apiVersion: policy.linkerd.io/v1beta3
  kind: Server
  metadata:
    name: vote-grpc
    namespace: emoji
    labels: {tier: back}
  spec:
    podSelector:
      matchLabels: {app: vote}
    port: grpc
  ---
  apiVersion: v1
  kind: Service
  metadata:
    name: web
    namespace: emoji
  spec:
    selector: {app: web}
    ports:
    - name: http
      port: 80
    - name: admin
      port: 9990
`;

function linkerdWs(doc: string) {
  const svc = freshService();
  svc.setFile('file:///ws/linkerd.yaml', LINKERD);
  const { text, pos } = cursor(doc);
  svc.setFile('file:///ws/doc.yaml', text);
  return { svc, pos, line: (kind: string, name: string): number => lineOf(LINKERD, kind, name) };
}

/** The line of `name: <name>` in the metadata of the document of this kind. */
function lineOf(text: string, kind: string, name: string): number {
  const lines = text.split('\n');
  let inKind = false;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === `kind: ${kind}`) inKind = true;
    else if (lines[i].startsWith('kind: ')) inKind = false;
    if (inKind && lines[i] === `  name: ${name}`) return i;
  }
  throw new Error(`no ${kind} ${name}`);
}

const labels = (svc: ReturnType<typeof freshService>, pos: { line: number; character: number }): string[] => svc.complete('file:///ws/doc.yaml', pos).map((e) => e.label);

describe('Linkerd references', () => {
  const RATE = 'apiVersion: policy.linkerd.io/v1alpha1\nkind: HTTPLocalRateLimitPolicy\nmetadata:\n  name: web-rl\n  namespace: emoji\nspec:\n  targetRef:\n    group: policy.linkerd.io\n    kind: Server\n    name: ';
  test('HTTPLocalRateLimitPolicy targetRef: definition and completion of the Server', () => {
    let w = linkerdWs(RATE + 'web-ht$0tp\n  total:\n    requestsPerSecond: 100\n');
    assert.deepEqual(w.svc.definition('file:///ws/doc.yaml', w.pos).map((d) => `${d.uri}:${d.range.start.line}`), [`file:///ws/linkerd.yaml:${w.line('Server', 'web-http')}`]);
    w = linkerdWs(RATE + '$0\n  total:\n    requestsPerSecond: 100\n');
    assert.deepEqual(labels(w.svc, w.pos).sort(), ['vote-grpc', 'web-http']);
  });

  test('HTTPLocalRateLimitPolicy override clientRefs: ServiceAccounts', () => {
    const doc = RATE + 'web-http\n  total:\n    requestsPerSecond: 100\n  overrides:\n  - requestsPerSecond: 10\n    clientRefs:\n    - kind: ServiceAccount\n      name: $0\n';
    const w = linkerdWs(doc);
    assert.deepEqual(labels(w.svc, w.pos), ['voting', 'web']);
  });

  const MTLS = 'apiVersion: policy.linkerd.io/v1alpha1\nkind: MeshTLSAuthentication\nmetadata:\n  name: web-clients\n  namespace: emoji\nspec:\n  identityRefs:\n  - kind: ServiceAccount\n    name: ';
  test('MeshTLSAuthentication identityRefs: definition of the ServiceAccount (or the workloads running as it) and completion', () => {
    let w = linkerdWs(MTLS + 'w$0eb\n');
    assert.deepEqual(w.svc.definition('file:///ws/doc.yaml', w.pos).map((d) => d.range.start.line), [w.line('ServiceAccount', 'web')]);
    // no ServiceAccount manifest for "voting": the Deployment that runs as it
    w = linkerdWs(MTLS + 'vot$0ing\n');
    assert.deepEqual(w.svc.definition('file:///ws/doc.yaml', w.pos).map((d) => d.range.start.line), [w.line('Deployment', 'vote')]);
    w = linkerdWs(MTLS + '$0\n');
    assert.deepEqual(labels(w.svc, w.pos), ['voting', 'web']);
    w = linkerdWs(MTLS.replace('kind: ServiceAccount', 'kind: Namespace') + '$0\n');
    assert.deepEqual(labels(w.svc, w.pos), ['emoji']);
  });

  const SAZ = 'apiVersion: policy.linkerd.io/v1beta1\nkind: ServerAuthorization\nmetadata:\n  name: front\n  namespace: emoji\nspec:\n  server:\n    selector:\n      matchLabels:\n        tier: ';
  test('ServerAuthorization server.selector: definition of the Servers it selects, label values of Servers', () => {
    let w = linkerdWs(SAZ + 'fr$0ont\n  client:\n    unauthenticated: true\n');
    assert.deepEqual(w.svc.definition('file:///ws/doc.yaml', w.pos).map((d) => d.range.start.line), [w.line('Server', 'web-http')]);
    w = linkerdWs(SAZ + '$0\n  client:\n    unauthenticated: true\n');
    assert.deepEqual(labels(w.svc, w.pos).sort(), ['back', 'front']);
  });

  test("Server port: the container ports of the selected pods, names first", () => {
    const w = linkerdWs('apiVersion: policy.linkerd.io/v1beta3\nkind: Server\nmetadata:\n  name: web-admin\n  namespace: emoji\nspec:\n  podSelector:\n    matchLabels: {app: web}\n  port: $0\n');
    assert.deepEqual(labels(w.svc, w.pos), ['http', 'admin', '8080', '9990']);
  });

  test('HTTPRoute parentRef port: the ports of the parent Service', () => {
    const w = linkerdWs('apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: web\n  namespace: emoji\nspec:\n  parentRefs:\n  - group: ""\n    kind: Service\n    name: web\n    port: $0\n');
    assert.deepEqual(labels(w.svc, w.pos), ['80', '9990']);
  });
});

describe('hosts and subsets as Istio chooses them', () => {
  const WS = yaml`
    apiVersion: v1
    kind: Service
    metadata:
      name: reviews
      namespace: shop
    spec:
      ports:
      - name: http
        port: 9080
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: ledger
      namespace: billing
      annotations:
        networking.istio.io/exportTo: "."
    spec:
      ports:
      - name: http
        port: 8080
    ---
    apiVersion: networking.istio.io/v1
    kind: DestinationRule
    metadata:
      name: shop-wide
      namespace: shop
    spec:
      host: "*.shop.svc.cluster.local"
      subsets:
      - name: stable
        labels: {track: stable}
    ---
    apiVersion: networking.istio.io/v1
    kind: DestinationRule
    metadata:
      name: reviews-for-web
      namespace: web
    spec:
      host: reviews.shop.svc.cluster.local
      subsets:
      - name: canary
        labels: {track: canary}
  `;
  const vs = (ns: string, dest: string): string => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: r\n  namespace: ${ns}\nspec:\n  hosts: [r.example.com]\n  http:\n  - route:\n    - destination:\n${dest}`;
  function ws(doc: string) {
    const svc = freshService();
    svc.setFile('file:///ws/base.yaml', WS);
    const c = cursor(doc);
    svc.setFile('file:///ws/vs.yaml', c.text);
    return { svc, pos: c.pos };
  }

  test('a wildcard DestinationRule of the service namespace gives the subsets (completion and definition)', () => {
    let w = ws(vs('shop', '        host: reviews\n        subset: $0\n'));
    assert.deepEqual(w.svc.complete('file:///ws/vs.yaml', w.pos).map((e) => e.label), ['stable']);
    w = ws(vs('shop', '        host: reviews\n        subset: sta$0ble\n'));
    assert.deepEqual(w.svc.definition('file:///ws/vs.yaml', w.pos).map((d) => d.range.start.line), [WS.split('\n').indexOf('  - name: stable')]);
  });

  test("the client namespace's DestinationRule wins over the service namespace's", () => {
    const w = ws(vs('web', '        host: reviews.shop.svc.cluster.local\n        subset: $0\n'));
    assert.deepEqual(w.svc.complete('file:///ws/vs.yaml', w.pos).map((e) => e.label), ['canary']);
  });

  test('a partially qualified host leads nowhere (Istio takes it literally); a Service not exported is still its definition', () => {
    let w = ws(vs('web', '        host: revi$0ews.shop\n'));
    assert.deepEqual(w.svc.definition('file:///ws/vs.yaml', w.pos), []);
    w = ws(vs('web', '        host: revi$0ews.shop.svc.cluster.local\n'));
    assert.deepEqual(w.svc.definition('file:///ws/vs.yaml', w.pos).map((d) => d.range.start.line), [3]);
    w = ws(vs('shop', '        host: led$0ger.billing.svc.cluster.local\n'));
    assert.deepEqual(w.svc.definition('file:///ws/vs.yaml', w.pos).map((d) => d.range.start.line), [WS.split('\n').indexOf('  name: ledger')]);
  });

  test('host completion: FQDNs for other namespaces (never name.namespace), no Service that is not exported', () => {
    const w = ws(vs('shop', '        host: $0\n'));
    const got = w.svc.complete('file:///ws/vs.yaml', w.pos).map((e) => e.label);
    assert.ok(got.includes('reviews') && got.includes('reviews.shop.svc.cluster.local'), got.join(','));
    assert.ok(!got.some((h) => h.startsWith('ledger')), got.join(','));
    assert.ok(!got.includes('reviews.shop'));
    const inBilling = ws(vs('billing', '        host: $0\n'));
    assert.ok(inBilling.svc.complete('file:///ws/vs.yaml', inBilling.pos).some((e) => e.label === 'ledger'));
  });
});

test('selector label keys for a ServerAuthorization server.selector are the Servers\' labels (for completion.ts)', async () => {
  const { selectorLabelKeys } = await import('../../server/src/service/features/workspace-values');
  const svc = freshService();
  svc.setFile('file:///ws/linkerd.yaml', LINKERD);
  const keys = (gk: string, dp: string): string[] => selectorLabelKeys(svc.index(), gk, 'emoji', dp).map((k) => k.value).sort();
  assert.deepEqual(keys('policy.linkerd.io/ServerAuthorization', 'spec.server.selector.matchLabels{}'), ['tier']);
  assert.deepEqual(keys('security.istio.io/PeerAuthentication', 'spec.selector.matchLabels{}'), ['app']);
});

test('completion of label keys under a ServerAuthorization server.selector offers the Servers\' labels', () => {
  const svc = freshService();
  svc.setFile('file:///ws/linkerd.yaml', LINKERD);
  const { text, pos } = cursor('apiVersion: policy.linkerd.io/v1beta1\nkind: ServerAuthorization\nmetadata:\n  name: front\n  namespace: emoji\nspec:\n  server:\n    selector:\n      matchLabels:\n        $0\n');
  svc.setFile('file:///ws/saz.yaml', text);
  assert.deepEqual(svc.complete('file:///ws/saz.yaml', pos).map((e) => e.label), ['tier']);
});
