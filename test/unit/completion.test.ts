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

describe('completion inside flow collections', () => {
  test('keys of a flow mapping inside a flow list, none already present, in flow style', () => {
    const es = entries(VS + '  http:\n  - route: [{destination: {$0}}]\n');
    assert.deepEqual(es.map((e) => e.label).sort(), ['host', 'port', 'subset']);
    const host = es.find((e) => e.label === 'host')!;
    assert.equal(host.insertText, 'host: $1');
    assert.match(host.detail!, /required/);
    assert.equal(es.find((e) => e.label === 'port')!.insertText, 'port: {$1}');
    assert.deepEqual(host.range, { start: { line: 7, character: 27 }, end: { line: 7, character: 27 } });
    const rest = labels(VS + '  http:\n  - route: [{destination: {host: reviews, $0}}]\n');
    assert.deepEqual(rest.sort(), ['port', 'subset']);
  });

  test('a partial key in a flow mapping is replaced', () => {
    const es = entries(VS + '  http:\n  - route: [{destination: {host: a, su$0}}]\n');
    const subset = es.find((e) => e.label === 'subset')!;
    assert.deepEqual([subset.range.start.character, subset.range.end.character], [36, 38]);
  });

  test('keys of a list item written in flow style, and a new item of a flow list', () => {
    assert.deepEqual(labels(VS + '  http:\n  - route: [{$0}]\n').sort(), ['destination', 'headers', 'weight']);
    assert.deepEqual(labels(VS + '  http:\n  - route: [{destination: {host: a}, $0}]\n').sort(), ['headers', 'weight']);
    const item = entries(VS + '  http: [$0]\n').find((e) => e.label === 'route')!;
    assert.equal(item.insertText, '{route: [$1]}', 'directly in a flow list, a key starts a new {...} item');
  });

  test('an open flow mapping while typing, and one spread over lines', () => {
    assert.deepEqual(labels(VS + '  http:\n  - route: [{destination: {$0\n').sort(), ['host', 'port', 'subset']);
    assert.deepEqual(labels(VS + '  http:\n  - route: [\n      {destination: {host: a},\n       $0}\n    ]\n').sort(), ['headers', 'weight']);
  });

  test('values after a key in a flow mapping', () => {
    const pa = 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\nspec:\n';
    assert.deepEqual(labels(pa + '  mtls: {mode: $0}\n').sort(), ['DISABLE', 'PERMISSIVE', 'STRICT', 'UNSET']);
    const es = entries(pa + '  mtls: {mode: ST$0}\n');
    assert.deepEqual([es[0].range.start.character, es[0].range.end.character], [15, 17]);
    assert.deepEqual(labels('apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\nspec: {mtls: {$0}}\n'), ['mode']);
  });

  test('workspace values in a flow list of scalars', () => {
    const svc = freshService();
    svc.setFile('file:///gw.yaml', 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: public\n  namespace: default\nspec:\n  selector:\n    istio: ingressgateway\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]\n');
    const { text, pos } = cursor(VS + '  gateways: [mesh, $0]\n');
    svc.setFile('file:///vs.yaml', text);
    assert.ok(svc.complete('file:///vs.yaml', pos).some((e) => e.label === 'public'), JSON.stringify(svc.complete('file:///vs.yaml', pos).map((e) => e.label)));
  });

  test('the same answers in a large document (the parse is reduced)', () => {
    const PADDING = '# padding\n'.repeat(4096);
    for (const fixture of [VS + '  http:\n  - route: [{destination: {$0}}]\n', VS + '  http:\n  - route: [\n      {destination: {host: a},\n       $0}\n    ]\n']) {
      const small = entries(fixture);
      assert.ok(small.length > 0);
      assert.deepEqual(entries(fixture + PADDING), small);
    }
  });

  test('block completion is unchanged after a closed flow collection', () => {
    assert.deepEqual(labels(VS + '  http:\n  - route: [{destination: {host: a}}]$0\n'), []);
    assert.ok(labels(VS + '  http:\n  - route: [{destination: {host: a}}]\n    $0\n').includes('timeout'));
  });
});
