/**
 * The apply flow of client/src/kube against the fake API server (a test double): plan (dry run),
 * diff, ordering, apply, and every error a user must understand. Every message and log line is
 * captured and, at the end, scanned for the kubeconfig's credentials.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  confirmationFor,
  executeApply,
  KubeError,
  listNamespaces,
  loadKubeconfig,
  onlyConflicts,
  planApply,
  planDiffDocuments,
  planLines,
  type ApplyReport,
  type KubeConnection,
  type Plan,
} from '../../client/src/kube';
import type { FakeApiServer } from './fake-apiserver';
import { capture, captureLogger, cleanupTmp, connectTo, DR, produced, resources, startFake, tmpDir, VS, writeKubeconfig, y } from './helpers';
import { makeTestPki } from './tls';

const FM = 'mesh-yaml';

function record(p: Plan): Plan {
  capture(...planLines(p), ...p.errors.map((e) => e.message), ...p.entries.map((e) => e.error?.message), ...p.entries.flatMap((e) => e.diagnostics.map((d) => d.message)));
  const d = planDiffDocuments(p, true);
  capture(d.left, d.right);
  return p;
}
function recordReport(r: ApplyReport): ApplyReport {
  capture(r.summary, ...r.lines);
  return r;
}
async function plan(conn: KubeConnection, text: string, opts: { force?: boolean; signal?: AbortSignal } = {}): Promise<Plan> {
  return record(await planApply(conn, resources(text), { fieldManager: FM, ...opts }));
}
async function rejects(p: Promise<unknown>): Promise<KubeError> {
  try {
    await p;
  } catch (e) {
    capture((e as Error).message);
    return e as KubeError;
  }
  assert.fail('expected a rejection');
}

let fake: FakeApiServer;
let conn: KubeConnection;
before(async () => {
  fake = await startFake();
  conn = await connectTo(fake);
});
after(async () => {
  await fake.close();
  cleanupTmp();
});

describe('plan: server-side dry run of everything, then a diff', () => {
  test('new resources are "create"; requests are SSA dry runs with our field manager; nothing is written', async () => {
    const p = await plan(conn, `${VS}---\n${DR}`);
    assert.equal(p.ok, true);
    // DestinationRule (with its subsets) before the VirtualService that uses them
    assert.deepEqual(p.entries.map((e) => `${e.action} ${e.ref.kind} ${e.ref.namespace}/${e.ref.name}`), ['create DestinationRule default/reviews', 'create VirtualService default/reviews']);
    const patches = fake.requests.filter((r) => r.method === 'PATCH');
    assert.equal(patches.length, 2);
    for (const r of patches) {
      assert.equal(r.contentType, 'application/apply-patch+yaml');
      assert.deepEqual(r.query, { fieldManager: FM, dryRun: 'All' });
      assert.equal(r.authorized, true);
    }
    assert.equal(fake.get('networking.istio.io', 'virtualservices', 'default', 'reviews'), undefined);
    const e = p.entries[1];
    assert.equal(e.before, '');
    assert.match(e.after, /subset: v1/);
    for (const stripped of ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'status']) assert.ok(!e.after.includes(stripped), stripped);
    const docs = planDiffDocuments(p);
    assert.equal(docs.shown, 2);
    assert.match(docs.left, /# VirtualService default\/reviews \(networking\.istio\.io\/v1\): create\n# \(not in the cluster\)/);
    assert.match(docs.right, /# VirtualService default\/reviews \(networking\.istio\.io\/v1\): create\napiVersion: networking\.istio\.io\/v1/);
  });

  test('apply writes in order and reports per resource; then the same files are "unchanged"', async () => {
    const p = await plan(conn, `${VS}---\n${DR}`);
    fake.requests.length = 0;
    const r = recordReport(await executeApply(conn, p));
    assert.equal(r.ok, true);
    assert.deepEqual(r.results.map((x) => `${x.outcome} ${x.entry.ref.kind}`), ['created DestinationRule', 'created VirtualService']);
    assert.equal(r.summary, 'Applied 2 resources to context "fake" (2 created, 0 configured, 0 unchanged).');
    assert.deepEqual(fake.requests.filter((x) => x.method === 'PATCH').map((x) => [x.path.split('/')[6], x.query.dryRun]), [
      ['destinationrules', undefined],
      ['virtualservices', undefined],
    ]);
    const stored = fake.get('networking.istio.io', 'virtualservices', 'default', 'reviews')!;
    assert.equal(((stored.metadata as { managedFields: { manager: string }[] }).managedFields)[0].manager, FM);
    const again = await plan(conn, `${VS}---\n${DR}`);
    assert.deepEqual(again.entries.map((e) => e.action), ['unchanged', 'unchanged']);
    assert.equal(planDiffDocuments(again).shown, 0);
    const r2 = recordReport(await executeApply(conn, again));
    assert.equal(r2.applied.length, 0);
    assert.match(r2.summary, /0 created, 0 configured, 2 unchanged/);
  });

  test('a change is "update", and the diff shows exactly it', async () => {
    const p = await plan(conn, VS.replace('subset: v1', 'subset: v2'));
    assert.equal(p.entries[0].action, 'update');
    const { before: b, after: a } = p.entries[0];
    assert.match(b, /subset: v1/);
    assert.match(a, /subset: v2/);
    assert.deepEqual(
      b.split('\n').filter((l) => !a.split('\n').includes(l)).map((l) => l.trim()),
      ['subset: v1'],
    );
    assert.match(planLines(p)[0], /^update +VirtualService default\/reviews \(\+1 -1 lines\)$/);
  });

  test('documents without a namespace get the context\'s namespace, or the one picked', async () => {
    const f = await startFake({ namespaces: ['default', 'team-a', 'team-b'] });
    try {
      const c1 = await connectTo(f, { kubeconfig: f.kubeconfig({ namespace: 'team-a' }) });
      assert.equal(c1.target.namespace, 'team-a');
      assert.equal((await plan(c1, VS)).entries[0].ref.namespace, 'team-a');
      const c2 = await connectTo(f, { kubeconfig: f.kubeconfig({ namespace: 'team-a' }), namespace: 'team-b' });
      assert.equal((await plan(c2, VS)).entries[0].ref.namespace, 'team-b');
      assert.equal((await plan(c2, VS.replace('name: reviews', 'name: reviews\n  namespace: default'))).entries[0].ref.namespace, 'default');
      // cluster-scoped: a namespace in the manifest is dropped
      const ns = await plan(c2, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-c\n  namespace: oops\n');
      assert.equal(ns.entries[0].ref.namespace, undefined);
      assert.equal((ns.entries[0].body.metadata as { namespace?: string }).namespace, undefined);
    } finally {
      await f.close();
    }
  });

  test('resources in a Namespace created by the same apply are deferred, then applied after it', async () => {
    const text = `${VS.replace('name: reviews', 'name: reviews\n  namespace: shop')}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n`;
    const p = await plan(conn, text);
    assert.equal(p.ok, true);
    assert.deepEqual(p.entries.map((e) => `${e.action} ${e.ref.kind}`), ['create Namespace', 'deferred VirtualService']);
    assert.match(p.entries[1].note!, /namespace "shop" is created by this apply first/);
    assert.match(p.entries[1].after, /namespace: shop/);
    assert.equal(confirmationFor(p.target, p.counts, []).message, 'Apply 2 resources (1 to create, 0 to update, 1 after their Namespace/CRD, 0 unchanged) to context "fake" (cluster "fake-cluster", ' + fake.url + ')?');
    const r = recordReport(await executeApply(conn, p));
    assert.equal(r.ok, true, r.summary);
    assert.ok(fake.get('networking.istio.io', 'virtualservices', 'shop', 'reviews'));
  });

  test('resources of a CRD applied in the same batch wait until the type is served', async () => {
    const crd = y`
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata:
        name: widgets.example.com
      spec:
        group: example.com
        scope: Namespaced
        names: {kind: Widget, plural: widgets}
        versions:
        - name: v1
          served: true
          storage: true
          schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
    `;
    const widget = 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n';
    const p = await plan(conn, `${widget}---\n${crd}`);
    assert.deepEqual(p.entries.map((e) => `${e.action} ${e.ref.kind}`), ['create CustomResourceDefinition', 'deferred Widget']);
    fake.crdEstablishDelayMs = 300;
    const t0 = Date.now();
    const r = recordReport(await executeApply(conn, p, { pollMs: 50 }));
    fake.crdEstablishDelayMs = 0;
    assert.equal(r.ok, true, r.summary);
    assert.ok(Date.now() - t0 >= 250);
    assert.ok(fake.get('example.com', 'widgets', 'default', 'w1'));
  });
});

describe('never partial in silence', () => {
  test('if any dry run fails, nothing is applied', async () => {
    const bad = withTimeout('bad-timeout', 'soon');
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: "1"\n---\n${bad}`;
    const p = await plan(conn, text);
    assert.equal(p.ok, false);
    assert.deepEqual(p.entries.map((e) => e.action), ['create', 'failed']);
    fake.requests.length = 0;
    const err = await rejects(executeApply(conn, p));
    assert.match(err.message, /^Nothing was applied: the dry run failed for VirtualService default\/bad-timeout/);
    assert.equal(fake.requests.length, 0);
    assert.equal(fake.get('v1', 'configmaps', 'default', 'cfg'), undefined);
  });

  test('a failure midway says exactly what was applied and what was not', async () => {
    const text = [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mid-1\n',
      DR.replace('name: reviews', 'name: mid-2'),
      VS.replace('name: reviews', 'name: mid-3'),
    ].join('---\n');
    const p = await plan(conn, text);
    assert.equal(p.ok, true);
    // the DestinationRule is refused for real (after its dry run passed): a race with someone else's change
    fake.faults.push({ method: 'PATCH', path: '/destinationrules/mid-2', dryRun: false, status: 500, message: 'etcdserver: request timed out', times: 1 });
    const r = recordReport(await executeApply(conn, p));
    assert.equal(r.ok, false);
    assert.deepEqual(r.results.map((x) => `${x.outcome} ${x.entry.ref.name}`), ['created mid-1', 'failed mid-2', 'notApplied mid-3']);
    assert.match(
      r.summary,
      /^Apply to context "fake" stopped at DestinationRule default\/mid-2: .*etcdserver: request timed out.* Applied \(1\): ConfigMap default\/mid-1\. Not applied \(2\): DestinationRule default\/mid-2, VirtualService default\/mid-3\.$/,
    );
    assert.ok(fake.get('v1', 'configmaps', 'default', 'mid-1'));
    assert.equal(fake.get('networking.istio.io', 'virtualservices', 'default', 'mid-3'), undefined);
  });

  test('deferred resources are dry-run together once their Namespace exists; one failing writes none of them', async () => {
    const ns = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: later\n';
    const good = DR.replace('name: reviews', 'name: reviews\n  namespace: later');
    const bad = y`
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata:
        name: split
        namespace: later
      spec:
        hosts: [reviews]
        http:
        - route:
          - destination: {host: reviews, subset: v1}
            weight: 50
          - destination: {host: reviews, subset: v2}
            weight: 40
    `;
    const p = await plan(conn, [bad, good, ns].join('---\n'));
    assert.deepEqual(p.entries.map((e) => `${e.action} ${e.ref.kind}`), ['create Namespace', 'deferred DestinationRule', 'deferred VirtualService']);
    fake.requests.length = 0;
    const r = recordReport(await executeApply(conn, p));
    assert.equal(r.ok, false);
    assert.deepEqual(r.results.map((x) => `${x.outcome} ${x.entry.ref.kind}`), ['created Namespace', 'notApplied DestinationRule', 'failed VirtualService']);
    assert.match(r.summary, /stopped at VirtualService later\/split: .*total destination weight 90 != 100\. Applied \(1\): Namespace later\. Not applied \(2\): VirtualService later\/split, DestinationRule later\/reviews\.$/);
    // only the Namespace was written; both deferred resources were dry-run first
    assert.deepEqual(
      fake.requests.filter((q) => q.method === 'PATCH').map((q) => `${q.path.split('/').slice(-2).join('/')} ${q.query.dryRun ?? 'write'}`),
      ['namespaces/later write', 'destinationrules/reviews All', 'virtualservices/split All'],
    );
    assert.equal(r.diagnostics[0].path, 'spec.http[0].route[0].weight');
  });

  test('cancel during the apply stops before the next resource and reports both lists', async () => {
    const text = ['a', 'b', 'c'].map((n) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cancel-${n}\n`).join('---\n');
    const p = await plan(conn, text);
    const ac = new AbortController();
    const r = recordReport(
      await executeApply(conn, p, {
        signal: ac.signal,
        onProgress: (done) => {
          if (done === 1) ac.abort();
        },
      }),
    );
    assert.equal(r.cancelled, true);
    assert.deepEqual(r.results.map((x) => x.outcome), ['created', 'notApplied', 'notApplied']);
    assert.match(r.summary, /was cancelled\. Applied \(1\): ConfigMap default\/cancel-a\. Not applied \(2\)/);
  });

  test('cancel during the dry run', async () => {
    const ac = new AbortController();
    ac.abort();
    const p = await plan(conn, VS, { signal: ac.signal });
    assert.equal(p.ok, false);
    assert.equal(p.errors[0].kind, 'cancelled');
  });
});

describe('errors a user must understand', () => {
  test('401: rejected credentials; the rest is not even tried', async () => {
    const c = await connectTo(fake, { kubeconfig: fake.kubeconfig({ token: 'wrong-token-ABCDEFGH12345' }) });
    fake.echoCredentialIn401 = true; // a proxy that quotes the credential back: must be redacted
    const p = await plan(c, `${VS}---\n${DR}`);
    fake.echoCredentialIn401 = false;
    assert.equal(p.ok, false);
    assert.equal(p.errors[0].kind, 'unauthorized');
    assert.match(p.errors[0].message, /^Unauthorized \(401\): the API server of context "fake" rejected the credentials while trying to discover API groups\. Log in again/);
    assert.deepEqual(p.entries.map((e) => e.note ?? e.action), ['failed', 'not checked']);
    assert.ok(!JSON.stringify(p.errors[0].extra).includes('wrong-token-ABCDEFGH12345'));
    assert.equal(p.errors[0].extra.serverMessage, 'Unauthorized: invalid bearer token <redacted>');
  });

  test('403: names the verb, the resource and the namespace; other resources are still checked', async () => {
    fake.forbidden.push({ verb: 'patch', plural: 'virtualservices', namespace: 'default' });
    try {
      const p = await plan(conn, `${VS}---\n${DR}`);
      const failed = p.entries.find((e) => e.action === 'failed')!;
      assert.equal(failed.error!.kind, 'forbidden');
      assert.match(
        failed.error!.message,
        /^Forbidden \(403\): the user of context "fake" may not patch virtualservices\.networking\.istio\.io "reviews" in namespace "default" \(dry run\)\. .*User "system:serviceaccount:ci:deployer" cannot patch resource "virtualservices"/,
      );
      assert.equal(p.entries.find((e) => e.ref.kind === 'DestinationRule')!.action, 'unchanged');
    } finally {
      fake.forbidden.length = 0;
    }
  });

  test('404 type not served: discovery says whether the group or the version is missing', async () => {
    const f = await startFake();
    try {
      const c = await connectTo(f, { context: 'kind-mesh', kubeconfig: f.kubeconfig({ context: 'kind-mesh' }) });
      f.unserve('networking.istio.io', ['v1']);
      let p = await plan(c, VS);
      let e = p.entries[0].error!;
      assert.equal(e.kind, 'notServed');
      assert.equal(
        e.message,
        'networking.istio.io/v1 VirtualService is not served by context "kind-mesh": networking.istio.io is served in versions v1beta1, v1alpha3 only, not v1. Is Istio installed, and which version? (v1 of this group needs Istio 1.22 or later; older releases serve v1beta1) Check with "istioctl version".',
      );
      // diagnostic on apiVersion
      assert.equal(p.entries[0].diagnostics[0].path, 'apiVersion');
      assert.equal(p.entries[0].diagnostics[0].range.start.line, 0);
      f.unserve('networking.istio.io');
      p = await plan(c, VS);
      e = p.entries[0].error!;
      assert.match(e.message, /^networking\.istio\.io\/v1 VirtualService is not served by context "kind-mesh": the API group networking\.istio\.io is not installed\. Is Istio installed, and which version\?/);
      p = await plan(c, 'apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata:\n  name: g\n');
      assert.match(p.entries[0].error!.message, /gateway\.networking\.k8s\.io\/v1 serves Gateway, HTTPRoute but not GRPCRoute\. Are the Gateway API CRDs installed/);
    } finally {
      await f.close();
    }
  });

  test('422 schema/CEL rejection: message, field path, diagnostic at the field', async () => {
    const text = withTimeout('slow', '3x');
    const p = await plan(conn, text);
    const e = p.entries[0];
    assert.equal(e.error!.kind, 'invalid');
    assert.match(e.error!.message, /^VirtualService default\/slow is invalid \(422\): VirtualService\.networking\.istio\.io "slow" is invalid: spec\.http\[0\]\.timeout: Invalid value/);
    assert.deepEqual(e.error!.fieldPaths, ['spec.http[0].timeout']);
    const d = e.diagnostics[0];
    assert.equal(d.file, '/ws/app.yaml');
    assert.equal(text.split('\n')[d.range.start.line].slice(d.range.start.character, d.range.end.character), '3x');
    assert.match(d.message, /^spec\.http\[0\]\.timeout: Invalid value: "string": must be a valid duration/);
  });

  test('Istio webhook denial (400): message shown, diagnostic at the weights it is about', async () => {
    const text = y`
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata:
        name: split
      spec:
        hosts: [reviews]
        http:
        - route:
          - destination: {host: reviews, subset: v1}
            weight: 50
          - destination: {host: reviews, subset: v2}
            weight: 40
    `;
    const p = await plan(conn, text);
    const e = p.entries[0];
    assert.equal(e.error!.kind, 'webhookDenied');
    assert.equal(e.error!.message, 'VirtualService default/split was denied by the admission webhook "validation.istio.io" (400): configuration is invalid: total destination weight 90 != 100');
    const d = e.diagnostics[0];
    assert.equal(d.path, 'spec.http[0].route[0].weight');
    assert.equal(d.range.start.line, 9);
    assert.equal(text.split('\n')[9].slice(d.range.start.character, d.range.end.character), '50');
  });

  test('409 field-manager conflict; "force" re-plans and applies with force=true', async () => {
    fake.seed(yamlObj(VS.replace('name: reviews', 'name: owned').replace('- reviews', '- reviews.other')), 'helm');
    const text = VS.replace('name: reviews', 'name: owned');
    const p = await plan(conn, text);
    assert.equal(p.ok, false);
    assert.equal(onlyConflicts(p), true);
    const err = p.entries[0].error!;
    assert.equal(err.kind, 'conflict');
    // spec.http has the same value as helm's: shared, no conflict
    assert.deepEqual(err.conflicts, [{ manager: 'helm', field: 'spec.hosts' }]);
    assert.match(err.message, /^VirtualService default\/owned: field-manager conflict \(409\): spec\.hosts \(owned by "helm"\)\. Choose "Force"/);
    assert.equal(p.entries[0].diagnostics[0].path, 'spec.hosts');
    const forced = await plan(conn, text, { force: true });
    assert.equal(forced.ok, true);
    assert.equal(forced.entries[0].action, 'update');
    assert.match(confirmationFor(forced.target, forced.counts, [], true).message, /FORCING ownership/);
    fake.requests.length = 0;
    const r = recordReport(await executeApply(conn, forced));
    assert.equal(r.ok, true);
    assert.deepEqual(fake.requests.find((x) => x.method === 'PATCH')!.query, { fieldManager: FM, force: 'true' });
    const mf = (fake.get('networking.istio.io', 'virtualservices', 'default', 'owned')!.metadata as { managedFields: { manager: string }[] }).managedFields;
    assert.deepEqual(mf.map((m) => m.manager).sort(), ['helm', FM].sort(), 'helm keeps spec.http (same value), we own spec.hosts');
  });

  test('timeouts: a slow API server is reported with the server and the time waited', async () => {
    const c = await connectTo(fake, { timeoutMs: 300 });
    fake.faults.push({ path: '/apis', delayMs: 1500, times: 1 });
    const t0 = Date.now();
    const p = await plan(c, VS);
    assert.ok(Date.now() - t0 < 1400, 'did not wait for the slow answer');
    assert.equal(p.errors[0].kind, 'timeout');
    assert.equal(
      p.errors[0].message,
      `Timed out: the API server ${fake.url} (context "fake") did not answer within 0.3s while trying to discover API groups. The cluster may be overloaded or a webhook slow; try again, or raise meshYaml.requestTimeoutSeconds.`,
    );
    // a server-side timeout (504 from a slow webhook) on one resource
    fake.faults.push({ method: 'PATCH', status: 504, body: { kind: 'Status', code: 504, reason: 'Timeout', message: 'Timeout: request did not complete within requested timeout - context deadline exceeded' }, times: 1 });
    const p2 = await plan(conn, VS);
    assert.equal(p2.entries[0].error!.kind, 'timeout');
    assert.match(p2.entries[0].error!.message, /^Timed out \(504\) on the API server of context "fake" while trying to dry-run apply/);
  });

  test('unreachable: connection refused names the server and context', async () => {
    const port = await freePort();
    const c = await connectTo(fake, { kubeconfig: fake.kubeconfig({ server: `http://127.0.0.1:${port}`, context: 'gone' }) });
    const p = await plan(c, VS);
    assert.equal(p.errors[0].kind, 'unreachable');
    assert.equal(
      p.errors[0].message,
      `Cannot reach the API server http://127.0.0.1:${port} of context "gone" (connection refused). Is the cluster running, is the VPN/tunnel up, and is this the right context?`,
    );
  });

  test('a dropped connection is reported, not hung on', async () => {
    fake.faults.push({ path: '/apis', drop: true, times: 1 });
    const c = await connectTo(fake);
    const p = await plan(c, VS);
    assert.equal(p.errors[0].kind, 'unreachable');
    assert.match(p.errors[0].message, /connection reset|socket hang up/);
  });

  test('TLS: https:// to a plain-HTTP port', async () => {
    const c = await connectTo(fake, { kubeconfig: fake.kubeconfig({ server: fake.url.replace('http:', 'https:') }) });
    const p = await plan(c, VS);
    assert.equal(p.errors[0].kind, 'tls');
    assert.match(p.errors[0].message, /^TLS failure talking to https:\/\/127\.0\.0\.1:\d+ \(context "fake"\): the server did not answer with TLS/);
  });

  test('TLS: a real HTTPS server, trusted and untrusted CA', async (t) => {
    const pki = makeTestPki();
    if (!pki) {
      t.skip('openssl not installed');
      return;
    }
    const f = await startFake({ tls: pki });
    try {
      const good = await connectTo(f);
      const ok = await plan(good, VS);
      assert.equal(ok.ok, true, planLines(ok).join('\n'));
      const bad = await connectTo(f, { kubeconfig: f.kubeconfig({ caPem: pki.otherCa }) });
      const p = await plan(bad, VS);
      assert.equal(p.errors[0].kind, 'tls');
      assert.match(p.errors[0].message, /the server's certificate is not signed by the cluster's certificate-authority in the kubeconfig/);
    } finally {
      await f.close();
    }
  });

  test('no kubeconfig, unknown context, plain HTTP without insecure-skip-tls-verify', async () => {
    const none = await rejects(loadKubeconfig({ setting: '/nonexistent/kubeconfig' }));
    assert.equal(none.kind, 'config');
    assert.match(none.message, /^No kubeconfig found at the meshYaml\.kubeconfig setting \(\/nonexistent\/kubeconfig\)/);
    const loaded = await loadKubeconfig({ setting: writeKubeconfig(fake.kubeconfig()) });
    const { connect } = await import('../../client/src/kube');
    const unknown = await rejects(connect(loaded, { contextName: 'nope' }));
    assert.match(unknown.message, /^Context "nope" is not in the kubeconfig/);
    const plain = await loadKubeconfig({ setting: writeKubeconfig(fake.kubeconfig().replace('    insecure-skip-tls-verify: true\n', '')) });
    const e = await rejects(connect(plain));
    assert.match(e.message, /uses a plain-HTTP server .* only when the cluster sets insecure-skip-tls-verify: true/);
  });
});

describe('exec credential plugins', () => {
  function plugin(body: string): string {
    const f = path.join(tmpDir(), 'cred.js');
    fs.writeFileSync(f, body);
    return ['exec:', '  apiVersion: client.authentication.k8s.io/v1', '  command: node', `  args: [${JSON.stringify(f)}]`, '  interactiveMode: Never'].join('\n');
  }
  const credential = (token: string): string =>
    `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: ${JSON.stringify(token)} } }));`;

  test('a token from an exec plugin is used, and redacted when echoed back', async () => {
    const ok = await connectTo(fake, { kubeconfig: fake.kubeconfig({ userYaml: plugin(credential(fake.token)) }) });
    assert.equal((await plan(ok, VS)).ok, true);
    const wrong = await connectTo(fake, { kubeconfig: fake.kubeconfig({ userYaml: plugin(credential('exec-issued-token-QWERTY987654')) }) });
    fake.echoCredentialIn401 = true;
    const p = await plan(wrong, VS);
    fake.echoCredentialIn401 = false;
    assert.equal(p.errors[0].kind, 'unauthorized');
    assert.equal(p.errors[0].extra.serverMessage, 'Unauthorized: invalid bearer token <redacted>');
  });

  test('a failing plugin is a credentials error naming the context and user', async () => {
    const e = await rejects(connectTo(fake, { kubeconfig: fake.kubeconfig({ userYaml: plugin("process.stderr.write('login required'); process.exit(3);") }) }));
    assert.equal(e.kind, 'credentials');
    assert.match(e.message, /^Could not get credentials for context "fake" \(user "fake-user"\): /);
  });
});

describe('namespaces for the picker', () => {
  test('lists the cluster namespaces', async () => {
    const names = await listNamespaces(conn);
    assert.ok(names.includes('default') && names.includes('istio-system'));
  });
});

describe('secrets', () => {
  test('no token, key or certificate appears in any message or log line', async () => {
    // one more run with a kubeconfig carrying a client key and certificate as well as a token
    const pki = makeTestPki();
    const keyPem = pki?.clientKey ?? '-----BEGIN PRIVATE KEY-----\nTESTKEYMATERIALnotarealkey0123456789\n-----END PRIVATE KEY-----\n';
    const certPem = pki?.ca ?? '-----BEGIN CERTIFICATE-----\nTESTCERTMATERIAL0123456789\n-----END CERTIFICATE-----\n';
    const kc = fake.kubeconfig({
      extraUserFields: `client-key-data: ${Buffer.from(keyPem).toString('base64')}\nclient-certificate-data: ${Buffer.from(certPem).toString('base64')}`,
    });
    const c = await connectTo(fake, { kubeconfig: kc });
    fake.forbidden.push({ verb: 'get', plural: 'virtualservices' });
    record(await planApply(c, resources(VS), { fieldManager: FM }));
    fake.forbidden.length = 0;
    capture(...(fake.requests.map((r) => JSON.stringify(r))));

    const secrets = [
      fake.token,
      Buffer.from(fake.token).toString('base64'),
      'wrong-token-ABCDEFGH12345',
      'exec-issued-token-QWERTY987654',
      keyPem.trim(),
      Buffer.from(keyPem).toString('base64'),
      ...keyPem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----')),
      Buffer.from(certPem).toString('base64'),
    ];
    assert.ok(produced.length > 100, `captured ${produced.length} lines`);
    const leaks = produced.filter((line) => secrets.some((s) => line.includes(s)));
    // Print nothing sensitive: count only.
    assert.equal(leaks.length, 0, `${leaks.length} captured line(s) contain a credential`);
    assert.ok(captureLogger);
  });
});

function withTimeout(name: string, timeout: string): string {
  return y`
    apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata:
      name: ${name}
    spec:
      hosts: [reviews]
      http:
      - timeout: ${timeout}
        route:
        - destination: {host: reviews}
  `;
}

function yamlObj(text: string): Record<string, unknown> {
  return resources(text)[0].object;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
