import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { routeLenses } from '../../server/src/service/features/codelens';
import { fixture, index, shares, sim, yaml } from '../fixtures/routing/ws';
import type { SimRequest } from '../../server/src/service/routing';
import { defaultPort } from '../../server/src/service/routing/simulate';

/** Outcomes the simulate JSON must be able to express, what decides, and the port/scheme defaults. */

const vs = (http: string): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews]
  http:
${http}`;

describe('status, outcome and NOT_EVALUATED', () => {
  test('a redirect and a direct response reach no workload: authorization NOT_EVALUATED, the status of the answer', () => {
    const redirect = sim([vs('  - redirect: { uri: /new, redirectCode: 308 }\n')], { host: 'reviews.shop' });
    assert.deepEqual([redirect.status, redirect.outcome, redirect.authorization.decision], [308, 'redirect', 'NOT_EVALUATED']);
    assert.match(redirect.authorization.reason, /redirect/);
    const direct = sim([vs('  - directResponse: { status: 418, body: { string: teapot } }\n')], { host: 'reviews.shop' });
    assert.deepEqual([direct.status, direct.outcome, direct.authorization.decision], [418, 'direct-response', 'NOT_EVALUATED']);
    assert.equal(direct.mtls.mode, 'NONE');
  });

  test('no rule matches: 404, not-found, NOT_EVALUATED', () => {
    const r = sim([vs('  - match: [{ uri: { prefix: /api } }]\n    route: [{ destination: { host: reviews, subset: v1 } }]\n')], { host: 'reviews.shop', path: '/web' });
    assert.deepEqual([r.status, r.outcome, r.authorization.decision, r.authorization.policy], [404, 'not-found', 'NOT_EVALUATED', null]);
  });

  test('a broken subset: 503, outcome error, and no authorization is claimed for it', () => {
    const r = sim([vs('  - route: [{ destination: { host: reviews, subset: v9 } }]\n')], { host: 'reviews.shop' });
    assert.deepEqual([r.status, r.outcome], [503, 'error']);
    assert.equal(r.destinations[0].authorization.decision, 'NOT_EVALUATED');
    assert.match(r.destinations[0].authorization.reason, /subset v9/);
    assert.equal(r.authorization.decision, 'NOT_EVALUATED');
  });

  test('a split with a broken share: the worst status, the authorization of the share that reaches a workload', () => {
    const r = sim([vs('  - route:\n    - { destination: { host: reviews, subset: v1 }, weight: 90 }\n    - { destination: { host: reviews, subset: v9 }, weight: 10 }\n')], { host: 'reviews.shop' });
    assert.deepEqual(shares(r), ['reviews.shop/v1 90', 'reviews.shop/v9 10']);
    assert.deepEqual([r.status, r.outcome], [503, 'error']);
    assert.equal(r.authorization.decision, 'ALLOW');
    assert.match(r.notes.join(), /10% of requests \(to reviews.shop.svc.cluster.local\/v9\) get 503/);
  });

  test('a DestinationRule DISABLE against STRICT: 503, error, the failing hop, NOT_EVALUATED', () => {
    const r = sim([fixture('mtls-conflict.yaml')], { host: 'api.pay', sourceNamespace: 'pay' }, false);
    assert.deepEqual([r.status, r.outcome, r.mtls.mode, r.mtls.client, r.mtls.effective], [503, 'error', 'STRICT', 'DISABLE', 'fails']);
    assert.equal(r.authorization.decision, 'NOT_EVALUATED');
  });

  test('denied: 403 and outcome denied, naming the policy and rule', () => {
    const r = sim([fixture('authz-custom.yaml')], { host: 'orders.shop', method: 'DELETE', sourcePrincipal: 'cluster.local/ns/shop/sa/frontend' }, false);
    assert.deepEqual([r.status, r.outcome, r.authorization.decision, r.authorization.policy, r.authorization.rule], [403, 'denied', 'DENY', 'shop/no-delete', 0]);
  });

  test('a fault that aborts every request keeps the outcome routed (the fault is configured) with its status', () => {
    const r = sim([vs('  - fault: { abort: { httpStatus: 503, percentage: { value: 100 } } }\n    route: [{ destination: { host: reviews, subset: v1 } }]\n')], { host: 'reviews.shop' });
    assert.deepEqual([r.status, r.outcome], [503, 'routed']);
  });
});

describe('what decided: TrafficSplit and ServiceProfile dstOverrides', () => {
  const L5D = fixture('linkerd.yaml');
  const lsim = (docs: string[], req: Partial<SimRequest> = {}): ReturnType<typeof sim> => sim([L5D, ...docs], { host: 'api.app', sourceNamespace: 'app', ...req }, false);
  const split = yaml`
    apiVersion: split.smi-spec.io/v1alpha1
    kind: TrafficSplit
    metadata: { name: api-split, namespace: app }
    spec:
      service: api
      backends:
      - { service: api-v1, weight: 900m }
      - { service: api-v2, weight: 100m }
  `;
  const profile = (extra: string): string => `apiVersion: linkerd.io/v1alpha2
kind: ServiceProfile
metadata: { name: api.app.svc.cluster.local, namespace: app }
spec:
  routes:
  - name: list
    condition: { method: GET, pathRegex: /items }
${extra}`;

  test('a TrafficSplit is the matched resource, as a whole (rule null)', () => {
    const r = lsim([split]);
    assert.equal(r.matched?.resource.kind, 'TrafficSplit');
    assert.equal(r.matched?.resource.name, 'api-split');
    assert.equal(r.matched?.rule, null);
    assert.equal(r.matched?.summary, '90% api-v1.app / 10% api-v2.app');
    assert.deepEqual(r.matched?.loc.path, []);
  });

  test('ServiceProfile dstOverrides decide when no route matches; a matching route is the match otherwise', () => {
    const overrides = '  dstOverrides:\n  - { authority: api-v1.app.svc.cluster.local:80, weight: 1 }\n  - { authority: api-v2.app.svc.cluster.local:80, weight: 3 }\n';
    const r = lsim([profile(overrides)], { method: 'POST', path: '/x' });
    assert.deepEqual([r.matched?.resource.kind, r.matched?.rule], ['ServiceProfile', null]);
    assert.match(r.matched?.summary ?? '', /^dstOverrides 25% api-v1.app \/ 75% api-v2.app$/);
    const routed = lsim([profile(overrides)], { path: '/items' });
    assert.deepEqual([routed.matched?.resource.kind, routed.matched?.ruleName], ['ServiceProfile', 'list']);
  });

  test('a ServiceProfile without a matching route or dstOverrides, backed by a TrafficSplit: the split decided', () => {
    const r = lsim([profile(''), split], { method: 'POST', path: '/x' });
    assert.deepEqual([r.matched?.resource.kind, r.matched?.resource.name], ['TrafficSplit', 'api-split']);
    assert.deepEqual(shares(r), ['api-v1.app 90', 'api-v2.app 10']);
  });
});

describe('ports and schemes without --port', () => {
  test('defaultPort: the scheme default, else the only port, else a port for the scheme, else the first', () => {
    assert.deepEqual(defaultPort([{ port: 9090, name: 'grpc' }, { port: 80, name: 'web' }], 'http'), { port: 80 });
    assert.deepEqual(defaultPort([{ port: 8443, name: 'https' }, { port: 443 }], 'https'), { port: 443 });
    assert.deepEqual(defaultPort([{ port: 9080 }], 'http'), { port: 9080 });
    assert.equal(defaultPort([{ port: 15000, name: 'tcp-admin' }, { port: 8080, name: 'http-web' }], 'http')?.port, 8080);
    assert.equal(defaultPort([{ port: 15000, name: 'admin' }, { port: 8080, protocol: 'http' }], 'http')?.port, 8080);
    assert.equal(defaultPort([{ port: 15000 }, { port: 8080 }], 'http')?.port, 15000);
    assert.equal(defaultPort([], 'http'), undefined);
  });

  const gw = yaml`
    apiVersion: networking.istio.io/v1
    kind: Gateway
    metadata: { name: edge, namespace: shop }
    spec:
      selector: { istio: ingressgateway }
      servers:
      - port: { number: 8443, name: https, protocol: HTTPS }
        hosts: ["*.example.com"]
        tls: { mode: SIMPLE, credentialName: cert }
      - port: { number: 8080, name: http, protocol: HTTP }
        hosts: ["*.example.com"]
  `;
  const shopVs = yaml`
    apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata: { name: shop, namespace: shop }
    spec:
      hosts: [shop.example.com]
      gateways: [edge]
      http: [{ route: [{ destination: { host: reviews, subset: v1 } }] }]
  `;

  test('Istio Gateway: no server on 80, so the first plain HTTP server (not the HTTPS one listed first), with a note', () => {
    const r = sim([gw, shopVs], { host: 'shop.example.com' });
    assert.deepEqual([r.entry.listener?.port, r.resolvedScheme, r.status], [8080, 'http', 200]);
    assert.match(r.notes.join('\n'), /no port given and no server on port 80 for host shop.example.com: using the HTTP server on port 8080$/m);
    const s = sim([gw, shopVs], { host: 'shop.example.com', scheme: 'https' });
    assert.deepEqual([s.entry.listener?.port, s.resolvedScheme], [8443, 'https']);
  });

  test('a given port decides the scheme when none is given', () => {
    const r = sim([gw, shopVs], { host: 'shop.example.com', port: 8443 });
    assert.deepEqual([r.entry.listener?.port, r.resolvedScheme], [8443, 'https']);
  });

  test('mesh: the scheme default port of the Service when it has one', () => {
    const two = yaml`
      apiVersion: v1
      kind: Service
      metadata: { name: multi, namespace: shop }
      spec:
        selector: { app: frontend }
        ports: [{ name: grpc, port: 9090 }, { name: http, port: 80, targetPort: 8080 }]
    `;
    const r = sim([two], { host: 'multi.shop' });
    assert.deepEqual([r.resolvedPort, r.resolvedScheme, r.destinations[0].port], [80, 'http', 80]);
  });
});

describe('CodeLens uses the simulator weights', () => {
  const lensOf = (text: string): string[] => routeLenses(index(text).resources).map((l) => l.title.replace('$(type-hierarchy) ', '').replace(' — preview routing', ''));

  test('SMI v1alpha1 quantities (900m / 100m) read as the simulator reads them', () => {
    const ts = yaml`
      apiVersion: split.smi-spec.io/v1alpha1
      kind: TrafficSplit
      metadata: { name: web, namespace: smi }
      spec:
        service: web
        backends:
        - { service: web-v1, weight: 900m }
        - { service: web-v2, weight: 100m }
    `;
    assert.deepEqual(lensOf(ts), ['90% web-v1 / 10% web-v2']);
    const sims = sim([fixture('smi-split.yaml')], { host: 'web.smi' }, false);
    assert.deepEqual(shares(sims), ['web-v1.smi 90', 'web-v2.smi 10']);
  });

  test('a VirtualService without weights splits equally, as Istio (and the simulator) do', () => {
    const text = vs('  - route:\n    - destination: { host: reviews, subset: v1 }\n    - destination: { host: reviews, subset: v2 }\n');
    assert.deepEqual(lensOf(text), ['1 rule · 50% v1 / 50% v2']);
    assert.deepEqual(shares(sim([text], { host: 'reviews.shop' })), ['reviews.shop/v1 50', 'reviews.shop/v2 50']);
  });

  test('all weights 0 still says so', () => {
    const ts = yaml`
      apiVersion: split.smi-spec.io/v1alpha2
      kind: TrafficSplit
      metadata: { name: web, namespace: smi }
      spec: { service: web, backends: [{ service: a, weight: 0 }, { service: b, weight: 0 }] }
    `;
    assert.deepEqual(lensOf(ts), ['no traffic (all weights 0)']);
  });
});

describe('hosts: configuration as istiod reads it, requests as a resolver does', () => {
  const literalVs = yaml`
    apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata: { name: dotted, namespace: shop }
    spec:
      hosts: [reviews.shop]
      http: [{ route: [{ destination: { host: reviews, subset: v2 } }] }]
  `;
  test('a dotted VirtualService host (reviews.shop) is literal: it does not route the reviews Service', () => {
    const r = sim([literalVs], { host: 'reviews.shop' });
    assert.equal(r.resolvedHost, 'reviews.shop.svc.cluster.local', 'the request host reaches the Service');
    assert.equal(r.outcome, 'passthrough');
    assert.equal(r.matched, null);
  });
  test('a dotted destination host is literal too; the full name and a short name reach the Service', () => {
    const route = (host: string): string => vs(`  - route: [{ destination: { host: ${host}, subset: v1 } }]\n`);
    const dotted = sim([route('reviews.shop')], { host: 'reviews.shop' });
    assert.deepEqual([dotted.destinations[0].host, dotted.destinations[0].target], ['reviews.shop', 'unknown']);
    for (const h of ['reviews', 'reviews.shop.svc.cluster.local']) {
      const r = sim([route(h)], { host: 'reviews.shop' });
      assert.deepEqual([r.destinations[0].host, r.destinations[0].target, r.status], ['reviews.shop.svc.cluster.local', 'service', 200], h);
    }
  });
  test('request hosts: name, name.ns and name.ns.svc all reach the Service', () => {
    for (const host of ['reviews', 'reviews.shop', 'reviews.shop.svc', 'reviews.shop.svc.cluster.local']) {
      assert.equal(sim([], { host, sourceNamespace: 'shop' }).resolvedHost, 'reviews.shop.svc.cluster.local', host);
    }
  });
});
