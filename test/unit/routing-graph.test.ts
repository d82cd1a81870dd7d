import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { buildRouteGraph, type RouteGraph } from '../../server/src/service/routing';
import { fixture, index, yaml } from '../fixtures/routing/ws';

const ROOT = path.join(__dirname, '..', '..');

function sample(dir: string): string[] {
  const d = path.join(ROOT, 'samples', dir);
  return fs
    .readdirSync(d)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => fs.readFileSync(path.join(d, f), 'utf8'));
}

const node = (g: RouteGraph, id: string): RouteGraph['nodes'][number] => {
  const n = g.nodes.find((x) => x.id === id);
  assert.ok(n, `no node ${id}; have ${g.nodes.map((x) => x.id).join(', ')}`);
  return n;
};
const edgesFrom = (g: RouteGraph, id: string): RouteGraph['edges'] => g.edges.filter((e) => e.from === id);

describe('route graph: the bookstore sample', () => {
  const g = buildRouteGraph(index(...sample('istio-bookstore')));
  test('entry points: the mesh and the ingress Gateway with its servers', () => {
    const gw = node(g, 'entry:istio:bookstore/bookstore-gateway');
    assert.match(gw.detail ?? '', /HTTP 80 bookstore.example.com \(redirects to https\); HTTPS 443 bookstore.example.com tls SIMPLE/);
    assert.equal(gw.source?.resource.kind, 'Gateway');
    node(g, 'entry:mesh');
  });
  test('routes, rules with badges, weighted edges to subsets, workloads with mTLS and authorization marks', () => {
    const vs = 'route:networking.istio.io/VirtualService:bookstore/reviews';
    assert.equal(node(g, vs).source?.startLine !== undefined, true);
    const canary = node(g, `${vs}:http:1`);
    assert.equal(canary.label, 'http #1 canary');
    assert.deepEqual(canary.badges, [{ kind: 'timeout', text: 'timeout 2s' }]);
    assert.deepEqual(canary.source?.path, ['spec', 'http', 1]);
    const out = edgesFrom(g, `${vs}:http:1`);
    assert.deepEqual(
      out.map((e) => [e.to, e.percent]),
      [
        ['backend:reviews.bookstore.svc.cluster.local|v1', 90],
        ['backend:reviews.bookstore.svc.cluster.local|v3', 10],
      ],
    );
    assert.deepEqual(out[0].source?.path, ['spec', 'http', 1, 'route', 0]);
    const testers = edgesFrom(g, vs).find((e) => e.to === `${vs}:http:0`);
    assert.equal(testers?.match, 'header end-user exact jason');
    const v1 = node(g, 'backend:reviews.bookstore.svc.cluster.local|v1');
    assert.equal(v1.mtls, 'STRICT');
    assert.deepEqual(v1.data?.subsetLabels, { version: 'v1' });
    assert.ok(v1.badges.some((b) => b.text === 'outlierDetection'));
    const w = node(g, 'workload:bookstore/Deployment/reviews-v1');
    assert.match(w.authz?.summary ?? '', /ALLOW bookstore\/allow-nothing, bookstore\/reviews-from-productpage/);
    assert.equal(w.mtls, 'STRICT');
    const gwEdge = g.edges.find((e) => e.from === 'entry:istio:bookstore/bookstore-gateway');
    assert.equal(gwEdge?.to, 'route:networking.istio.io/VirtualService:bookstore/bookstore');
    const retries = node(g, 'route:networking.istio.io/VirtualService:bookstore/bookstore:http:0').badges.map((b) => b.text);
    assert.deepEqual(retries, ['timeout 10s', 'retries 2 x 3s']);
  });
  test('a host query keeps only what concerns the host', () => {
    const h = buildRouteGraph(index(...sample('istio-bookstore')), { host: 'reviews.bookstore' });
    assert.ok(h.nodes.every((n) => !n.id.includes('ratings') && !n.id.includes('bookstore-gateway')));
    assert.ok(h.nodes.some((n) => n.id === 'route:networking.istio.io/VirtualService:bookstore/reviews'));
  });
  test('a namespace query with nothing in it is empty', () => {
    const h = buildRouteGraph(index(...sample('istio-bookstore')), { namespace: 'elsewhere' });
    assert.deepEqual(h.nodes, []);
  });
});

describe('route graph: problems', () => {
  const base = fixture('base.yaml');
  test('unreachable rules after a catch-all or a covering prefix', () => {
    const vs = yaml`
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: { name: reviews, namespace: shop }
      spec:
        hosts: [reviews]
        http:
        - match: [{ uri: { prefix: /api } }]
          route: [{ destination: { host: reviews, subset: v1 } }]
        - match: [{ uri: { exact: /api/items } }]
          route: [{ destination: { host: reviews, subset: v2 } }]
        - match: [{ uri: { exact: /other }, headers: { x: { exact: "1" } } }]
          route: [{ destination: { host: reviews, subset: v2 } }]
        - route: [{ destination: { host: reviews, subset: v3 } }]
        - match: [{ uri: { prefix: /late } }]
          route: [{ destination: { host: reviews, subset: v1 } }]
    `;
    const g = buildRouteGraph(index(base, vs), { host: 'reviews.shop' });
    const id = (i: number): string => `route:networking.istio.io/VirtualService:shop/reviews:http:${i}`;
    assert.equal(node(g, id(0)).unreachable, undefined);
    assert.equal(node(g, id(1)).unreachable, true);
    assert.match(node(g, id(1)).problems[0], /rule 0 above takes every request/);
    assert.equal(node(g, id(2)).unreachable, undefined);
    assert.equal(node(g, id(4)).unreachable, true);
  });
  test('broken references: missing subset, unknown host, missing gateway and delegate', () => {
    const vs = yaml`
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: { name: broken, namespace: shop }
      spec:
        hosts: [reviews]
        gateways: [mesh, shop/nowhere]
        http:
        - match: [{ uri: { prefix: /a } }]
          route: [{ destination: { host: reviews, subset: v7 } }]
        - match: [{ uri: { prefix: /b } }]
          route: [{ destination: { host: ghost } }]
        - match: [{ uri: { prefix: /c } }]
          delegate: { name: missing }
    `;
    const g = buildRouteGraph(index(base, vs));
    const sub = node(g, 'backend:reviews.shop.svc.cluster.local|v7');
    assert.equal(sub.broken, true);
    assert.match(sub.problems.join(), /subset v7 is not defined/);
    assert.equal(edgesFrom(g, 'route:networking.istio.io/VirtualService:shop/broken:http:0')[0].broken, true);
    assert.match(node(g, 'backend:ghost.shop.svc.cluster.local').problems.join(), /not a Service or ServiceEntry/);
    assert.equal(node(g, 'entry:istio:shop/nowhere').broken, true);
    assert.equal(node(g, 'route:networking.istio.io/VirtualService:shop/broken:http:2').broken, true);
  });
  test('a second mesh VirtualService for the same host is flagged', () => {
    const mk = (name: string): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name}, namespace: shop }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews } }] }]
`;
    const g = buildRouteGraph(index(base, mk('one'), mk('two')));
    assert.deepEqual(node(g, 'route:networking.istio.io/VirtualService:shop/one').problems, []);
    assert.match(node(g, 'route:networking.istio.io/VirtualService:shop/two').problems.join(), /ignored by sidecars/);
  });
  test('mirrors, redirects and delegates are edges; Services without routes pass through', () => {
    const vs = yaml`
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: { name: reviews, namespace: shop }
      spec:
        hosts: [reviews]
        http:
        - match: [{ uri: { prefix: /old } }]
          redirect: { uri: /new }
        - mirror: { host: ratings }
          mirrorPercentage: { value: 5 }
          route: [{ destination: { host: reviews, subset: v1 } }]
    `;
    const g = buildRouteGraph(index(base, vs));
    const r0 = 'route:networking.istio.io/VirtualService:shop/reviews:http:0';
    assert.equal(node(g, `response:${r0}`).label, '301 → /new');
    const mirror = g.edges.find((e) => e.kind === 'mirror');
    assert.equal(mirror?.to, 'backend:ratings.shop.svc.cluster.local');
    assert.equal(mirror?.percent, 5);
    const pass = g.edges.filter((e) => e.kind === 'passthrough').map((e) => e.to);
    assert.ok(pass.includes('backend:frontend.shop.svc.cluster.local'));
    assert.ok(!pass.includes('backend:reviews.shop.svc.cluster.local'));
  });
});

describe('route graph: Gateway API and Linkerd', () => {
  test('attachment to listeners, broken attachment, unreachable duplicate rules, missing backends', () => {
    const routes = yaml`
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: { name: shop, namespace: shop }
      spec:
        parentRefs: [{ name: edge, namespace: infra }]
        hostnames: [shop.example.com]
        rules:
        - matches: [{ path: { type: PathPrefix, value: /api } }]
          backendRefs: [{ name: reviews, port: 9080, weight: 3 }, { name: ghost, port: 80, weight: 1 }]
        - matches: [{ path: { type: PathPrefix, value: /api } }]
          backendRefs: [{ name: frontend, port: 80 }]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: { name: lost, namespace: shop }
      spec:
        parentRefs: [{ name: edge, namespace: infra, sectionName: https }]
        rules: [{ backendRefs: [{ name: frontend, port: 80 }] }]
    `;
    const g = buildRouteGraph(index(fixture('base.yaml'), fixture('gateway-api.yaml'), routes));
    const attach = g.edges.find((e) => e.to === 'route:gateway.networking.k8s.io/HTTPRoute:shop/shop' && e.kind === 'attach');
    assert.equal(attach?.label, 'http'); // not internal: its Selector admits labelled namespaces only
    const lost = g.edges.find((e) => e.to === 'route:gateway.networking.k8s.io/HTTPRoute:shop/lost' && e.kind === 'attach');
    assert.equal(lost?.broken, true);
    assert.match(lost?.problems.join() ?? '', /allows routes from namespace infra only/);
    const rule0 = edgesFrom(g, 'route:gateway.networking.k8s.io/HTTPRoute:shop/shop:rule:0');
    assert.deepEqual(
      rule0.map((e) => [e.percent, e.broken]),
      [
        [75, false],
        [25, true],
      ],
    );
    assert.equal(node(g, 'route:gateway.networking.k8s.io/HTTPRoute:shop/shop:rule:1').unreachable, true);
  });
  test('the Linkerd sample: ServiceProfile routes, inbound Server routes and authorization marks', () => {
    const g = buildRouteGraph(index(...sample('linkerd-app')));
    const sp = 'route:linkerd.io/ServiceProfile:emojivoto/emoji-svc.emojivoto.svc.cluster.local';
    assert.deepEqual(
      node(g, `${sp}:route:0`).badges.map((b) => b.text),
      ['timeout 300ms', 'retryable (budget)'],
    );
    assert.equal(node(g, 'backend:emoji-svc.emojivoto.svc.cluster.local').mtls, 'MUTUAL');
    assert.match(node(g, 'workload:emojivoto/Deployment/emoji').authz?.summary ?? '', /emoji-grpc \(deny by default\); authorized by emoji-grpc-from-web/);
    assert.ok(g.edges.some((e) => e.from === 'entry:server:emojivoto/web-http' && e.to === 'route:policy.linkerd.io/HTTPRoute:emojivoto/web-ui'));
    assert.match(node(g, 'workload:emojivoto/Deployment/web').authz?.summary ?? '', /authorized by web-ui-from-cluster/);
  });
});
