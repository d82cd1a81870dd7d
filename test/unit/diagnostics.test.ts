import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileDiagnostics, type FileDiagnostic } from '../../server/src/service/features/diagnostics';
import { applyEdits, file, registry, yaml } from './helpers';

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
  test('deprecated version: warning with the CRD message and a fix to the current version', () => {
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
