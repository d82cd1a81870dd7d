import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixture, shares, sim, yaml } from '../fixtures/routing/ws';
import type { SimRequest } from '../../server/src/service/routing';

const L5D = fixture('linkerd.yaml');
const lsim = (docs: string[], req: Partial<SimRequest> = {}): ReturnType<typeof sim> =>
  sim([L5D, ...docs], { host: 'api.app', sourceNamespace: 'app', sourceLabels: { app: 'client' }, ...req }, false);

const profile = (extra = ''): string => `apiVersion: linkerd.io/v1alpha2
kind: ServiceProfile
metadata: { name: api.app.svc.cluster.local, namespace: app }
spec:
  routes:
  - name: list
    condition: { method: GET, pathRegex: /items }
    timeout: 300ms
    isRetryable: true
  - name: write
    condition:
      any:
      - { method: POST }
      - { method: PUT }
    timeout: 1s
  retryBudget: { retryRatio: 0.1, minRetriesPerSecond: 5, ttl: 10s }
${extra}`;

const split = yaml`
  apiVersion: split.smi-spec.io/v1alpha2
  kind: TrafficSplit
  metadata: { name: api-split, namespace: app }
  spec:
    service: api
    backends:
    - { service: api-v1, weight: 900m }
    - { service: api-v2, weight: 100m }
`;

const outboundRoute = yaml`
  apiVersion: policy.linkerd.io/v1beta3
  kind: HTTPRoute
  metadata: { name: api-canary, namespace: app }
  spec:
    parentRefs: [{ group: core, kind: Service, name: api, port: 80 }]
    rules:
    - matches: [{ headers: [{ name: x-canary, value: "1" }] }]
      backendRefs: [{ name: api-v2, port: 80 }]
    - backendRefs:
      - { name: api-v1, port: 80, weight: 80 }
      - { name: api-v2, port: 80, weight: 20 }
`;

describe('Linkerd routing', () => {
  test('no route configuration: the proxy balances over the Service', () => {
    const r = lsim([]);
    assert.equal(r.engine, 'linkerd');
    assert.equal(r.outcome, 'passthrough');
    assert.deepEqual(shares(r), ['api.app 100']);
    assert.equal(r.destinations[0].workloads.length, 2);
    assert.equal(r.mtls.mode, 'MUTUAL');
  });

  test('ServiceProfile routes: first matching condition, with timeout and retry budget', () => {
    const r = lsim([profile()], { path: '/items' });
    assert.equal(r.engine, 'service-profile');
    assert.equal(r.matched?.ruleName, 'list');
    assert.equal(r.actions.timeout, '300ms');
    assert.deepEqual(r.actions.retries?.budget, { retryRatio: 0.1, minRetriesPerSecond: 5, ttl: '10s' });
    const put = lsim([profile()], { method: 'PUT', path: '/items/1' });
    assert.equal(put.matched?.ruleName, 'write');
    assert.match(put.skipped[0].reason, /method GET does not match PUT/);
    const none = lsim([profile()], { method: 'DELETE', path: '/x' });
    assert.equal(none.matched, null);
    assert.deepEqual(shares(none), ['api.app 100']);
  });

  test('ServiceProfile dstOverrides split the traffic (quantities as weights)', () => {
    const r = lsim([profile('  dstOverrides:\n  - { authority: api-v1.app.svc.cluster.local:80, weight: 750m }\n  - { authority: api-v2.app.svc.cluster.local:80, weight: 250m }\n')], { path: '/items' });
    assert.deepEqual(shares(r), ['api-v1.app 75', 'api-v2.app 25']);
    assert.equal(r.destinations[0].port, 80);
  });

  test('SMI TrafficSplit', () => {
    const r = lsim([split]);
    assert.equal(r.engine, 'smi');
    assert.deepEqual(shares(r), ['api-v1.app 90', 'api-v2.app 10']);
    assert.deepEqual(r.destinations[1].workloads.map((w) => w.ref.name), ['api-v2']);
  });

  test('a TrafficSplit supplies the backends of a ServiceProfile without dstOverrides', () => {
    const r = lsim([profile(), split], { path: '/items' });
    assert.equal(r.matched?.ruleName, 'list');
    assert.deepEqual(shares(r), ['api-v1.app 90', 'api-v2.app 10']);
  });

  test('HTTPRoute with a Service parent (policy.linkerd.io): header match and weighted backends', () => {
    const canary = lsim([outboundRoute], { headers: { 'x-canary': '1' } });
    assert.equal(canary.engine, 'linkerd');
    assert.deepEqual(shares(canary), ['api-v2.app 100']);
    assert.deepEqual(shares(lsim([outboundRoute])), ['api-v1.app 80', 'api-v2.app 20']);
  });

  test('a ServiceProfile takes precedence over HTTPRoutes', () => {
    const r = lsim([outboundRoute, profile()], { path: '/items', headers: { 'x-canary': '1' } });
    assert.equal(r.engine, 'service-profile');
    assert.match(r.notes.join(), /HTTPRoutes app\/api-canary are ignored/);
  });

  test('Istio does not read SMI TrafficSplit', () => {
    const ts = yaml`
      apiVersion: split.smi-spec.io/v1alpha2
      kind: TrafficSplit
      metadata: { name: reviews, namespace: shop }
      spec: { service: reviews, backends: [{ service: ratings, weight: 1 }] }
    `;
    const r = sim([ts], { host: 'reviews.shop' });
    assert.equal(r.outcome, 'passthrough');
    assert.match(r.notes.join(), /Istio does not read SMI/);
  });
});
