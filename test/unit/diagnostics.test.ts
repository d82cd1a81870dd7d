import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileDiagnostics, type FileDiagnostic } from '../../server/src/service/features/diagnostics';
import { SchemaRegistry } from '../../server/src/service/schema/registry';
import type { SchemaNode } from '../../server/src/service/schema/types';
import { apiServerView } from '../../server/src/service/schema/validate';
import { applyEdits, file, registry, SCHEMAS, yaml } from './helpers';

function lint(text: string): FileDiagnostic[] {
  return fileDiagnostics(registry(), file(text));
}

/** The text a diagnostic's range covers. */
function covered(text: string, d: FileDiagnostic): string {
  const lines = text.split('\n');
  if (d.range.start.line !== d.range.end.line) return lines[d.range.start.line].slice(d.range.start.character);
  return lines[d.range.start.line].slice(d.range.start.character, d.range.end.character);
}

function only(text: string, rule: string): FileDiagnostic {
  const ds = lint(text).filter((d) => d.severity !== 'info');
  assert.equal(ds.length, 1, `expected one diagnostic, got ${JSON.stringify(ds.map((d) => [d.rule, d.message]))}`);
  assert.equal(ds[0].rule, rule, ds[0].message);
  return ds[0];
}

const VS_HEAD = yaml`
  apiVersion: networking.istio.io/v1
  kind: VirtualService
  metadata:
    name: reviews
  spec:
    hosts: [reviews]
`;

describe('Istio', () => {
  test('a valid VirtualService has no diagnostics', () => {
    const text = VS_HEAD + yaml`
      http:
      - match:
        - uri:
            prefix: /api
          headers:
            end-user:
              exact: jason
        route:
        - destination:
            host: reviews
            subset: v2
          weight: 90
        - destination:
            host: reviews
            subset: v1
          weight: 10
        timeout: 5s
        retries:
          attempts: 3
          perTryTimeout: 2s
    `.replace(/^/gm, '  ');
    assert.deepEqual(lint(text).map((d) => d.message), []);
  });

  test('unknown field: error on the key, did-you-mean, and a rename fix that removes it', () => {
    const text = VS_HEAD + '  http:\n  - timout: 5s\n    route:\n    - destination:\n        host: reviews\n';
    const d = only(text, 'schema/unknown-field');
    assert.equal(covered(text, d), 'timout');
    assert.match(d.message, /Did you mean "timeout"\?/);
    assert.equal(d.fixes?.[0].title, 'Rename "timout" to "timeout"');
    const fixed = applyEdits(text, d.fixes![0].edits);
    assert.match(fixed, /- timeout: 5s/);
    assert.deepEqual(lint(fixed), []);
  });

  test('enum: value outside the allowed list names the allowed values and fixes to the nearest', () => {
    const text = yaml`
      apiVersion: security.istio.io/v1
      kind: PeerAuthentication
      metadata:
        name: default
      spec:
        mtls:
          mode: STRICTT
    `;
    const d = only(text, 'schema/enum');
    assert.equal(covered(text, d), 'STRICTT');
    assert.match(d.message, /Allowed: UNSET, DISABLE, PERMISSIVE, STRICT/);
    assert.deepEqual(lint(applyEdits(text, d.fixes![0].edits)), []);
  });

  test('type: a string where an integer belongs', () => {
    const text = VS_HEAD + '  http:\n  - route:\n    - destination:\n        host: reviews\n      weight: ninety\n';
    const d = only(text, 'schema/type');
    assert.equal(covered(text, d), 'ninety');
    assert.match(d.message, /Expected an integer/);
  });

  test('type: a quoted number gets a fix that unquotes it', () => {
    const text = VS_HEAD + '  http:\n  - route:\n    - destination:\n        host: reviews\n      weight: "90"\n';
    const d = only(text, 'schema/type');
    assert.deepEqual(lint(applyEdits(text, d.fixes![0].edits)), []);
  });

  test('required: missing host is reported on the destination key, and the fix adds it', () => {
    const text = VS_HEAD + '  http:\n  - route:\n    - destination:\n        subset: v1\n';
    const d = only(text, 'schema/required');
    assert.equal(covered(text, d), 'destination');
    assert.match(d.message, /Missing required field "host"/);
    const fixed = applyEdits(text, d.fixes![0].edits);
    assert.match(fixed, /subset: v1\n {8}host: /);
  });

  test('oneOf: two match kinds in one StringMatch are explained in words', () => {
    const text = VS_HEAD + '  http:\n  - match:\n    - uri:\n        exact: /a\n        prefix: /b\n    route:\n    - destination:\n        host: reviews\n';
    const d = only(text, 'schema/one-of');
    assert.equal(covered(text, d), 'uri');
    assert.match(d.message, /at most one of "exact", "prefix" or "regex".*found "exact" and "prefix"/);
    assert.doesNotMatch(d.message, /matches multiple schemas/i);
  });

  test('CEL: a timeout below 1ms fails the CRD rule, reported at the field', () => {
    const text = VS_HEAD + '  http:\n  - timeout: 0.5ms\n    route:\n    - destination:\n        host: reviews\n';
    const d = only(text, 'schema/cel');
    assert.equal(covered(text, d), 'timeout');
    assert.match(d.message, /duration/);
  });

  test('unknown apiVersion for a known kind, with a fix to the current version', () => {
    const text = VS_HEAD.replace('networking.istio.io/v1', 'networking.istio.io/v2');
    const d = only(text, 'schema/unknown-version');
    assert.equal(covered(text, d), 'networking.istio.io/v2');
    assert.match(d.message, /Served versions: v1, v1beta1, v1alpha3/);
    assert.deepEqual(lint(applyEdits(text, d.fixes![0].edits)), []);
  });

  test('older served Istio versions get an informational note with a fix', () => {
    const text = VS_HEAD.replace('networking.istio.io/v1', 'networking.istio.io/v1alpha3');
    const ds = lint(text);
    assert.equal(ds.length, 1);
    assert.equal(ds[0].rule, 'schema/superseded-version');
    assert.equal(ds[0].severity, 'info');
  });

  test('unknown kind in a mesh group suggests the nearest kind', () => {
    const text = VS_HEAD.replace('kind: VirtualService', 'kind: VirtualServce');
    const d = only(text, 'schema/unknown-kind');
    assert.equal(covered(text, d), 'VirtualServce');
    assert.match(d.message, /Did you mean "VirtualService"/);
  });

  test('metadata is checked as ObjectMeta', () => {
    const text = VS_HEAD.replace('  name: reviews', '  name: reviews\n  lables:\n    app: x');
    const d = only(text, 'schema/unknown-field');
    assert.match(d.message, /Did you mean "labels"/);
  });
});

describe('YAML', () => {
  test('syntax errors are reported with a position', () => {
    const text = VS_HEAD + '  http:\n  - route: [\n';
    const ds = lint(text);
    assert.ok(ds.length >= 1);
    assert.ok(ds.every((d) => d.rule === 'yaml/syntax'));
  });

  test('duplicate keys are reported on the second key', () => {
    const text = VS_HEAD + '  hosts: [ratings]\n';
    const d = only(text, 'yaml/duplicate-key');
    assert.equal(d.range.start.line, 6);
  });

  test('documents that are not mesh resources are left alone', () => {
    const text = yaml`
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
      spec:
        replics: 3
        timout: x
    `;
    assert.deepEqual(lint(text), []);
  });

  test('each --- document is checked on its own, at the right lines', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n---\n' + VS_HEAD + '  foo: 1\n';
    const d = only(text, 'schema/unknown-field');
    assert.equal(d.range.start.line, 11);
    assert.equal(d.resource.kind, 'VirtualService');
    assert.equal(d.resource.name, 'reviews');
  });
});

describe('Linkerd', () => {
  test('deprecated version: warning naming the current version, and a fix to it', () => {
    const text = yaml`
      apiVersion: policy.linkerd.io/v1beta1
      kind: Server
      metadata:
        name: web-http
      spec:
        podSelector:
          matchLabels:
            app: web
        port: http
    `;
    const ds = lint(text);
    const d = ds.find((x) => x.rule === 'schema/deprecated-version');
    assert.ok(d, JSON.stringify(ds));
    assert.equal(d.severity, 'warning');
    assert.match(d.message, /use policy\.linkerd\.io\/v1beta3/);
    const fixed = applyEdits(text, d.fixes![0].edits);
    assert.match(fixed, /policy\.linkerd\.io\/v1beta3/);
    assert.deepEqual(lint(fixed), []);
  });

  test('Server needs exactly one of podSelector and externalWorkloadSelector', () => {
    const text = yaml`
      apiVersion: policy.linkerd.io/v1beta3
      kind: Server
      metadata:
        name: web-http
      spec:
        port: 8080
    `;
    const d = only(text, 'schema/one-of');
    assert.match(d.message, /exactly one of "podSelector" or "externalWorkloadSelector"; none is set/);
    assert.equal(covered(text, d), 'spec');
  });
});

describe('Gateway API', () => {
  test('HTTPRoute weight below its minimum is a range error on the value', () => {
    const text = yaml`
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata:
        name: web
      spec:
        parentRefs:
        - name: gw
        rules:
        - backendRefs:
          - name: web
            port: 80
            weight: -1
    `;
    const d = only(text, 'schema/range');
    assert.equal(covered(text, d), '-1');
  });

  test('hostnames must match the hostname pattern', () => {
    const text = yaml`
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata:
        name: web
      spec:
        hostnames:
        - "Bad_Host!"
    `;
    const d = only(text, 'schema/pattern');
    assert.equal(covered(text, d), '"Bad_Host!"');
  });

  test('a CEL rule of the Gateway API (ReplacePrefixMatch needs a PathPrefix match) is evaluated', () => {
    const text = yaml`
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata:
        name: web
      spec:
        rules:
        - matches:
          - path:
              type: Exact
              value: /foo
          filters:
          - type: URLRewrite
            urlRewrite:
              path:
                type: ReplacePrefixMatch
                replacePrefixMatch: /bar
    `;
    const ds = lint(text);
    assert.ok(ds.some((d) => d.rule === 'schema/cel'), JSON.stringify(ds.map((d) => [d.rule, d.message])));
  });
});

describe('SMI', () => {
  test('TrafficSplit unknown field', () => {
    const text = yaml`
      apiVersion: split.smi-spec.io/v1alpha2
      kind: TrafficSplit
      metadata:
        name: canary
      spec:
        service: web
        backends:
        - service: web-v1
          weight: 90
        - servce: web-v2
          weight: 10
    `;
    const ds = lint(text).filter((d) => d.rule === 'schema/unknown-field');
    assert.equal(ds.length, 1);
    assert.match(ds[0].message, /Did you mean "service"/);
  });
});

test('a syntax error that hides the head from the parser is still reported for a mesh document', () => {
  const text = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nspec:\n  hosts: ["a\n  http: ]\n';
  const ds = lint(text);
  assert.ok(ds.length >= 1);
  assert.ok(ds.every((d) => d.rule === 'yaml/syntax'));
});

test('YAML merge keys are expanded as kubectl does', () => {
  const text = yaml`
    apiVersion: networking.istio.io/v1
    kind: DestinationRule
    metadata:
      name: reviews
    spec:
      <<: &base
        host: reviews
      subsets:
      - name: v1
        labels: {version: v1}
  `;
  assert.deepEqual(lint(text), []);
  const bad = text.replace('host: reviews', 'hots: reviews');
  assert.deepEqual(lint(bad).map((d) => d.rule).sort(), ['schema/required', 'schema/unknown-field']);
});

describe('CEL rules run as the API server runs them', () => {
  const GATEWAY = yaml`
    apiVersion: gateway.networking.k8s.io/v1
    kind: Gateway
    metadata:
      name: edge
    spec:
      gatewayClassName: istio
      listeners:
      - name: http
        protocol: HTTP
        port: 80
        tls:
          mode: Terminate
          certificateRefs:
          - name: edge-cert
      - name: https
        protocol: HTTPS
        port: 443
        hostname: shop.example.com
        tls:
          mode: Terminate
  `;

  test('a failed CEL rule of a child does not hide the rules of its parent', () => {
    const ds = lint(GATEWAY);
    assert.deepEqual(
      ds.map((d) => [d.rule, d.message, covered(GATEWAY, d)]),
      [
        ['schema/cel', 'certificateRefs or options must be specified when mode is Terminate', 'tls'],
        ['schema/cel', "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']", 'listeners'],
      ],
    );
    assert.equal(ds[0].range.start.line, 18, 'the HTTPS listener tls');
  });

  const SERVICE_ENTRY = yaml`
    apiVersion: networking.istio.io/v1
    kind: ServiceEntry
    metadata:
      name: external
    spec:
      hosts: ["*"]
      ports:
      - number: 80
        name: http
        protocol: HTTP
      - number: 80
        name: http-alt
        protocol: HTTP
      resolution: DNS_ROUND_ROBIN
      endpoints:
      - address: a.example.com
      - address: b.example.com
      workloadSelector:
        labels:
          app: external
  `;

  test('every failed rule of a ServiceEntry is reported at once, child rules and spec rules', () => {
    const ds = lint(SERVICE_ENTRY);
    assert.deepEqual(ds.map((d) => d.message).sort(), [
      'DNS_ROUND_ROBIN mode cannot have multiple endpoints',
      'hostname cannot be wildcard',
      'only one of WorkloadSelector or Endpoints can be set',
      'port number cannot be duplicated',
    ]);
    assert.ok(ds.every((d) => d.rule === 'schema/cel'));
    assert.equal(covered(SERVICE_ENTRY, ds.find((d) => d.message.startsWith('hostname'))!), '"*"');
    assert.equal(covered(SERVICE_ENTRY, ds.find((d) => d.message.startsWith('port number'))!), 'ports');
    assert.equal(covered(SERVICE_ENTRY, ds.find((d) => d.message.startsWith('only one'))!), 'spec');
  });

  test('an unknown field, a pattern or a uniqueness failure below still lets the rules run', () => {
    const text = SERVICE_ENTRY.replace('  hosts: ["*"]', '  hosts: ["api.example.com"]\n  exportTo: [".", "."]\n  subjectAltNames: []\n  lables: {}');
    const ds = lint(text);
    assert.ok(ds.some((d) => d.rule === 'schema/unknown-field'), JSON.stringify(ds.map((d) => d.message)));
    assert.ok(ds.some((d) => d.message === 'only one of WorkloadSelector or Endpoints can be set'));
    assert.ok(ds.some((d) => d.message === 'DNS_ROUND_ROBIN mode cannot have multiple endpoints'));
  });

  test('a blocking problem below (enum, type, required, too long) skips the rules above it, not those beside it', () => {
    // resolution outside its enum: the API server evaluates no rule of spec
    const badEnum = SERVICE_ENTRY.replace('DNS_ROUND_ROBIN', 'DNS_ROUND_ROBN');
    assert.deepEqual(
      lint(badEnum).map((d) => d.rule === 'schema/cel' ? d.message : d.rule).sort(),
      ['hostname cannot be wildcard', 'port number cannot be duplicated', 'schema/enum'],
    );
    // a port number that is a string: the ports rule and the spec rules wait; the hosts rule runs
    const badType = SERVICE_ENTRY.replace('- number: 80\n    name: http-alt', '- number: eighty\n    name: http-alt');
    assert.deepEqual(lint(badType).map((d) => d.rule === 'schema/cel' ? d.message : d.rule).sort(), ['hostname cannot be wildcard', 'schema/type']);
    // a required field missing in a listener skips the listeners rules
    const noPort = GATEWAY.replace('    port: 80\n', '');
    assert.deepEqual(lint(noPort).map((d) => d.rule === 'schema/cel' ? d.message : d.rule).sort(), ['certificateRefs or options must be specified when mode is Terminate', 'schema/required']);
    // once the blocking problem is fixed, the rules are back
    assert.equal(lint(SERVICE_ENTRY).length, 4);
  });

  test('the rules see the object as the API server does: unknown fields pruned, defaults filled in', () => {
    const schema: SchemaNode = {
      type: 'object',
      additionalProperties: false,
      properties: {
        mode: { type: 'string', default: 'Terminate' },
        refs: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { name: { type: 'string' } } } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
    };
    const value = { refs: [{ name: 'a', nmae: 'b' }], typo: 1, free: { anything: 1 }, labels: { app: 'x' } };
    assert.deepEqual(apiServerView(value, schema, 0), { refs: [{ name: 'a' }], free: { anything: 1 }, labels: { app: 'x' }, mode: 'Terminate' });
  });
});

describe('formats inside oneOf/anyOf branches', () => {
  const gateway = (addresses: string): string =>
    yaml`
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata:
        name: edge
      spec:
        gatewayClassName: istio
        listeners:
        - name: http
          protocol: HTTP
          port: 80
        addresses:
    ` + addresses;

  test('an IPAddress that is not an IP address is explained in words, on the value', () => {
    const text = gateway('  - type: IPAddress\n    value: not-an-ip\n');
    const d = only(text, 'schema/format');
    assert.equal(covered(text, d), 'not-an-ip');
    assert.match(d.message, /^"value" must be an IPv4 or IPv6 address when "type" is IPAddress/);
    assert.doesNotMatch(d.message, /more than one|multiple schemas|allowed forms/);
  });

  test('the type defaults to IPAddress, as the API server defaults it', () => {
    const bad = gateway('  - value: 10.0.0.300\n');
    assert.equal(covered(bad, only(bad, 'schema/format')), '10.0.0.300');
    assert.deepEqual(lint(gateway('  - value: 10.0.0.3\n')), []);
  });

  test('valid addresses of every type pass', () => {
    const text = gateway('  - type: IPAddress\n    value: 10.1.2.3\n  - type: IPAddress\n    value: "2001:db8::1"\n  - type: Hostname\n    value: gw.example.com\n  - type: example.com/vip\n    value: anything\n');
    assert.deepEqual(lint(text), []);
    const v6 = gateway('  - type: IPAddress\n    value: ":::1"\n');
    assert.match(only(v6, 'schema/format').message, /IPv4 or IPv6/);
  });
});

describe('apiVersions that would make a document silently ignored', () => {
  const vs = (apiVersion: string): string => yaml`
    apiVersion: ${apiVersion}
    kind: VirtualService
    metadata:
      name: reviews
    spec:
      hosts: [reviews]
      http:
      - route:
        - destination:
            host: reviews
  `;

  test('a mesh group without a version: error on apiVersion, fix to the current version, and the body is still checked', () => {
    const text = vs('networking.istio.io').replace('- route:', '- timout: 5s\n    route:');
    const ds = lint(text);
    assert.deepEqual(ds.map((d) => d.rule), ['schema/unknown-version', 'schema/unknown-field'], JSON.stringify(ds.map((d) => d.message)));
    assert.equal(covered(text, ds[0]), 'networking.istio.io');
    assert.match(ds[0].message, /has no version.*networking\.istio\.io\/v1/);
    const fixed = applyEdits(text, ds[0].fixes![0].edits);
    assert.match(fixed, /^apiVersion: networking\.istio\.io\/v1\n/);
    assert.deepEqual(lint(fixed).map((d) => d.rule), ['schema/unknown-field']);
    assert.equal(only(vs('networking.istio.io/'), 'schema/unknown-version').fixes?.[0].title, 'Change to networking.istio.io/v1');
  });

  for (const apiVersion of ['v1', 'networking.k8s.io/v1', 'istio.io/v1', 'security.istio.io/v1', 'networking.istio.oi/v1']) {
    test(`a kind only a mesh group defines, under ${apiVersion}: error on apiVersion with a fix to its group`, () => {
      const text = vs(apiVersion);
      const d = only(text, 'schema/wrong-api-group');
      assert.equal(covered(text, d), apiVersion);
      assert.match(d.message, /has no kind VirtualService.*Istio kind, served at networking\.istio\.io\/v1/);
      assert.deepEqual(d.fixes?.map((f) => [f.title, f.preferred]), [['Change to networking.istio.io/v1', true]]);
      assert.deepEqual(lint(applyEdits(text, d.fixes![0].edits)), []);
    });
  }

  test('the body of a misplaced kind is checked as that kind', () => {
    const text = vs('v1').replace('hosts: [reviews]', 'hots: [reviews]');
    assert.deepEqual(lint(text).map((d) => d.rule).sort(), ['schema/unknown-field', 'schema/wrong-api-group']);
  });

  test('a kind of two mesh groups offers both, Gateway API first, none preferred', () => {
    const text = 'apiVersion: networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: web\n';
    const d = only(text, 'schema/wrong-api-group');
    assert.match(d.message, /gateway\.networking\.k8s\.io\/v1 \(Gateway API\) or policy\.linkerd\.io\/v1beta3 \(Linkerd\)/);
    assert.deepEqual(d.fixes?.map((f) => [f.title, f.preferred]), [
      ['Change to gateway.networking.k8s.io/v1', false],
      ['Change to policy.linkerd.io/v1beta3', false],
    ]);
    const gw = only('apiVersion: v1\nkind: Gateway\nmetadata:\n  name: edge\n', 'schema/wrong-api-group');
    assert.deepEqual(gw.fixes?.map((f) => f.title), ['Change to gateway.networking.k8s.io/v1', 'Change to networking.istio.io/v1']);
  });

  test('a mesh family group with no kinds never prints an empty list', () => {
    const text = 'apiVersion: istio.io/v1\nkind: Widget\nmetadata:\n  name: x\n';
    const d = only(text, 'schema/unknown-kind');
    assert.doesNotMatch(d.message, /Known kinds: \./);
    assert.match(d.message, /istio\.io has no kind "Widget".*networking\.istio\.io/);
  });

  test('plain Kubernetes objects and other groups are still left alone', () => {
    for (const [apiVersion, kind] of [
      ['v1', 'Service'],
      ['apps/v1', 'Deployment'],
      ['networking.k8s.io/v1', 'Ingress'],
      ['example.com/v1', 'Server'],
      ['networking.x-k8s.io/v1alpha1', 'HTTPRoute'],
      ['cert-manager.io/v1', 'Certificate'],
    ]) {
      assert.deepEqual(lint(`apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: x\nspec:\n  nonsense: 1\n`), [], `${apiVersion} ${kind}`);
    }
  });

  test('a workspace CRD that defines a kind named like a Kubernetes kind does not make that kind a mesh kind', () => {
    const reg = new SchemaRegistry(SCHEMAS);
    const crd = (kind: string) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${kind.toLowerCase()}s.extra.istio.io` },
      spec: { group: 'extra.istio.io', names: { kind, plural: `${kind.toLowerCase()}s` }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
    });
    reg.setCrdSource('file:///crds.yaml', [crd('Service'), crd('Widget')]);
    assert.deepEqual(fileDiagnostics(reg, file('apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n')), []);
    assert.deepEqual(fileDiagnostics(reg, file('apiVersion: v1\nkind: Widget\nmetadata:\n  name: x\n')).map((d) => d.rule), ['schema/wrong-api-group']);
  });
});

test('a deprecated version: our message names the version the fix moves to, never another deprecated one', () => {
  const text = yaml`
    apiVersion: policy.linkerd.io/v1alpha1
    kind: Server
    metadata:
      name: web-http
    spec:
      podSelector:
        matchLabels:
          app: web
      port: http
  `;
  const d = lint(text).find((x) => x.rule === 'schema/deprecated-version')!;
  assert.ok(d);
  assert.equal(d.message, 'policy.linkerd.io/v1alpha1 Server is deprecated: use policy.linkerd.io/v1beta3, the current version.');
  assert.equal(d.fixes?.[0].title, 'Change to policy.linkerd.io/v1beta3');
  const sa = lint('apiVersion: policy.linkerd.io/v1alpha1\nkind: ServerAuthorization\nmetadata:\n  name: a\nspec:\n  server:\n    name: web-http\n  client:\n    unauthenticated: true\n');
  assert.match(sa.find((x) => x.rule === 'schema/deprecated-version')!.message, /use policy\.linkerd\.io\/v1beta1, the current version/);
});
