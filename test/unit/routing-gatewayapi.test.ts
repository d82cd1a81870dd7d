import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixture, shares, sim, yaml } from '../fixtures/routing/ws';
import type { SimRequest } from '../../server/src/service/routing';

const GW = fixture('gateway-api.yaml');

/** An HTTPRoute on infra/edge for shop.example.com with the given rules (YAML under `rules:`). */
function route(name: string, rules: string, opts: { ns?: string; created?: string; hostnames?: string; parent?: string } = {}): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${name}
  namespace: ${opts.ns ?? 'shop'}
${opts.created ? `  creationTimestamp: "${opts.created}"\n` : ''}spec:
  parentRefs: [${opts.parent ?? '{ name: edge, namespace: infra, sectionName: http }'}]
  hostnames: [${opts.hostnames ?? 'shop.example.com'}]
  rules:
${rules}`;
}

const to = (svc: string): string => `      backendRefs: [{ name: ${svc}, port: ${svc === 'reviews' ? 9080 : svc === 'ratings' ? 8080 : 80} }]`;

function run(docs: string[], req: Partial<SimRequest> = {}): ReturnType<typeof sim> {
  return sim([GW, ...docs], { host: 'shop.example.com', gateway: 'infra/edge', port: 80, ...req });
}

describe('Gateway API: HTTPRoute precedence', () => {
  test('Exact path beats a prefix, whatever the order', () => {
    const r = run([route('r', `    - matches: [{ path: { type: PathPrefix, value: /api } }]\n${to('frontend')}\n    - matches: [{ path: { type: Exact, value: /api/items } }]\n${to('reviews')}\n`)], { path: '/api/items' });
    assert.equal(r.matched?.rule, 1);
    assert.deepEqual(shares(r), ['reviews.shop 100']);
    assert.match(r.skipped[0].reason, /wins with a more specific path type/);
  });

  test('the longer prefix beats the shorter', () => {
    const r = run([route('r', `    - matches: [{ path: { type: PathPrefix, value: / } }]\n${to('frontend')}\n    - matches: [{ path: { type: PathPrefix, value: /api } }]\n${to('reviews')}\n`)], { path: '/api/x' });
    assert.equal(r.matched?.rule, 1);
    assert.match(r.skipped[0].reason, /a longer path/);
  });

  test('PathPrefix matches whole path elements', () => {
    const r = run([route('r', `    - matches: [{ path: { type: PathPrefix, value: /api } }]\n${to('reviews')}\n`)], { path: '/apix' });
    assert.equal(r.status, 404);
    assert.match(r.skipped[0].reason, /path prefix \/api does not match \/apix/);
  });

  test('a method match beats none', () => {
    const rules = `    - matches: [{ path: { type: PathPrefix, value: /api } }]\n${to('frontend')}\n    - matches: [{ path: { type: PathPrefix, value: /api }, method: GET }]\n${to('reviews')}\n`;
    assert.deepEqual(shares(run([route('r', rules)], { path: '/api' })), ['reviews.shop 100']);
    assert.deepEqual(shares(run([route('r', rules)], { path: '/api', method: 'POST' })), ['frontend.shop 100']);
  });

  test('more header matches win, then more query param matches', () => {
    const rules = `    - matches: [{ headers: [{ name: x-a, value: "1" }] }]\n${to('frontend')}\n    - matches: [{ headers: [{ name: x-a, value: "1" }, { name: X-B, value: "2" }] }]\n${to('reviews')}\n    - matches: [{ headers: [{ name: x-a, value: "1" }, { name: x-b, value: "2" }], queryParams: [{ name: q, value: "3" }] }]\n${to('ratings')}\n`;
    assert.deepEqual(shares(run([route('r', rules)], { headers: { 'x-a': '1', 'x-b': '2' } })), ['reviews.shop 100']);
    assert.deepEqual(shares(run([route('r', rules)], { headers: { 'x-a': '1', 'x-b': '2' }, path: '/?q=3' })), ['ratings.shop 100']);
    assert.deepEqual(shares(run([route('r', rules)], { headers: { 'x-a': '1' } })), ['frontend.shop 100']);
  });

  test('regex header and query matches', () => {
    const rules = `    - matches: [{ headers: [{ type: RegularExpression, name: x-v, value: "v[0-9]+" }], queryParams: [{ type: RegularExpression, name: id, value: "[a-f]+" }] }]\n${to('reviews')}\n`;
    assert.deepEqual(shares(run([route('r', rules)], { headers: { 'x-v': 'v12' }, query: { id: 'cafe' } })), ['reviews.shop 100']);
    assert.equal(run([route('r', rules)], { headers: { 'x-v': 'v12' }, query: { id: 'xyz' } }).status, 404);
  });

  test('ties: the oldest route wins, then namespace/name, then rule order', () => {
    const same = `    - matches: [{ path: { type: PathPrefix, value: /x } }]\n`;
    const older = route('zzz', `${same}${to('reviews')}\n`, { created: '2024-01-01T00:00:00Z' });
    const newer = route('aaa', `${same}${to('frontend')}\n`, { created: '2024-06-01T00:00:00Z' });
    const r = run([newer, older], { path: '/x' });
    assert.equal(r.matched?.resource.name, 'zzz');
    assert.match(r.skipped[0].reason, /an older route/);
    const alpha = run([route('bbb', `${same}${to('frontend')}\n`), route('aaa', `${same}${to('reviews')}\n`)], { path: '/x' });
    assert.equal(alpha.matched?.resource.name, 'aaa');
    const order = run([route('r', `${same}${to('frontend')}\n${same}${to('reviews')}\n`)], { path: '/x' });
    assert.equal(order.matched?.rule, 0);
  });

  test('an exact hostname beats a wildcard hostname', () => {
    const exact = route('exact', `    - backendRefs: [{ name: reviews, port: 9080 }]\n`);
    const wild = route('wild', `    - matches: [{ path: { type: Exact, value: /only } }]\n${to('frontend')}\n`, { hostnames: '"*.example.com"' });
    const r = run([exact, wild], { path: '/only' });
    assert.equal(r.matched?.resource.name, 'exact');
    assert.equal(run([exact, wild], { host: 'www.example.com', path: '/only' }).matched?.resource.name, 'wild');
  });

  test('no rule matches: 404', () => {
    const r = run([route('r', `    - matches: [{ path: { type: Exact, value: /a } }]\n${to('reviews')}\n`)], { path: '/b' });
    assert.equal(r.outcome, 'not-found');
    assert.equal(r.status, 404);
  });
});

describe('Gateway API: listeners and attachment', () => {
  test('sectionName picks the listener; HTTPS listener admits only routes from its namespace', () => {
    const https = route('tls', `    - backendRefs: [{ name: reviews, port: 9080 }]\n`, { parent: '{ name: edge, namespace: infra, sectionName: https }' });
    const r = run([https], { port: 443 });
    assert.equal(r.status, 404);
    assert.match(r.notes.join(), /no route/);
    const same = route('tls', `    - backendRefs: [{ name: reviews, namespace: shop, port: 9080 }]\n`, { ns: 'infra', parent: '{ name: edge, sectionName: https }' });
    const grant = yaml`
      apiVersion: gateway.networking.k8s.io/v1beta1
      kind: ReferenceGrant
      metadata: { name: from-infra, namespace: shop }
      spec:
        from: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: infra }]
        to: [{ group: "", kind: Service }]
    `;
    const ok = run([same, grant], { port: 443 });
    assert.equal(ok.entry.listener?.name, 'https');
    assert.deepEqual(shares(ok), ['reviews.shop 100']);
    assert.equal(ok.status, 200);
  });

  test('a cross-namespace backend without a ReferenceGrant gets 500', () => {
    const r = run([route('r', `    - backendRefs: [{ name: reviews, namespace: shop, port: 9080 }]\n`, { ns: 'infra' })]);
    assert.equal(r.status, 500);
    assert.match(r.destinations[0].problems.join(), /no ReferenceGrant in shop/);
  });

  test('a Selector listener admits routes from labelled namespaces only', () => {
    const internal = (ns: string): string => route('r', `    - backendRefs: [{ name: reviews, namespace: shop, port: 9080 }]\n`, { ns, parent: '{ name: edge, namespace: infra, sectionName: internal }' });
    assert.equal(run([internal('shop')], { port: 8080 }).status, 404);
    assert.equal(run([internal('infra')], { port: 8080 }).entry.listener?.name, 'internal');
  });

  test('the listener hostname must cover the request host', () => {
    const r = run([route('r', `    - backendRefs: [{ name: reviews, port: 9080 }]\n`, { hostnames: 'shop.other.org' })], { host: 'shop.other.org' });
    assert.equal(r.status, 404);
  });

  test('the gateway identity is assumed for Istio-class gateways', () => {
    const r = run([route('r', `    - backendRefs: [{ name: reviews, port: 9080 }]\n`)]);
    assert.match(r.notes.join(), /service account edge-istio/);
  });
});

describe('Gateway API: filters, weights, timeouts', () => {
  test('weighted backendRefs', () => {
    const r = run([route('r', `    - backendRefs:\n      - { name: reviews, port: 9080, weight: 3 }\n      - { name: frontend, port: 80, weight: 1 }\n      - { name: ratings, port: 8080, weight: 0 }\n`)]);
    assert.deepEqual(shares(r), ['reviews.shop 75', 'frontend.shop 25']);
  });

  test('a missing backend Service gets 500', () => {
    const r = run([route('r', `    - backendRefs: [{ name: ghost, port: 80 }]\n`)]);
    assert.equal(r.status, 500);
    assert.match(r.destinations[0].problems.join(), /backend Service shop\/ghost not found/);
  });

  test('RequestRedirect (https, default 302) and URLRewrite ReplacePrefixMatch', () => {
    const redirect = route('r', `    - filters: [{ type: RequestRedirect, requestRedirect: { scheme: https, statusCode: 301 } }]\n`);
    const r = run([redirect], { path: '/a?b=1' });
    assert.equal(r.outcome, 'redirect');
    assert.deepEqual(r.actions.redirect, { status: 301, location: 'https://shop.example.com/a' });
    const rw = route('r', `    - matches: [{ path: { type: PathPrefix, value: /old } }]\n      filters: [{ type: URLRewrite, urlRewrite: { hostname: internal, path: { type: ReplacePrefixMatch, replacePrefixMatch: /new } } }]\n${to('reviews')}\n`);
    const w = run([rw], { path: '/old/page' });
    assert.equal(w.actions.rewrite?.path, '/new/page');
    assert.equal(w.actions.rewrite?.authority, 'internal');
    const full = route('r', `    - filters: [{ type: RequestRedirect, requestRedirect: { path: { type: ReplaceFullPath, replaceFullPath: /moved } } }]\n`);
    assert.deepEqual(run([full], { path: '/x' }).actions.redirect, { status: 302, location: 'http://shop.example.com/moved' });
  });

  test('header modifiers, mirror, timeouts and retry', () => {
    const r = run([
      route(
        'r',
        `    - filters:
      - { type: RequestHeaderModifier, requestHeaderModifier: { set: [{ name: x-env, value: prod }], remove: [x-debug] } }
      - { type: RequestMirror, requestMirror: { backendRef: { name: ratings, port: 8080 }, percent: 10 } }
      timeouts: { request: 5s, backendRequest: 2s }
      retry: { attempts: 2, codes: [503] }
${to('reviews')}
`,
      ),
    ]);
    assert.deepEqual(r.actions.requestHeaders, { set: { 'x-env': 'prod' }, remove: ['x-debug'] });
    assert.deepEqual(r.actions.mirrors, [{ host: 'ratings.shop.svc.cluster.local', subset: null, port: 8080, percent: 10 }]);
    assert.equal(r.actions.timeout, '5s');
    assert.equal(r.actions.backendTimeout, '2s');
    assert.deepEqual(r.actions.retries, { attempts: 2, codes: [503], backoff: undefined });
  });
});

describe('Gateway API: mesh (GAMMA) and GRPCRoute', () => {
  const producer = yaml`
    apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata: { name: reviews-producer, namespace: shop }
    spec:
      parentRefs: [{ group: "", kind: Service, name: reviews, port: 9080 }]
      rules:
      - matches: [{ headers: [{ name: x-beta, value: "1" }] }]
        backendRefs: [{ name: ratings, port: 8080 }]
      - backendRefs: [{ name: reviews, port: 9080 }]
  `;
  const consumer = yaml`
    apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata: { name: reviews-for-web, namespace: web }
    spec:
      parentRefs: [{ group: "", kind: Service, name: reviews, namespace: shop }]
      rules:
      - backendRefs: [{ name: frontend, namespace: shop, port: 80 }]
  `;
  test('a route attached to a Service routes mesh traffic to it', () => {
    const r = sim([producer], { host: 'reviews.shop', headers: { 'x-beta': '1' }, sourceNamespace: 'shop' });
    assert.equal(r.engine, 'gateway-api');
    assert.equal(r.entry.kind, 'mesh');
    assert.deepEqual(shares(r), ['ratings.shop 100']);
    assert.deepEqual(shares(sim([producer], { host: 'reviews.shop', sourceNamespace: 'shop' })), ['reviews.shop 100']);
  });
  test('a consumer route in the caller namespace wins over the producer route', () => {
    const r = sim([producer, consumer], { host: 'reviews.shop', sourceNamespace: 'web' });
    assert.equal(r.matched?.resource.name, 'reviews-for-web');
    assert.deepEqual(shares(sim([producer, consumer], { host: 'reviews.shop', sourceNamespace: 'shop' })), ['reviews.shop 100']);
  });
  test('GRPCRoute: service/method matches with precedence for the more specific one', () => {
    const grpc = yaml`
      apiVersion: gateway.networking.k8s.io/v1
      kind: GRPCRoute
      metadata: { name: rpc, namespace: shop }
      spec:
        parentRefs: [{ name: edge, namespace: infra, sectionName: http }]
        hostnames: [shop.example.com]
        rules:
        - matches: [{ method: { service: shop.v1.Reviews } }]
          backendRefs: [{ name: reviews, port: 9080 }]
        - matches: [{ method: { service: shop.v1.Reviews, method: Delete } }]
          backendRefs: [{ name: frontend, port: 80 }]
    `;
    const req = { method: 'POST', headers: { 'content-type': 'application/grpc' } };
    assert.deepEqual(shares(run([grpc], { ...req, path: '/shop.v1.Reviews/Delete' })), ['frontend.shop 100']);
    assert.deepEqual(shares(run([grpc], { ...req, path: '/shop.v1.Reviews/List' })), ['reviews.shop 100']);
    const miss = run([grpc], { ...req, path: '/shop.v1.Other/List' });
    assert.equal(miss.status, 404);
    assert.match(miss.skipped[0].reason, /grpc service shop.v1.Reviews does not match shop.v1.Other/);
  });
});
