import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { shares, sim, yaml } from '../fixtures/routing/ws';

/** A VirtualService for reviews in shop with the given http rules (YAML, indented under `http:`). */
function vs(http: string, extra = ''): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews]
${extra}  http:
${http}`;
}

const rule = (match: string, subset: string, name?: string): string =>
  `  - ${name ? `name: ${name}\n    ` : ''}match:\n${match}\n    route: [{ destination: { host: reviews, subset: ${subset} } }]\n`;

const FALLBACK = '  - route: [{ destination: { host: reviews, subset: v1 } }]\n';

describe('Istio: match kinds', () => {
  const cases: Array<{ kind: string; match: string; hit: Record<string, unknown>; miss: Record<string, unknown>; why: RegExp }> = [
    { kind: 'uri exact', match: '    - uri: { exact: /api }', hit: { path: '/api' }, miss: { path: '/api/x' }, why: /uri exact \/api does not match \/api\/x/ },
    { kind: 'uri prefix', match: '    - uri: { prefix: /api }', hit: { path: '/api/v1' }, miss: { path: '/home' }, why: /uri prefix \/api does not match \/home/ },
    { kind: 'uri regex (full match)', match: '    - uri: { regex: "/item/[0-9]+" }', hit: { path: '/item/42' }, miss: { path: '/item/42/x' }, why: /uri regex/ },
    { kind: 'uri ignoreUriCase', match: '    - uri: { prefix: /API }\n      ignoreUriCase: true', hit: { path: '/api/x' }, miss: { path: '/web' }, why: /uri prefix \/API/ },
    { kind: 'header exact', match: '    - headers: { end-user: { exact: jason } }', hit: { headers: { 'End-User': 'jason' } }, miss: { headers: { 'end-user': 'bob' } }, why: /header end-user exact jason does not match "bob"/ },
    { kind: 'header prefix', match: '    - headers: { x-v: { prefix: beta } }', hit: { headers: { 'x-v': 'beta-2' } }, miss: {}, why: /header x-v prefix beta does not match \(absent\)/ },
    { kind: 'header regex', match: '    - headers: { x-v: { regex: "b.*a" } }', hit: { headers: { 'x-v': 'beta' } }, miss: { headers: { 'x-v': 'alpha' } }, why: /header x-v regex/ },
    { kind: 'header presence ({})', match: '    - headers: { x-debug: {} }', hit: { headers: { 'x-debug': '' } }, miss: {}, why: /header x-debug present/ },
    { kind: 'withoutHeaders', match: '    - withoutHeaders: { x-canary: { exact: "true" } }', hit: {}, miss: { headers: { 'x-canary': 'true' } }, why: /withoutHeaders x-canary exact true matches/ },
    { kind: 'queryParams exact', match: '    - queryParams: { v: { exact: "2" } }', hit: { path: '/?v=2' }, miss: { query: { v: '1' } }, why: /query v exact 2 does not match "1"/ },
    { kind: 'queryParams regex', match: '    - queryParams: { v: { regex: "[0-9]" } }', hit: { query: { v: '7' } }, miss: { query: { v: 'x' } }, why: /query v regex/ },
    { kind: 'method', match: '    - method: { exact: POST }', hit: { method: 'post' }, miss: { method: 'GET' }, why: /method exact POST does not match GET/ },
    { kind: 'authority', match: '    - authority: { prefix: reviews.shop }', hit: { host: 'reviews.shop' }, miss: { host: 'reviews' }, why: /authority prefix reviews.shop does not match reviews/ },
    { kind: 'scheme', match: '    - scheme: { exact: https }', hit: { scheme: 'https' }, miss: { scheme: 'http' }, why: /scheme exact https does not match http/ },
    { kind: 'port', match: '    - port: 9080', hit: { port: 9080 }, miss: { port: 9443 }, why: /port 9080 does not match 9443/ },
    { kind: 'sourceLabels', match: '    - sourceLabels: { app: frontend }', hit: { sourceNamespace: 'shop', sourceLabels: { app: 'frontend' } }, miss: { sourceNamespace: 'shop', sourceLabels: { app: 'ratings' } }, why: /sourceLabels app=frontend do not match/ },
    { kind: 'sourceNamespace', match: '    - sourceNamespace: shop', hit: { sourceNamespace: 'shop' }, miss: { sourceNamespace: 'other' }, why: /sourceNamespace shop does not match other/ },
    { kind: 'gateways (match level)', match: '    - gateways: [mesh]', hit: {}, miss: { gateway: 'shop/edge' }, why: /./ },
  ];
  for (const c of cases) {
    test(`${c.kind}: matches, and explains the miss`, () => {
      const doc = vs(rule(c.match, 'v2', 'special') + FALLBACK);
      const base = { host: 'reviews.shop' };
      const hit = sim(doc, { ...base, ...c.hit } as { host: string });
      assert.equal(hit.matched?.ruleName, 'special', JSON.stringify(hit.skipped));
      assert.deepEqual(shares(hit), ['reviews.shop/v2 100']);
      if (c.kind.startsWith('gateways')) return; // the miss goes through a gateway that does not exist
      const miss = sim(doc, { ...base, ...c.miss } as { host: string });
      assert.equal(miss.matched?.rule, 1);
      assert.equal(miss.skipped.length, 1);
      assert.match(miss.skipped[0].reason, c.why);
      assert.deepEqual(shares(miss), ['reviews.shop/v1 100']);
    });
  }

  test('all conditions of one match block must hold; any block of a rule may match', () => {
    const doc = vs(rule('    - uri: { prefix: /api }\n      method: { exact: POST }\n    - headers: { x-admin: { exact: "1" } }', 'v3') + FALLBACK);
    assert.deepEqual(shares(sim(doc, { host: 'reviews.shop', path: '/api', method: 'POST' })), ['reviews.shop/v3 100']);
    assert.deepEqual(shares(sim(doc, { host: 'reviews.shop', path: '/api', method: 'GET' })), ['reviews.shop/v1 100']);
    const viaHeader = sim(doc, { host: 'reviews.shop', path: '/x', headers: { 'x-admin': '1' } });
    assert.equal(viaHeader.matched?.match, 1);
    const miss = sim(doc, { host: 'reviews.shop', path: '/x' });
    assert.match(miss.skipped[0].reason, /match 0: uri prefix \/api does not match \/x; match 1: header x-admin/);
  });
});

describe('Istio: first match wins, in order', () => {
  test('an earlier broad rule shadows a later specific one', () => {
    const doc = vs(rule('    - uri: { prefix: / }', 'v1', 'all') + rule('    - uri: { exact: /special }', 'v2', 'special'));
    const r = sim(doc, { host: 'reviews.shop', path: '/special' });
    assert.equal(r.matched?.ruleName, 'all');
    assert.deepEqual(r.skipped, []);
  });

  test('skipped rules are listed in order with their reasons', () => {
    const doc = vs(rule('    - uri: { prefix: /api }', 'v2', 'api') + rule('    - headers: { x: { exact: y } }', 'v3', 'x') + FALLBACK);
    const r = sim(doc, { host: 'reviews', path: '/home', sourceNamespace: 'shop' });
    assert.deepEqual(
      r.skipped.map((s) => [s.ruleName, s.reason]),
      [
        ['api', 'uri prefix /api does not match /home'],
        ['x', 'header x exact y does not match (absent)'],
      ],
    );
    assert.deepEqual(r.skipped[0].loc.path, ['spec', 'http', 0]);
    assert.equal(r.matched?.rule, 2);
    assert.equal(r.matched?.loc.uri, 'file:///ws/doc1.yaml');
  });

  test('no rule matches: 404 from the sidecar', () => {
    const doc = vs(rule('    - uri: { prefix: /api }', 'v2'));
    const r = sim(doc, { host: 'reviews.shop', path: '/home' });
    assert.equal(r.outcome, 'not-found');
    assert.equal(r.status, 404);
    assert.equal(r.matched, null);
    assert.deepEqual(r.destinations, []);
  });

  test('sidecars use only the first VirtualService for a host (no merging)', () => {
    const second = yaml`
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: { name: reviews-2, namespace: shop }
      spec:
        hosts: [reviews.shop.svc.cluster.local]
        http:
        - match: [{ uri: { prefix: /two } }]
          route: [{ destination: { host: reviews, subset: v3 } }]
    `;
    const r = sim([vs(rule('    - uri: { prefix: /one }', 'v2')), second], { host: 'reviews.shop', path: '/two' });
    assert.equal(r.status, 404);
    assert.ok(r.notes.some((n) => /reviews-2 .* ignored/.test(n)), r.notes.join('\n'));
  });

  test('the most specific host wins over a wildcard', () => {
    const wild = yaml`
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: { name: wild, namespace: shop }
      spec:
        hosts: ["*.shop.svc.cluster.local"]
        http: [{ route: [{ destination: { host: ratings } }] }]
    `;
    assert.equal(sim([wild, vs(FALLBACK)], { host: 'reviews.shop' }).matched?.resource.name, 'reviews');
    assert.equal(sim([wild, vs(FALLBACK)], { host: 'frontend.shop' }).matched?.resource.name, 'wild');
  });
});

describe('Istio: actions', () => {
  test('weighted split with percentages summing to 100', () => {
    const doc = vs(`  - route:
    - { destination: { host: reviews, subset: v1 }, weight: 1 }
    - { destination: { host: reviews, subset: v2 }, weight: 1 }
    - { destination: { host: reviews, subset: v3 }, weight: 1 }
`);
    const r = sim(doc, { host: 'reviews.shop' });
    assert.equal(r.destinations.reduce((a, d) => a + d.percent, 0), 100);
    assert.deepEqual(
      r.destinations.map((d) => d.subset),
      ['v1', 'v2', 'v3'],
    );
    const canary = sim(vs(`  - route:
    - { destination: { host: reviews, subset: v1 }, weight: 75 }
    - { destination: { host: reviews, subset: v3 }, weight: 25 }
    - { destination: { host: reviews, subset: v2 }, weight: 0 }
`), { host: 'reviews.shop' });
    assert.deepEqual(shares(canary), ['reviews.shop/v1 75', 'reviews.shop/v3 25']);
    assert.ok(canary.notes.some((n) => /weight 0/.test(n)));
  });

  test('destinations resolve to the subset, its policy and workloads', () => {
    const r = sim(vs('  - route: [{ destination: { host: reviews, subset: v2 } }]\n'), { host: 'reviews.shop' });
    const d = r.destinations[0];
    assert.equal(d.port, 9080);
    assert.deepEqual(d.subsetLabels, { version: 'v2' });
    assert.deepEqual(d.trafficPolicy?.loadBalancer, { simple: 'LEAST_REQUEST' });
    assert.deepEqual(
      d.workloads.map((w) => w.ref.name),
      ['reviews-v2'],
    );
    assert.equal(d.destinationRule?.name, 'reviews');
  });

  test('a missing subset is flagged and gets 503', () => {
    const r = sim(vs('  - route: [{ destination: { host: reviews, subset: v9 } }]\n'), { host: 'reviews.shop' });
    assert.equal(r.status, 503);
    assert.match(r.destinations[0].problems.join(), /subset v9 is not defined in DestinationRule shop\/reviews/);
  });

  test('rewrite (prefix replaced), timeout, retries, headers, CORS', () => {
    const doc = vs(`  - match: [{ uri: { prefix: /v1/ } }]
    rewrite: { uri: /api/, authority: internal.shop }
    timeout: 4s
    retries: { attempts: 3, perTryTimeout: 1s, retryOn: 5xx }
    headers: { request: { set: { x-env: prod } }, response: { remove: [server] } }
    corsPolicy: { allowOrigins: [{ exact: https://a.example }] }
    route: [{ destination: { host: reviews, subset: v1 } }]
`);
    const r = sim(doc, { host: 'reviews.shop', path: '/v1/items' });
    assert.equal(r.actions.rewrite?.path, '/api/items');
    assert.equal(r.actions.rewrite?.authority, 'internal.shop');
    assert.equal(r.actions.timeout, '4s');
    assert.deepEqual(r.actions.retries, { attempts: 3, perTryTimeout: '1s', retryOn: '5xx' });
    assert.deepEqual(r.actions.requestHeaders, { set: { 'x-env': 'prod' } });
    assert.deepEqual(r.actions.responseHeaders, { remove: ['server'] });
    assert.ok(r.actions.cors);
  });

  test('regex rewrite', () => {
    const doc = vs(`  - rewrite: { uriRegexRewrite: { match: "^/old/(.*)$", rewrite: "/new/\\\\1" } }
    route: [{ destination: { host: reviews, subset: v1 } }]
`);
    assert.equal(sim(doc, { host: 'reviews.shop', path: '/old/a/b' }).actions.rewrite?.path, '/new/a/b');
  });

  test('regex rewrite with a pattern that backtracking engines take exponential time on: RE2, linear', () => {
    // `(a+)+$` on "aaa...a!" needs 2^n steps in a backtracking engine (25 a's: about half a second, 40: hours)
    const doc = vs(`  - rewrite: { uriRegexRewrite: { match: "(a+)+$", rewrite: "/x" } }
    route: [{ destination: { host: reviews, subset: v1 } }]
`);
    assert.equal(sim(doc, { host: 'reviews.shop', path: '/' + 'a'.repeat(40) + '!' }).actions.rewrite?.path, '/' + 'a'.repeat(40) + '!');
    assert.equal(sim(doc, { host: 'reviews.shop', path: '/b' + 'a'.repeat(40) }).actions.rewrite?.path, '/b/x');
  });

  test('redirect and direct response end the request', () => {
    const doc = vs(`  - match: [{ uri: { prefix: /old } }]
    redirect: { uri: /new, authority: www.example.com, scheme: https, redirectCode: 308 }
  - match: [{ uri: { exact: /health } }]
    directResponse: { status: 200, body: { string: ok } }
`);
    const red = sim(doc, { host: 'reviews.shop', path: '/old/page' });
    assert.equal(red.outcome, 'redirect');
    assert.equal(red.status, 308);
    assert.deepEqual(red.actions.redirect, { status: 308, location: 'https://www.example.com/new' });
    assert.deepEqual(red.destinations, []);
    const dr = sim(doc, { host: 'reviews.shop', path: '/health' });
    assert.equal(dr.outcome, 'direct-response');
    assert.deepEqual(dr.actions.directResponse, { status: 200, body: 'ok' });
  });

  test('fault injection: a 100% abort sets the status, partial faults are noted', () => {
    const full = sim(vs(`  - fault: { abort: { httpStatus: 418, percentage: { value: 100 } }, delay: { fixedDelay: 2s, percentage: { value: 10 } } }
    route: [{ destination: { host: reviews, subset: v1 } }]
`), { host: 'reviews.shop' });
    assert.equal(full.status, 418);
    assert.deepEqual(full.actions.fault, { delay: { fixedDelay: '2s', percent: 10 }, abort: { percent: 100, httpStatus: 418 } });
    const part = sim(vs(`  - fault: { abort: { httpStatus: 503, percentage: { value: 5 } } }
    route: [{ destination: { host: reviews, subset: v1 } }]
`), { host: 'reviews.shop' });
    assert.equal(part.status, 200);
    assert.ok(part.notes.some((n) => /5% of requests are aborted with 503/.test(n)));
  });

  test('mirror with mirrorPercentage, and mirrors[]', () => {
    const r = sim(vs(`  - mirror: { host: ratings }
    mirrorPercentage: { value: 25 }
    mirrors:
    - { destination: { host: reviews, subset: v3 }, percentage: { value: 5 } }
    route: [{ destination: { host: reviews, subset: v1 } }]
`), { host: 'reviews.shop' });
    assert.deepEqual(r.actions.mirrors, [
      { host: 'ratings.shop.svc.cluster.local', subset: null, port: null, percent: 25 },
      { host: 'reviews.shop.svc.cluster.local', subset: 'v3', port: null, percent: 5 },
    ]);
    assert.deepEqual(shares(r), ['reviews.shop/v1 100']);
  });

  test('destination port: named in the route, else the Service port; targetPort by name for security', () => {
    const ratingsVs = yaml`
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: { name: ratings, namespace: shop }
      spec:
        hosts: [ratings]
        http: [{ route: [{ destination: { host: ratings, port: { number: 8080 } } }] }]
    `;
    const r = sim(ratingsVs, { host: 'ratings.shop' });
    assert.equal(r.destinations[0].port, 8080);
    assert.equal(r.resolvedPort, 8080);
  });
});

describe('Istio: delegation', () => {
  const root = yaml`
    apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata: { name: root, namespace: shop }
    spec:
      hosts: [shop.example.com]
      gateways: [edge]
      http:
      - match: [{ uri: { prefix: /reviews } }]
        delegate: { name: reviews-routes, namespace: shop }
      - match: [{ uri: { prefix: /missing } }]
        delegate: { name: nope }
      - route: [{ destination: { host: frontend } }]
  `;
  const delegate = yaml`
    apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata: { name: reviews-routes, namespace: shop }
    spec:
      http:
      - match: [{ uri: { prefix: /reviews/v2 } }]
        route: [{ destination: { host: reviews, subset: v2 } }]
      - match: [{ uri: { prefix: /reviews/v3 } }]
        route: [{ destination: { host: reviews, subset: v3 } }]
  `;
  const gw = yaml`
    apiVersion: networking.istio.io/v1
    kind: Gateway
    metadata: { name: edge, namespace: shop }
    spec:
      selector: { istio: ingressgateway }
      servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: [shop.example.com] }]
  `;
  test('a matching root rule hands over to the delegate rules', () => {
    const r = sim([root, delegate, gw], { host: 'shop.example.com', path: '/reviews/v3/1' });
    assert.equal(r.entry.name, 'shop/edge');
    assert.equal(r.matched?.resource.name, 'reviews-routes');
    assert.equal(r.matched?.rule, 1);
    assert.equal(r.matched?.delegatedFrom?.resource.name, 'root');
    assert.match(r.skipped[0].reason, /delegated from shop\/root rule 0/);
    assert.deepEqual(shares(r), ['reviews.shop/v3 100']);
  });
  test('no delegate rule matches: evaluation continues with the next root rule', () => {
    const r = sim([root, delegate, gw], { host: 'shop.example.com', path: '/reviews/v9' });
    assert.equal(r.matched?.resource.name, 'root');
    assert.equal(r.matched?.rule, 2);
    assert.ok(r.skipped.some((s) => /no rule of delegate shop\/reviews-routes matches/.test(s.reason)));
  });
  test('a missing delegate is skipped with the reason', () => {
    const r = sim([root, delegate, gw], { host: 'shop.example.com', path: '/missing' });
    assert.ok(r.skipped.some((s) => /delegate VirtualService shop\/nope not found/.test(s.reason)));
    assert.deepEqual(shares(r), ['frontend.shop 100']);
  });
});

describe('Istio: gateways', () => {
  const gw = yaml`
    apiVersion: networking.istio.io/v1
    kind: Gateway
    metadata: { name: edge, namespace: shop }
    spec:
      selector: { istio: ingressgateway }
      servers:
      - port: { number: 80, name: http, protocol: HTTP }
        hosts: ["*.example.com"]
      - port: { number: 443, name: https, protocol: HTTPS }
        hosts: ["other/*.example.com"]
        tls: { mode: SIMPLE, credentialName: cert }
  `;
  const a = yaml`
    apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata: { name: a, namespace: shop }
    spec:
      hosts: [shop.example.com]
      gateways: [shop/edge]
      http:
      - match: [{ uri: { prefix: /a } }]
        route: [{ destination: { host: reviews, subset: v1 } }]
  `;
  const b = yaml`
    apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata: { name: b, namespace: shop }
    spec:
      hosts: [shop.example.com]
      gateways: [edge]
      http:
      - match: [{ uri: { prefix: /b } }]
        route: [{ destination: { host: reviews, subset: v2 } }]
  `;
  test('VirtualServices for the same host are merged at a gateway, in order', () => {
    const r = sim([gw, a, b], { host: 'shop.example.com', path: '/b', port: 80 });
    assert.equal(r.matched?.resource.name, 'b');
    assert.deepEqual(shares(r), ['reviews.shop/v2 100']);
    assert.equal(r.skipped[0].resource.name, 'a');
  });
  test('a host no VirtualService binds gets a 404 from the gateway', () => {
    const r = sim([gw, a], { host: 'nothing.example.com', gateway: 'shop/edge', port: 80 });
    assert.equal(r.status, 404);
    assert.match(r.notes.join(), /no VirtualService bound to Gateway shop\/edge serves host nothing.example.com/);
  });
  test('server hosts with a namespace part only admit VirtualServices from that namespace', () => {
    const r = sim([gw, a], { host: 'shop.example.com', gateway: 'shop/edge', port: 443, path: '/a' });
    assert.equal(r.status, 404);
  });
  test('no server for the port', () => {
    const r = sim([gw, a], { host: 'shop.example.com', gateway: 'shop/edge', port: 8443 });
    assert.equal(r.status, 404);
    assert.match(r.notes.join(), /no server for host shop.example.com on port 8443/);
  });
  test('a VirtualService bound only to a gateway does not route mesh traffic', () => {
    const meshOnly = sim([gw, a], { host: 'shop.example.com', gateway: 'mesh', path: '/a' });
    assert.equal(meshOnly.outcome, 'passthrough');
  });
  test('an unknown gateway is reported', () => {
    const r = sim([a], { host: 'shop.example.com', gateway: 'shop/nope' });
    assert.equal(r.status, 404);
    assert.match(r.notes.join(), /gateway shop\/nope not found/);
  });
  test('the gateway is guessed from the host when none is given', () => {
    const r = sim([gw, a], { host: 'shop.example.com', path: '/a' });
    assert.equal(r.entry.kind, 'istio-gateway');
    assert.equal(r.entry.name, 'shop/edge');
    assert.equal(r.entry.listener?.port, 80);
  });
});

describe('Istio: unmatched and TCP', () => {
  test('no VirtualService: passthrough to the Service and its endpoints', () => {
    const r = sim([], { host: 'reviews', sourceNamespace: 'shop' });
    assert.equal(r.outcome, 'passthrough');
    assert.equal(r.matched, null);
    assert.deepEqual(shares(r), ['reviews.shop 100']);
    assert.deepEqual(
      r.destinations[0].workloads.map((w) => w.ref.name),
      ['reviews-v1', 'reviews-v2', 'reviews-v3'],
    );
  });
  test('an unknown host passes through, with a note on outboundTrafficPolicy', () => {
    const r = sim([], { host: 'api.stripe.com', port: 443, gateway: 'mesh' });
    assert.equal(r.outcome, 'passthrough');
    assert.equal(r.destinations[0].target, 'unknown');
    assert.match(r.notes.join(), /REGISTRY_ONLY/);
  });
  test('tcp rules route by port', () => {
    const tcp = yaml`
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: { name: db, namespace: shop }
      spec:
        hosts: [reviews]
        tcp:
        - match: [{ port: 5432 }]
          route: [{ destination: { host: reviews, subset: v1 } }]
        - route: [{ destination: { host: reviews, subset: v2 } }]
    `;
    assert.deepEqual(shares(sim(tcp, { host: 'reviews.shop', port: 9080 })), ['reviews.shop/v2 100']);
    assert.equal(sim(tcp, { host: 'reviews.shop', port: 9080 }).skipped[0].reason, 'port 5432 does not match 9080');
  });
});
