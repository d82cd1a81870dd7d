import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { complete, completionText } from '../../server/src/service/features/completion';
import { cursor, file, freshService, registry, yaml } from './helpers';

function labels(fixture: string): string[] {
  const { text, pos } = cursor(fixture);
  return complete(registry(), file(text), pos).map((e) => e.label);
}

function entries(fixture: string) {
  const { text, pos } = cursor(fixture);
  return complete(registry(), file(text), pos);
}

const VS = yaml`
  apiVersion: networking.istio.io/v1
  kind: VirtualService
  metadata:
    name: reviews
  spec:
    hosts: [reviews]
`;

describe('completion', () => {
  test('keys of an http route, never one already present', () => {
    const got = labels(VS + '  http:\n  - timeout: 5s\n    $0\n');
    assert.ok(got.includes('retries'));
    assert.ok(got.includes('route'));
    assert.ok(!got.includes('timeout'));
  });

  test('while typing a partial key, with the replace range covering the partial word', () => {
    const es = entries(VS + '  http:\n  - ret$0\n');
    const r = es.find((e) => e.label === 'retries');
    assert.ok(r);
    assert.deepEqual(r.range.start, { line: 7, character: 4 });
    assert.deepEqual(r.range.end, { line: 7, character: 7 });
  });

  test('keys of spec at the spec level', () => {
    const got = labels(VS + '  $0\n');
    assert.ok(got.includes('gateways'));
    assert.ok(got.includes('http'));
    assert.ok(!got.includes('hosts'));
  });

  test('a new list item offers the item keys', () => {
    const got = labels(VS + '  http:\n  - $0\n');
    assert.ok(got.includes('match'));
    assert.ok(got.includes('route'));
  });

  test('enum values after a key', () => {
    const got = labels(yaml`
      apiVersion: security.istio.io/v1
      kind: PeerAuthentication
      metadata:
        name: default
      spec:
        mtls:
          mode: $0
    `);
    assert.deepEqual(got.sort(), ['DISABLE', 'PERMISSIVE', 'STRICT', 'UNSET']);
  });

  test('booleans after a key', () => {
    const got = labels(VS + '  http:\n  - match:\n    - ignoreUriCase: $0\n');
    assert.deepEqual(got.sort(), ['false', 'true']);
  });

  test('skeletons of required children', () => {
    const es = entries(VS + '  http:\n  - $0\n');
    const route = es.find((e) => e.label === 'route')!;
    assert.match(route.insertText, /^route:\n {2}- destination:\n {6}host: \$1/);
    assert.equal(route.snippet, true);
  });

  test('enum snippet choices for an enum key', () => {
    const es = entries(yaml`
      apiVersion: security.istio.io/v1
      kind: PeerAuthentication
      metadata:
        name: default
      spec:
        mtls:
          $0
    `);
    const mode = es.find((e) => e.label === 'mode')!;
    assert.match(mode.insertText, /^mode: \$\{1\|UNSET,DISABLE,PERMISSIVE,STRICT\|\}$/);
  });

  test('an empty document offers apiVersion/kind templates, current versions first', () => {
    const es = entries('$0');
    const vs = es.find((e) => e.label === 'VirtualService');
    assert.ok(vs, 'VirtualService template');
    assert.match(vs.insertText, /^apiVersion: networking\.istio\.io\/v1\nkind: VirtualService\n/);
    const older = es.find((e) => e.label === 'VirtualService (v1beta1)');
    assert.ok(older);
    assert.ok(vs.sortText < older.sortText);
    assert.ok(es.some((e) => e.label === 'Server' && e.detail === 'policy.linkerd.io/v1beta3'));
    assert.ok(es.some((e) => e.label === 'HTTPRoute' && e.detail === 'gateway.networking.k8s.io/v1'));
    assert.ok(es.some((e) => e.label === 'TrafficSplit'));
  });

  test('a new document after --- also offers templates', () => {
    const got = labels(VS + '---\n$0');
    assert.ok(got.includes('DestinationRule'));
  });

  test('apiVersion values for a known kind, kind values for a group', () => {
    assert.deepEqual(labels('kind: DestinationRule\napiVersion: $0\n')[0], 'networking.istio.io/v1');
    const kinds = labels('apiVersion: security.istio.io/v1\nkind: $0\n');
    assert.deepEqual(kinds.sort(), ['AuthorizationPolicy', 'PeerAuthentication', 'RequestAuthentication']);
  });

  test('Linkerd, Gateway API and SMI kinds complete too', () => {
    assert.ok(labels('apiVersion: policy.linkerd.io/v1beta3\nkind: Server\nspec:\n  $0\n').includes('podSelector'));
    assert.ok(labels('apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nspec:\n  rules:\n  - $0\n').includes('backendRefs'));
    assert.ok(labels('apiVersion: split.smi-spec.io/v1alpha2\nkind: TrafficSplit\nspec:\n  $0\n').includes('backends'));
  });

  test('non-mesh documents get nothing from us', () => {
    assert.deepEqual(labels('apiVersion: apps/v1\nkind: Deployment\nspec:\n  $0\n'), []);
  });

  test('top level keys of a known kind exclude present ones and status', () => {
    const got = labels('apiVersion: networking.istio.io/v1\nkind: Gateway\n$0\n');
    assert.ok(got.includes('metadata'));
    assert.ok(got.includes('spec'));
    assert.ok(!got.includes('kind'));
    assert.ok(!got.includes('status'));
  });
});

test('snippets are offered as whole-document templates in an empty document', () => {
  const svc = freshService();
  svc.setFile('file:///new.yaml', '');
  const es = svc.complete('file:///new.yaml', { line: 0, character: 0 });
  const canary = es.find((e) => e.label === 'istio-canary');
  assert.ok(canary, 'istio-canary template');
  assert.match(canary.insertText, /kind: DestinationRule[\s\S]*kind: VirtualService/);
  assert.ok(es.some((e) => e.label === 'linkerd-server-policy'));
  svc.setFile('file:///vs.yaml', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\n');
  assert.ok(!svc.complete('file:///vs.yaml', { line: 2, character: 0 }).some((e) => e.label === 'istio-canary'));
});

describe('completion in a large document (the parse is reduced to the lines around the cursor)', () => {
  // Each fixture is completed twice: as it is, and with 40 KB of comments appended, which switches on the reduction
  // without changing what the YAML means. The answers must be the same.
  const FIXTURES = [
    VS + '  http:\n  - timeout: 5s\n    $0\n    retries:\n      attempts: 3\n',
    VS + '  http:\n  - ret$0\n',
    VS + '  $0\n  http:\n  - route:\n    - destination:\n        host: reviews\n',
    VS + '  http:\n  - route:\n    - destination:\n        host: reviews\n  $0\n',
    VS + '  http:\n  - route:\n    - destination:\n        host: reviews\n  - $0\n',
    VS + '  http:\n  - route:\n    - destination:\n        host: reviews\n    $0\n',
    VS + '  http:\n  - match:\n    - ignoreUriCase: $0\n',
    VS + '  http:\n  - match:\n    - uri:\n        prefix: /a\n      $0\n',
    'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\nspec:\n  mtls:\n    mode: $0\n',
    'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nspec:\n  parentRefs:\n  - name: edge\n  rules:\n  - matches:\n    - path:\n        value: /\n    $0\n',
    'apiVersion: networking.istio.io/v1\nkind: Gateway\n$0\nspec:\n  servers: []\n',
    'kind: DestinationRule\napiVersion: $0\n',
  ];
  const PADDING = '# padding\n'.repeat(4096);

  for (const [i, fixture] of FIXTURES.entries()) {
    test(`fixture ${i}: same answer as the whole parse`, () => {
      const small = entries(fixture);
      const large = entries(fixture + PADDING);
      assert.ok(small.length > 0, 'the fixture completes something');
      assert.deepEqual(large, small);
    });
  }

  test('a 300 KB sibling block is not needed to complete next to it', () => {
    const hosts = Array.from({ length: 20000 }, (_, i) => `  - host-${i}.example.com\n`).join('');
    const text = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: big\nspec:\n  hosts:\n' + hosts + '  http:\n  - timeout: 5s\n    $0\n';
    assert.ok(text.length > 300_000);
    const { text: plain, pos } = cursor(text);
    const reduced = completionText(plain, pos.line, '    X: x');
    assert.ok(reduced.reduced && reduced.text.length < 500, reduced.text.slice(0, 500));
    const got = labels(text);
    assert.ok(got.includes('retries'));
    assert.ok(!got.includes('timeout'));
    const top = labels(text.replace('    $0\n', '') + '  $0\n');
    assert.ok(top.includes('gateways'));
    assert.ok(!top.includes('hosts') && !top.includes('http'), 'siblings before and after the block are present');
  });

  test('a flow collection spread over lines falls back to the whole parse', () => {
    const fixture = VS + '  http:\n  - route: [\n{ destination: { host: a } }\n]\n    $0\n';
    assert.deepEqual(entries(fixture + PADDING), entries(fixture));
  });
});
