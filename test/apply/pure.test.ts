/** The pure parts of the apply flow: no server. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  apiError,
  applyOrder,
  collectFolder,
  confirmationFor,
  conflictsOf,
  diagnosticsFor,
  diffLines,
  fieldPathsOf,
  inferFieldPaths,
  isMeshApiVersion,
  kubeconfigPaths,
  KubeError,
  kindRank,
  LAST_APPLIED_ANNOTATION,
  locateField,
  maskSecrets,
  mergeManifestSets,
  parseFieldPath,
  parseManifests,
  protectedBy,
  readContextsLight,
  Redactor,
  reflectsApply,
  ROUTE_KINDS,
  SECURITY_POLICY_KINDS,
  skippedSummary,
  stripServerFields,
  transportError,
  typedConfirmationOk,
  unifiedDiff,
  writeMayHaveLanded,
  type KubeObject,
} from '../../client/src/kube';
import { cleanupTmp, tmpDir, y } from './helpers';

after(cleanupTmp);

const EP = { contextName: 'kind-mesh', server: 'https://127.0.0.1:6443' };

describe('field path to YAML range', () => {
  const text = y`
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: first
    ---
    apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata:
      name: reviews   # trailing comment
    spec:
      hosts: [reviews]
      http:
      - route:
        - destination:
            host: reviews
        timeout: 3x
      - name: second
        route:
        - destination: {host: ratings}
          weight: 90
        - destination: {host: ratings-v2}
          weight: 0
  `;
  const src = { text, docIndex: 1 };

  test('parses dotted, indexed, SSA and selector paths', () => {
    assert.deepEqual(parseFieldPath('spec.http[0].timeout'), [{ key: 'spec' }, { key: 'http' }, { index: 0 }, { key: 'timeout' }]);
    assert.deepEqual(parseFieldPath('.spec.http'), [{ key: 'spec' }, { key: 'http' }]);
    assert.deepEqual(parseFieldPath('spec.containers[name="app"].image'), [
      { key: 'spec' },
      { key: 'containers' },
      { match: { key: 'name', value: 'app' } },
      { key: 'image' },
    ]);
    assert.equal(parseFieldPath(''), undefined);
  });

  test('a scalar value is ranged itself, in the right document', () => {
    const loc = locateField(src, 'spec.http[0].timeout')!;
    assert.equal(loc.exact, true);
    const line = text.split('\n')[loc.range.start.line];
    assert.equal(line.slice(loc.range.start.character, loc.range.end.character), '3x');
    assert.equal(loc.range.start.line, 15);
  });

  test('a field holding a collection is ranged on its key; a list item on its first line', () => {
    const http = locateField(src, 'spec.http')!;
    assert.equal(text.split('\n')[http.range.start.line].slice(http.range.start.character, http.range.end.character), 'http');
    const item = locateField(src, 'spec.http[1]')!;
    assert.equal(item.range.start.line, 16);
    assert.match(text.split('\n')[16].slice(item.range.start.character, item.range.end.character), /^name: second/);
  });

  test('flow-style and selector paths', () => {
    const host = locateField(src, 'spec.http[1].route[1].destination.host')!;
    assert.equal(text.split('\n')[host.range.start.line].slice(host.range.start.character, host.range.end.character), 'ratings-v2');
    const sel = locateField(src, 'spec.http[name="second"].route[0].weight')!;
    assert.equal(sel.exact, true);
    assert.equal(text.split('\n')[sel.range.start.line].slice(sel.range.start.character, sel.range.end.character), '90');
  });

  test('a missing field falls back to the deepest ancestor, marked inexact', () => {
    const loc = locateField(src, 'spec.http[0].retries.attempts')!;
    assert.equal(loc.exact, false);
    assert.equal(loc.found, 'spec.http[0]');
    assert.equal(loc.range.start.line, 12);
  });

  test('List items are addressed by item index', () => {
    const list = y`
      apiVersion: v1
      kind: List
      items:
      - apiVersion: v1
        kind: ConfigMap
        metadata: {name: a}
        data: {x: "1"}
      - apiVersion: v1
        kind: ConfigMap
        metadata: {name: b}
        data: {x: "2"}
    `;
    const set = parseManifests(list, 'l.yaml');
    assert.deepEqual(
      set.resources.map((r) => [r.name, r.source.itemIndex, r.source.line]),
      [
        ['a', 0, 3],
        ['b', 1, 7],
      ],
    );
    const loc = locateField(set.resources[1].source, 'data.x')!;
    assert.equal(loc.range.start.line, 10);
  });

  test('Istio webhook prose is mapped to the field it is about', () => {
    const obj = parseManifests(text, 'f.yaml').resources[1].object;
    assert.deepEqual(inferFieldPaths('configuration is invalid: total destination weight 90 != 100', obj), ['spec.http[1].route[0].weight']);
    const d = diagnosticsFor({ file: 'f.yaml', text, docIndex: 1, line: 5 }, obj, 'denied: total destination weight 90 != 100', []);
    assert.equal(d.length, 1);
    assert.equal(d[0].path, 'spec.http[1].route[0].weight');
    assert.equal(d[0].range.start.line, 19);
  });

  test('an error naming no field is put on the resource name', () => {
    const obj = parseManifests(text, 'f.yaml').resources[1].object;
    const d = diagnosticsFor({ file: 'f.yaml', text, docIndex: 1, line: 5 }, obj, 'something else', []);
    assert.equal(d[0].path, undefined);
    assert.equal(text.split('\n')[d[0].range.start.line].slice(d[0].range.start.character, d[0].range.end.character), 'reviews');
  });
});

describe('error messages', () => {
  const a = { verb: 'patch', resource: 'virtualservices.networking.istio.io', namespace: 'shop', name: 'reviews', label: 'VirtualService shop/reviews', dryRun: true };

  test('422 with causes: field paths from causes and message', () => {
    const body = JSON.stringify({
      kind: 'Status',
      code: 422,
      reason: 'Invalid',
      message: 'VirtualService.networking.istio.io "reviews" is invalid: spec.http[0].timeout: Invalid value: "string": must be a valid duration',
      details: { causes: [{ reason: 'FieldValueInvalid', field: 'spec.http[0].timeout', message: 'Invalid value' }] },
    });
    const e = apiError(422, body, EP, a);
    assert.equal(e.kind, 'invalid');
    assert.deepEqual(e.fieldPaths, ['spec.http[0].timeout']);
    assert.match(e.message, /VirtualService shop\/reviews is invalid \(422\)/);
  });

  test('webhook denial recognised whatever the status code; paths in the prose are found', () => {
    for (const code of [400, 403, 422]) {
      const body = JSON.stringify({ kind: 'Status', code, message: 'admission webhook "validation.istio.io" denied the request: configuration is invalid: spec.hosts[0]: short name not allowed' });
      const e = apiError(code, body, EP, a);
      assert.equal(e.kind, 'webhookDenied', String(code));
      assert.equal(e.extra.webhook, 'validation.istio.io');
      assert.deepEqual(e.fieldPaths, ['spec.hosts[0]']);
      assert.match(e.message, /denied by the admission webhook "validation.istio.io"/);
    }
  });

  test('403 names verb, resource and namespace', () => {
    const e = apiError(403, JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'virtualservices.networking.istio.io "reviews" is forbidden: User "x" cannot patch resource' }), EP, a);
    assert.equal(e.kind, 'forbidden');
    assert.match(e.message, /may not patch virtualservices\.networking\.istio\.io "reviews" in namespace "shop"/);
    assert.match(e.message, /context "kind-mesh"/);
  });

  test('409 conflicts: managers and fields', () => {
    const status = {
      kind: 'Status',
      code: 409,
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "helm" using networking.istio.io/v1: .spec.http',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "helm" using networking.istio.io/v1', field: '.spec.http' }] },
    };
    assert.deepEqual(conflictsOf(status), [{ manager: 'helm', field: 'spec.http' }]);
    assert.deepEqual(conflictsOf({ message: status.message }), [{ manager: 'helm', field: 'spec.http' }]);
    const e = apiError(409, JSON.stringify(status), EP, a);
    assert.equal(e.kind, 'conflict');
    assert.match(e.message, /spec\.http \(owned by "helm"\)/);
    assert.match(e.message, /Force/);
  });

  test('404 for a missing namespace is told apart', () => {
    const e = apiError(404, JSON.stringify({ kind: 'Status', code: 404, message: 'namespaces "shop" not found', details: { name: 'shop', kind: 'namespaces' } }), EP, a);
    assert.equal(e.kind, 'namespaceNotFound');
    assert.match(e.message, /Namespace "shop" does not exist in context "kind-mesh"/);
  });

  test('transport errors: refused, TLS, timeout, cancel', () => {
    assert.equal(transportError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), EP, a).kind, 'unreachable');
    const tls = transportError(Object.assign(new Error('ssl3_get_record:wrong version number'), { code: 'EPROTO' }), EP, a);
    assert.equal(tls.kind, 'tls');
    assert.match(tls.message, /did not answer with TLS/);
    assert.match(transportError(Object.assign(new Error('x'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), EP, a).message, /certificate-authority/);
    const t = transportError(Object.assign(new Error('t'), { code: 'MESH_TIMEOUT' }), EP, a, 1500);
    assert.equal(t.kind, 'timeout');
    assert.match(t.message, /within 1\.5s/);
    assert.equal(transportError(Object.assign(new Error('aborted'), { name: 'AbortError' }), EP, a).kind, 'cancelled');
  });

  test('field paths are not invented from ordinary prose', () => {
    assert.deepEqual(fieldPathsOf({ message: 'the spec is invalid because of metadata' }), []);
  });
});

describe('protected contexts', () => {
  test('globs are whole-name and case-insensitive; /regex/ is a regular expression', () => {
    assert.ok(protectedBy('gke_acme_europe-west1_prod-eu', ['*prod*']));
    assert.ok(protectedBy('PROD', ['*prod*']));
    assert.equal(protectedBy('kind-mesh', ['*prod*']), undefined);
    assert.equal(protectedBy('production-like', ['prod']), undefined);
    assert.ok(protectedBy('arn:aws:eks:us-east-1:1:cluster/live', ['/cluster\\/live$/']));
    assert.equal(protectedBy('staging', ['/^prod/i', 'stag?']), undefined);
    assert.ok(protectedBy('stage', ['stag?']));
  });

  test('an invalid regular expression protects everything (fail closed)', () => {
    const m = protectedBy('kind-mesh', ['/([/']);
    assert.ok(m);
    assert.ok(m.invalid);
  });

  test('the confirmation names context, cluster and server; protected ones need the typed name', () => {
    const target = { contextName: 'prod-eu', clusterName: 'eks-prod', server: 'https://k8s.example:443', namespace: 'default' };
    const counts = { create: 2, update: 1, unchanged: 4, deferred: 0 };
    const c = confirmationFor(target, counts, ['*prod*']);
    assert.equal(c.kind, 'typeContextName');
    assert.match(c.message, /Apply 3 resources \(2 to create, 1 to update, 4 unchanged\) to context "prod-eu" \(cluster "eks-prod", https:\/\/k8s\.example:443\)/);
    if (c.kind === 'typeContextName') {
      assert.equal(c.expected, 'prod-eu');
      assert.equal(typedConfirmationOk('prod-eu', c.expected), true);
      assert.equal(typedConfirmationOk(' prod-eu ', c.expected), true);
      assert.equal(typedConfirmationOk('prod', c.expected), false);
      assert.equal(typedConfirmationOk('PROD-EU', c.expected), false);
      assert.equal(typedConfirmationOk(undefined, c.expected), false);
    }
    const k = confirmationFor({ ...target, contextName: 'kind-mesh' }, counts, ['*prod*']);
    assert.equal(k.kind, 'button');
    assert.deepEqual(k.details, []);
    assert.equal(k.firstStep, undefined);
    assert.match(confirmationFor(target, counts, [], true).message, /FORCING/);
  });

  test('resources not dry-run in advance: the confirmation says which, what stays applied if they fail, and offers step 1', () => {
    const target = { contextName: 'kind-mesh', clusterName: 'kind', server: 'https://127.0.0.1:6443', namespace: 'default' };
    const counts = { create: 2, update: 0, unchanged: 1, deferred: 2 };
    const c = confirmationFor(target, counts, [], false, {
      deferred: { unchecked: ['VirtualService shop/reviews', 'Widget default/w1'], writtenFirst: ['Namespace shop', 'CustomResourceDefinition widgets.example.com'] },
    });
    assert.match(c.message, /^Apply 4 resources \(2 to create, 0 to update, 2 not dry-run in advance, 1 unchanged\)/);
    assert.deepEqual(c.details, [
      'Not dry-run in advance, because their Namespace or CRD does not exist yet: VirtualService shop/reviews, Widget default/w1. ' +
        'They are dry-run after Namespace shop, CustomResourceDefinition widgets.example.com are applied; if that dry run fails, Namespace shop, CustomResourceDefinition widgets.example.com stay applied and nothing else is written.',
    ]);
    assert.deepEqual(c.firstStep, {
      label: 'Apply only Namespace shop, CustomResourceDefinition widgets.example.com first',
      detail: 'Step 1 of 2: writes only these. Then everything else is dry-run and shown again, and nothing more is written unless you confirm.',
    });
    const one = confirmationFor(target, counts, ['kind-*'], false, { deferred: { unchecked: ['ConfigMap shop/cfg'], writtenFirst: ['Namespace shop'] } });
    assert.equal(one.kind, 'typeContextName');
    assert.match(one.details[0], /They are dry-run after Namespace shop is applied; if that dry run fails, Namespace shop stays applied and nothing else is written\.$/);
    assert.equal(one.firstStep?.label, 'Apply only Namespace shop first');
  });

  test('files a folder apply skipped are counted and named in the confirmation', () => {
    const target = { contextName: 'kind-mesh', clusterName: 'kind', server: 'https://127.0.0.1:6443', namespace: 'default' };
    const skipped = [
      { file: 'deploy/plain.yaml', reason: 'no mesh resource' },
      { file: 'charts/t.yaml', reason: 'template ({{ }})' },
    ];
    const c = confirmationFor(target, { create: 1, update: 0, unchanged: 0, deferred: 0 }, [], false, { skipped });
    assert.deepEqual(c.details, ['2 files skipped (not applied): deploy/plain.yaml (no mesh resource), charts/t.yaml (template ({{ }})).']);
    assert.equal(skippedSummary(skipped), '2 files skipped (not applied): deploy/plain.yaml (no mesh resource), charts/t.yaml (template ({{ }})).');
    assert.equal(skippedSummary(skipped.slice(0, 1)), '1 file skipped (not applied): deploy/plain.yaml (no mesh resource).');
    const many = Array.from({ length: 12 }, (_, i) => ({ file: `f${i}.yaml`, reason: 'no mesh resource' }));
    assert.match(skippedSummary(many), /^12 files skipped \(not applied\): f0\.yaml .*f9\.yaml \(no mesh resource\), and 2 more \(listed in the output\)\.$/);
    assert.equal(skippedSummary([]), '');
  });
});

describe('apply order', () => {
  test('Namespaces and CRDs first, then plain kinds, security policies, workloads, then mesh make-before-break; ties keep file order', () => {
    const kinds = ['VirtualService', 'Deployment', 'DestinationRule', 'Namespace', 'Service', 'Unknown', 'CustomResourceDefinition', 'HTTPRoute', 'Gateway', 'ConfigMap', 'AuthorizationPolicy', 'ValidatingWebhookConfiguration', 'Namespace'];
    const sorted = applyOrder(kinds.map((kind, i) => ({ kind, i }))).map((r) => `${r.kind}${r.kind === 'Namespace' ? r.i : ''}`);
    assert.deepEqual(sorted, [
      'Namespace3',
      'Namespace12',
      'CustomResourceDefinition',
      'ConfigMap',
      'AuthorizationPolicy',
      'Service',
      'Deployment',
      'Gateway',
      'DestinationRule',
      'VirtualService',
      'HTTPRoute',
      'Unknown',
      'ValidatingWebhookConfiguration',
    ]);
  });

  test('security policies come before the workloads they protect and the routes that expose them', () => {
    const security = ['PeerAuthentication', 'RequestAuthentication', 'AuthorizationPolicy', 'ServerAuthorization', 'Server', 'MeshTLSAuthentication', 'NetworkAuthentication', 'HTTPLocalRateLimitPolicy'];
    assert.deepEqual([...SECURITY_POLICY_KINDS].sort(), [...security].sort());
    const routes = ['VirtualService', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'TrafficSplit'];
    assert.deepEqual([...ROUTE_KINDS].sort(), [...routes].sort());
    const workloads = ['Service', 'Deployment', 'StatefulSet', 'DaemonSet', 'Pod', 'Job', 'CronJob', 'Ingress'];
    const referred = ['Gateway', 'GatewayClass', 'ServiceEntry', 'DestinationRule', 'Sidecar', 'ServiceProfile', 'WorkloadEntry'];
    for (const p of security) {
      assert.ok(kindRank(p) > kindRank('Namespace') && kindRank(p) > kindRank('CustomResourceDefinition'), `${p} after Namespaces and CRDs`);
      for (const r of routes) assert.ok(kindRank(p) < kindRank(r), `${p} before ${r}`);
      for (const w of [...workloads, ...referred]) assert.ok(kindRank(p) < kindRank(w), `${p} before ${w}`);
      assert.ok(kindRank(p) > kindRank('ServiceAccount'), `${p} after the ServiceAccounts its principals name`);
    }
    // a whole Istio + Linkerd + Gateway API batch, written in the "wrong" order
    const batch = [
      'HTTPRoute',
      'VirtualService',
      'Deployment',
      'Server',
      'AuthorizationPolicy',
      'ServerAuthorization',
      'MeshTLSAuthentication',
      'RequestAuthentication',
      'PeerAuthentication',
      'Gateway',
      'Service',
      'Namespace',
    ];
    assert.deepEqual(
      applyOrder(batch.map((kind) => ({ kind }))).map((r) => r.kind),
      [
        'Namespace',
        'PeerAuthentication',
        'RequestAuthentication', // before the AuthorizationPolicies that read the JWT it checks
        'MeshTLSAuthentication', // what Linkerd policies refer to
        'AuthorizationPolicy',
        'ServerAuthorization',
        'Server', // after its authorizations: a Server without them denies traffic
        'Service',
        'Deployment',
        'Gateway',
        'VirtualService',
        'HTTPRoute',
      ],
    );
  });
});

describe('manifests', () => {
  test('documents, comments-only documents, selection by offsets', () => {
    const text = y`
      # leading comment
      apiVersion: v1
      kind: Namespace
      metadata:
        name: shop
      ---
      # only a comment
      ---
      apiVersion: networking.istio.io/v1
      kind: Gateway
      metadata:
        name: gw
        namespace: shop
    `;
    const all = parseManifests(text, 'a.yaml');
    assert.deepEqual(
      all.resources.map((r) => [r.kind, r.name, r.namespace, r.source.docIndex, r.source.line]),
      [
        ['Namespace', 'shop', undefined, 0, 1],
        ['Gateway', 'gw', 'shop', 2, 8],
      ],
    );
    const at = text.indexOf('kind: Gateway');
    assert.deepEqual(parseManifests(text, 'a.yaml', { range: [at, at] }).resources.map((r) => r.name), ['gw']);
    assert.deepEqual(parseManifests(text, 'a.yaml', { range: [text.indexOf('name: shop'), at] }).resources.map((r) => r.name), ['shop', 'gw']);
  });

  test('errors: YAML syntax, no kind, no name (generateName), all with file:line', () => {
    const bad = parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: x-\n---\nfoo: [\n---\nhello: world\n', 'b.yaml');
    assert.equal(bad.resources.length, 0);
    const msgs = bad.errors.map((e) => e.message);
    assert.match(msgs[0], /^b\.yaml:1: ConfigMap has no metadata\.name \(generateName cannot be used with server-side apply\)/);
    assert.match(msgs[1], /^b\.yaml:6: YAML error/);
    assert.match(msgs[2], /^b\.yaml:8: .*not a Kubernetes resource/);
  });

  test('mesh groups', () => {
    for (const v of ['networking.istio.io/v1', 'security.istio.io/v1beta1', 'policy.linkerd.io/v1beta3', 'gateway.networking.k8s.io/v1', 'split.smi-spec.io/v1alpha2', 'linkerd.io/v1alpha2'])
      assert.ok(isMeshApiVersion(v), v);
    for (const v of ['v1', 'apps/v1', 'networking.k8s.io/v1', 'notistio.io/v1']) assert.ok(!isMeshApiVersion(v), v);
  });

  test('a folder: mesh files whole, other YAML skipped, templates skipped, broken mesh file is an error', () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.writeFileSync(path.join(dir, 'app.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web, namespace: shop}\nspec: {hosts: [web]}\n');
    fs.writeFileSync(path.join(dir, '00-namespace.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: unrelated}\n');
    fs.writeFileSync(path.join(dir, 'sub', 'route.yml'), 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\n');
    fs.writeFileSync(path.join(dir, 'plain.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');
    fs.writeFileSync(path.join(dir, 'chart.yaml'), 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: {{ .Values.x }}}\n');
    fs.writeFileSync(path.join(dir, 'node_modules', 'x.yaml'), 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: nm}\n');
    const ok = collectFolder(dir);
    assert.deepEqual(ok.errors, []);
    // mesh files whole, plus the Namespace they need from another file
    assert.deepEqual(ok.resources.map((r) => `${r.kind}/${r.name}`), ['Service/web', 'VirtualService/web', 'HTTPRoute/r', 'Namespace/shop']);
    assert.deepEqual(ok.skipped.map((s) => `${path.basename(s.file)}: ${s.reason}`), [
      'chart.yaml: template ({{ }})',
      '00-namespace.yaml: no mesh resource (only its Namespace shop is applied)',
      'plain.yaml: no mesh resource',
    ]);
    // the folder and two of its files selected together: each document once, plain.yaml no longer "skipped"
    const both = mergeManifestSets([ok, parseManifests(fs.readFileSync(path.join(dir, 'plain.yaml'), 'utf8'), path.join(dir, 'plain.yaml')), collectFolder(path.join(dir, 'sub'))]);
    assert.deepEqual(both.resources.map((r) => `${r.kind}/${r.name}`), ['Service/web', 'VirtualService/web', 'HTTPRoute/r', 'Namespace/shop', 'ConfigMap/c']);
    assert.deepEqual(both.skipped.map((s) => path.basename(s.file)), ['chart.yaml', '00-namespace.yaml']);
    fs.writeFileSync(path.join(dir, 'broken.yaml'), 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: [\n');
    const bad = collectFolder(dir);
    assert.equal(bad.errors.length, 1);
    assert.match(bad.errors[0].message, /broken\.yaml:1: YAML error/);
  });
});

describe('diff', () => {
  test('server-managed fields are stripped; Secret values masked', () => {
    const live: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', uid: 'u', resourceVersion: '7', generation: 2, creationTimestamp: 't', managedFields: [{}], labels: { a: 'b' } },
      data: { same: 'c2FtZQ==', changed: 'b2xk' },
      status: { x: 1 },
    };
    const after: KubeObject = structuredClone(live);
    (after.data as Record<string, string>).changed = 'bmV3';
    const a = stripServerFields(live)!;
    const b = stripServerFields(after)!;
    assert.deepEqual(a.metadata, { name: 's', labels: { a: 'b' } });
    assert.equal(a.status, undefined);
    maskSecrets(a, b);
    assert.deepEqual(a.data, { same: '***', changed: '*** (before)' });
    assert.deepEqual(b.data, { same: '***', changed: '*** (after)' });
  });

  test("a Secret's last-applied-configuration annotation, and any annotation holding data/stringData, is masked", () => {
    const lastApplied = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: 'aHVudGVyMg==' }, stringData: { token: 'plain-token' } });
    const secret = (ann: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', annotations: ann }, data: { password: 'aHVudGVyMg==' } });
    const before = secret({
      [LAST_APPLIED_ANNOTATION]: lastApplied,
      'backup.example.com/copy': '{"items":[{"stringData":{"k":"v-secret"}}]}',
      'yaml.example.com/copy': 'data:\n  k: djI=\n',
      owner: 'team-a',
      'note.example.com/json': '{"replicas": 2}',
    });
    const after = secret({ [LAST_APPLIED_ANNOTATION]: lastApplied.replace('plain-token', 'new-token'), 'backup.example.com/copy': '{"items":[{"stringData":{"k":"v-secret"}}]}', owner: 'team-a', 'note.example.com/json': '{"replicas": 2}' });
    maskSecrets(before, after);
    const annB = (before.metadata as { annotations: Record<string, string> }).annotations;
    const annA = (after.metadata as { annotations: Record<string, string> }).annotations;
    assert.equal(annB[LAST_APPLIED_ANNOTATION], '*** (before)');
    assert.equal(annA[LAST_APPLIED_ANNOTATION], '*** (after)');
    assert.equal(annB['backup.example.com/copy'], '***');
    assert.equal(annA['backup.example.com/copy'], '***');
    assert.equal(annB['yaml.example.com/copy'], '*** (before)');
    assert.equal(annB.owner, 'team-a');
    assert.equal(annB['note.example.com/json'], '{"replicas": 2}');
    for (const leaked of ['aHVudGVyMg==', 'plain-token', 'new-token', 'v-secret', 'djI=']) assert.ok(!JSON.stringify([before, after]).includes(leaked), leaked);
    // only one side (a Secret to create, or one not dry-run yet)
    const alone = secret({ [LAST_APPLIED_ANNOTATION]: lastApplied });
    maskSecrets(undefined, alone);
    assert.equal((alone.metadata as { annotations: Record<string, string> }).annotations[LAST_APPLIED_ANNOTATION], '*** (after)');
    // not a Secret: nothing is masked
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: { [LAST_APPLIED_ANNOTATION]: '{"data":{"a":"1"}}' } }, data: { a: '1' } };
    maskSecrets(cm, structuredClone(cm));
    assert.equal((cm.metadata as { annotations: Record<string, string> }).annotations[LAST_APPLIED_ANNOTATION], '{"data":{"a":"1"}}');
  });

  test('unified diff with hunks; equal texts give nothing', () => {
    const a = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n';
    const b = 'a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\n';
    assert.equal(unifiedDiff(a, a, 'x', 'y'), '');
    const d = unifiedDiff(a, b, 'live', 'dry-run', 1);
    assert.equal(d, '--- live\n+++ dry-run\n@@ -3,3 +3,3 @@\n c\n-d\n+D\n e\n@@ -10,1 +10,2 @@\n j\n+k\n');
    assert.deepEqual(
      diffLines('', 'x\n').map((l) => l.op + l.text),
      ['+x'],
    );
  });
});

describe('a write that got no answer', () => {
  const a = { verb: 'patch', resource: 'virtualservices.networking.istio.io', name: 'r', namespace: 'default' };
  const net = (code: string, requestSent?: boolean): KubeError => {
    const e = transportError(Object.assign(new Error(code), { code }), EP, a, 1000);
    return new KubeError(e.kind, e.message, { ...e.extra, requestSent });
  };
  test('may have landed: timeouts and dropped connections after connecting, 504, 5xx timeouts; not: refusals and no connection', () => {
    assert.equal(writeMayHaveLanded(net('MESH_TIMEOUT', true)), true);
    assert.equal(writeMayHaveLanded(net('ECONNRESET', true)), true);
    assert.equal(writeMayHaveLanded(net('ECONNRESET')), true, 'unknown whether sent: assume it may have been');
    assert.equal(writeMayHaveLanded(net('MESH_TIMEOUT', false)), false, 'timed out while connecting');
    assert.equal(writeMayHaveLanded(net('ECONNREFUSED', false)), false);
    assert.equal(writeMayHaveLanded(apiError(504, JSON.stringify({ kind: 'Status', code: 504, reason: 'Timeout', message: 'Timeout: request did not complete' }), EP, a)), true);
    assert.equal(writeMayHaveLanded(apiError(500, JSON.stringify({ kind: 'Status', code: 500, message: 'etcdserver: request timed out' }), EP, a)), true);
    assert.equal(writeMayHaveLanded(apiError(500, JSON.stringify({ kind: 'Status', code: 500, message: 'Internal error occurred: failed calling webhook "x"' }), EP, a)), false);
    for (const code of [400, 403, 404, 409, 422]) assert.equal(writeMayHaveLanded(apiError(code, JSON.stringify({ kind: 'Status', code, message: 'no' }), EP, a)), false, String(code));
  });

  test('re-reading confirms an apply only when the object shows it', () => {
    const sent: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { a: '1', b: '2' } };
    const mf = (m: string) => ({ managedFields: [{ manager: m, operation: 'Apply' }] });
    const now = (extra: Record<string, unknown>, manager = 'mesh-yaml'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', resourceVersion: '9', ...mf(manager) }, ...extra });
    assert.equal(reflectsApply(now({ data: { a: '1', b: '2', other: 'x' } }), sent, 'mesh-yaml'), true);
    assert.equal(reflectsApply(now({ data: { a: '1' } }), sent, 'mesh-yaml'), false, 'a field missing');
    assert.equal(reflectsApply(now({ data: { a: '1', b: '2' } }, 'helm'), sent, 'mesh-yaml'), false, 'not our field manager');
    // normalised by the server: the dry run predicted the stored value
    const q: KubeObject = { ...sent, data: undefined, spec: { cpu: '1000m' } };
    assert.equal(reflectsApply(now({ spec: { cpu: '1' } }), q, 'mesh-yaml', now({ spec: { cpu: '1' } })), true);
    assert.equal(reflectsApply(now({ spec: { cpu: '2' } }), q, 'mesh-yaml', now({ spec: { cpu: '1' } })), false);
    // an update: unchanged since before is not confirmed; a field the dry run removed must be gone
    const before = now({ data: { a: '1', b: '2', gone: 'x' } });
    const expected = now({ data: { a: '1', b: '2' } });
    assert.equal(reflectsApply(structuredClone(before), sent, 'mesh-yaml', expected, before), false);
    assert.equal(reflectsApply(now({ data: { a: '1', b: '2' } }), sent, 'mesh-yaml', expected, before), true);
    // a Secret's stringData is stored as data
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { pw: 'hunter2' } };
    const stored: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', ...mf('mesh-yaml') }, data: { pw: Buffer.from('hunter2').toString('base64') } };
    assert.equal(reflectsApply(stored, secret, 'mesh-yaml'), true);
  });
});

describe('redaction', () => {
  test('known secrets, their base64, decoded PEM, Bearer values, PEM blocks, key: value pairs', () => {
    const pem = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIAbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefoAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n';
    const r = new Redactor(['s3cr3t-t0ken-value', Buffer.from(pem).toString('base64')]);
    const out = r.redact(
      [
        'token s3cr3t-t0ken-value',
        Buffer.from('s3cr3t-t0ken-value').toString('base64'),
        pem,
        'MHcCAQEEIAbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefoAoGCCqGSM49',
        'Authorization: Bearer abcdefghijklmnop',
        'client-key-data: QUJDREVGRw==',
        '{"password":"hunter22"}',
        'id-token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.abc',
        '-----BEGIN PRIVATE KEY-----\nUNKNOWNKEYMATERIAL0123456789\n-----END PRIVATE KEY-----',
      ].join('\n'),
    );
    for (const s of ['s3cr3t-t0ken-value', 'MHcCAQEE', 'UNKNOWNKEYMATERIAL', 'abcdefghijklmnop', 'QUJDREVGRw', 'hunter22', 'eyJhbGci', Buffer.from('s3cr3t-t0ken-value').toString('base64')])
      assert.ok(!out.includes(s), `${s} leaked in:\n${out}`);
    assert.match(out, /Bearer <redacted>/);
    assert.match(out, /-----BEGIN PRIVATE KEY-----<redacted>/);
    assert.match(out, /"password":"<redacted>"/);
  });

  test('ordinary text is untouched', () => {
    const r = new Redactor(['abc']); // too short to be treated as a secret
    assert.equal(r.redact('VirtualService default/reviews: abc'), 'VirtualService default/reviews: abc');
  });
});

describe('kubeconfig locations', () => {
  test('setting, then KUBECONFIG (a list), then ~/.kube/config', () => {
    const sep = path.delimiter;
    assert.deepEqual(kubeconfigPaths({ setting: '~/k1', env: { KUBECONFIG: '/a' }, homeDir: '/home/u' }), { files: ['/home/u/k1'], from: 'setting' });
    assert.deepEqual(kubeconfigPaths({ env: { KUBECONFIG: `/a${sep}${sep}/b` }, homeDir: '/h' }), { files: ['/a', '/b'], from: 'KUBECONFIG' });
    assert.deepEqual(kubeconfigPaths({ env: {}, homeDir: '/h' }), { files: ['/h/.kube/config'], from: 'default' });
  });

  test('contexts are read without client-node; first definition and first current-context win', () => {
    const dir = tmpDir();
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    fs.writeFileSync(a, 'clusters: [{name: c1, cluster: {server: "https://one"}}]\ncontexts: [{name: one, context: {cluster: c1, user: u, namespace: shop}}]\ncurrent-context: one\n');
    fs.writeFileSync(b, 'clusters: [{name: c2, cluster: {server: "https://two"}}]\ncontexts: [{name: one, context: {cluster: c2, user: u}}, {name: two, context: {cluster: c2, user: u}}]\ncurrent-context: two\n');
    const r = readContextsLight({ env: { KUBECONFIG: `${a}${path.delimiter}${b}` } });
    assert.equal(r.currentContext, 'one');
    assert.deepEqual(r.contexts, [
      { name: 'one', cluster: 'c1', user: 'u', namespace: 'shop', server: 'https://one' },
      { name: 'two', cluster: 'c2', user: 'u', namespace: undefined, server: 'https://two' },
    ]);
  });
});
