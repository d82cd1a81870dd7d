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
