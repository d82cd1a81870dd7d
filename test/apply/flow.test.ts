/**
 * The apply flow of client/src/kube against the fake API server (a test double): plan (dry run),
 * diff, ordering, apply, writes that get no answer, deferred resources and step 1, and every error
 * a user must understand. The "secrets" test runs a whole flow of its own, through the kube layer
 * and the VS Code layer, and scans everything it wrote for credentials and Secret values.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  applyFirstStep,
  collectFolder,
  confirmationFor,
  deferredInfo,
  executeApply,
  KubeError,
  LAST_APPLIED_ANNOTATION,
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
import { loadCluster, startUi } from './fake-vscode';
import { Capture, cleanupTmp, connectTo, DR, resources, startFake, tmpDir, VS, writeKubeconfig, y } from './helpers';
import { makeTestPki } from './tls';

const FM = 'mesh-yaml';

async function plan(conn: KubeConnection, text: string, opts: { force?: boolean; signal?: AbortSignal } = {}): Promise<Plan> {
  return planApply(conn, resources(text), { fieldManager: FM, ...opts });
}
async function rejects(p: Promise<unknown>): Promise<KubeError> {
  try {
    await p;
  } catch (e) {
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
    const r = await executeApply(conn, p);
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
    const r2 = await executeApply(conn, again);
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
    const c = confirmationFor(p.target, p.counts, [], false, { deferred: deferredInfo(p) });
    assert.equal(c.message, 'Apply 2 resources (1 to create, 0 to update, 1 not dry-run in advance, 0 unchanged) to context "fake" (cluster "fake-cluster", ' + fake.url + ')?');
    assert.match(c.details[0], /^Not dry-run in advance, because their Namespace or CRD does not exist yet: VirtualService shop\/reviews\. They are dry-run after Namespace shop is applied; if that dry run fails, Namespace shop stays applied and nothing else is written\.$/);
    assert.equal(c.firstStep?.label, 'Apply only Namespace shop first');
    const r = await executeApply(conn, p);
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
    const r = await executeApply(conn, p, { pollMs: 50 });
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
    // the DestinationRule is refused for real (after its dry run passed): istiod went away in between
    fake.faults.push({ method: 'PATCH', path: '/destinationrules/mid-2', dryRun: false, status: 500, message: 'Internal error occurred: failed calling webhook "validation.istio.io": no endpoints available', times: 1 });
    const r = await executeApply(conn, p);
    assert.equal(r.ok, false);
    assert.deepEqual(r.results.map((x) => `${x.outcome} ${x.entry.ref.name}`), ['created mid-1', 'failed mid-2', 'notApplied mid-3']);
    assert.match(
      r.summary,
      /^Apply to context "fake" stopped at DestinationRule default\/mid-2: .*failed calling webhook.* Applied \(1\): ConfigMap default\/mid-1\. Not applied \(2\): DestinationRule default\/mid-2, VirtualService default\/mid-3\.$/,
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
    const r = await executeApply(conn, p);
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

  test('deferred resources are dry-run right after the Namespaces/CRDs: when one fails, only those stay applied', async () => {
    const ns = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: later2\n';
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: early-cm\ndata:\n  a: "1"\n';
    const bad = y`
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata:
        name: split
        namespace: later2
      spec:
        hosts: [reviews]
        http:
        - route:
          - destination: {host: reviews, subset: v1}
            weight: 50
          - destination: {host: reviews, subset: v2}
            weight: 40
    `;
    const p = await plan(conn, [bad, cm, ns].join('---\n'));
    assert.deepEqual(p.entries.map((e) => `${e.action} ${e.ref.kind}`), ['create Namespace', 'create ConfigMap', 'deferred VirtualService']);
    assert.deepEqual(deferredInfo(p), { unchecked: ['VirtualService later2/split'], writtenFirst: ['Namespace later2'] });
    fake.requests.length = 0;
    const r = await executeApply(conn, p);
    assert.deepEqual(r.results.map((x) => `${x.outcome} ${x.entry.ref.kind}`), ['created Namespace', 'notApplied ConfigMap', 'failed VirtualService']);
    // what the confirmation said would stay applied is exactly what was written
    assert.deepEqual(r.applied.map((e) => `${e.ref.kind} ${e.ref.name}`), ['Namespace later2']);
    assert.deepEqual(
      fake.requests.filter((q) => q.method === 'PATCH' && !q.query.dryRun).map((q) => q.path.split('/').slice(-2).join('/')),
      ['namespaces/later2'],
    );
    assert.equal(fake.get('v1', 'configmaps', 'default', 'early-cm'), undefined);
    assert.match(r.summary, /Applied \(1\): Namespace later2\. Not applied \(2\): VirtualService later2\/split, ConfigMap default\/early-cm\.$/);
  });

  test('step 1 writes only the Namespaces/CRDs and waits for the CRD; the new dry run has nothing deferred; then the rest', async () => {
    const ns = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: step-ns\n';
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: step-cm\ndata:\n  a: "1"\n';
    const dr = DR.replace('name: reviews', 'name: reviews\n  namespace: step-ns');
    const crd = y`
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata:
        name: gadgets.example.com
      spec:
        group: example.com
        scope: Namespaced
        names: {kind: Gadget, plural: gadgets}
        versions:
        - name: v1
          served: true
          storage: true
          schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
    `;
    const gadget = 'apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g1\nspec:\n  size: 1\n';
    const text = [gadget, dr, cm, crd, ns].join('---\n');
    const p = await plan(conn, text);
    assert.deepEqual(p.entries.map((e) => `${e.action} ${e.ref.kind}`), ['create Namespace', 'create CustomResourceDefinition', 'create ConfigMap', 'deferred DestinationRule', 'deferred Gadget']);
    fake.crdEstablishDelayMs = 200;
    fake.requests.length = 0;
    const step = await applyFirstStep(conn, p, { pollMs: 50 });
    fake.crdEstablishDelayMs = 0;
    assert.equal(step.ok, true, step.summary);
    assert.equal(step.step, 'first');
    assert.equal(
      step.summary,
      'Step 1 done: applied Namespace step-ns, CustomResourceDefinition gadgets.example.com to context "fake". Nothing else was written; the other 3 resources are dry-run again next, with a new confirmation.',
    );
    assert.deepEqual(
      fake.requests.filter((q) => q.method === 'PATCH').map((q) => `${q.path.split('/').slice(-2).join('/')} ${q.query.dryRun ?? 'write'}`),
      ['namespaces/step-ns write', 'customresourcedefinitions/gadgets.example.com write'],
    );
    assert.equal(fake.get('v1', 'configmaps', 'default', 'step-cm'), undefined);
    // the type is served by the time step 1 returns
    assert.ok(fake.types.some((t) => t.kind === 'Gadget'));
    const again = await plan(conn, text);
    assert.deepEqual(again.entries.map((e) => `${e.action} ${e.ref.kind}`), [
      'unchanged Namespace',
      'unchanged CustomResourceDefinition',
      'create ConfigMap',
      'create DestinationRule',
      'create Gadget',
    ]);
    assert.equal(deferredInfo(again), undefined);
    assert.equal(confirmationFor(again.target, again.counts, [], false, { deferred: deferredInfo(again) }).firstStep, undefined);
    const r = await executeApply(conn, again);
    assert.equal(r.ok, true, r.summary);
    assert.ok(fake.get('example.com', 'gadgets', 'default', 'g1'));
    assert.ok(fake.get('networking.istio.io', 'destinationrules', 'step-ns', 'reviews'));
  });

  test('a folder apply lists the files it skipped in the plan (output lines and diff) and in the confirmation', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'mesh.yaml'), VS.replace('name: reviews', 'name: folder-vs'));
    fs.writeFileSync(path.join(dir, 'plain.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n');
    fs.writeFileSync(path.join(dir, 'chart.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n');
    const set = collectFolder(dir);
    const skipped = set.skipped.map((sk) => ({ file: path.relative(dir, sk.file), reason: sk.reason }));
    const p = await planApply(conn, set.resources, { fieldManager: FM, skipped });
    assert.deepEqual(p.skipped, [
      { file: 'chart.yaml', reason: 'template ({{ }})' },
      { file: 'plain.yaml', reason: 'no mesh resource' },
    ]);
    assert.deepEqual(planLines(p).filter((l) => l.startsWith('skipped')), ['skipped   chart.yaml (template ({{ }}))', 'skipped   plain.yaml (no mesh resource)']);
    const docs = planDiffDocuments(p);
    const head = '# 2 files skipped (not applied): chart.yaml (template ({{ }})), plain.yaml (no mesh resource).\n';
    assert.ok(docs.left.startsWith(head) && docs.right.startsWith(head), docs.left.slice(0, 200));
    assert.deepEqual(confirmationFor(p.target, p.counts, [], false, { skipped: p.skipped }).details, [
      '2 files skipped (not applied): chart.yaml (template ({{ }})), plain.yaml (no mesh resource).',
    ]);
  });

  test('cancel during the apply stops before the next resource and reports both lists', async () => {
    const text = ['a', 'b', 'c'].map((n) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cancel-${n}\n`).join('---\n');
    const p = await plan(conn, text);
    const ac = new AbortController();
    const r = await executeApply(conn, p, {
      signal: ac.signal,
      onProgress: (done) => {
        if (done === 1) ac.abort();
      },
    });
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

describe('a write that got no answer is never reported "not applied" unless that is known', () => {
  const quick = { confirmWithinMs: 600, confirmPollMs: 100 };

  test('a write that timed out but went through: re-read, "applied (confirmed after timeout)", and the apply goes on', async () => {
    const c = await connectTo(fake, { timeoutMs: 800 });
    const text = `${VS.replace('name: reviews', 'name: slow-1')}---\n${DR.replace('name: reviews', 'name: slow-1')}`;
    const p = await plan(c, text);
    // slow-response mode: the real (not dry-run) PATCH is answered after 1.5 s, but carried out
    fake.faults.push({ method: 'PATCH', path: '/destinationrules/slow-1', dryRun: false, delayMs: 1500, times: 1 });
    fake.requests.length = 0;
    const r = await executeApply(c, p, { confirmWithinMs: 4000, confirmPollMs: 100 });
    assert.equal(r.ok, true, r.summary);
    assert.deepEqual(r.results.map((x) => [x.outcome, x.entry.ref.kind, x.confirmedAfter]), [
      ['created', 'DestinationRule', 'timeout'],
      ['created', 'VirtualService', undefined],
    ]);
    assert.equal(
      r.summary,
      'Applied 2 resources to context "fake" (2 created, 0 configured, 0 unchanged). DestinationRule default/slow-1: applied (confirmed after timeout).',
    );
    assert.doesNotMatch(r.summary, /not applied/i);
    assert.equal(r.lines[0], 'created    DestinationRule default/slow-1: applied (confirmed after timeout)');
    assert.ok(fake.get('networking.istio.io', 'destinationrules', 'default', 'slow-1'));
    const write = fake.requests.findIndex((q) => q.method === 'PATCH' && !q.query.dryRun);
    assert.ok(fake.requests.slice(write + 1).some((q) => q.method === 'GET' && q.path.endsWith('/destinationrules/slow-1')), 'the object was re-read');
    // an update that times out: "configured", confirmed
    const p2 = await plan(c, text.replace('subset: v1', 'subset: v2'));
    assert.deepEqual(p2.entries.map((e) => e.action), ['unchanged', 'update']);
    fake.faults.push({ method: 'PATCH', path: '/virtualservices/slow-1', dryRun: false, delayMs: 1500, times: 1 });
    const r2 = await executeApply(c, p2, { confirmWithinMs: 4000, confirmPollMs: 100 });
    assert.equal(r2.ok, true, r2.summary);
    assert.deepEqual(r2.results.map((x) => [x.outcome, x.confirmedAfter]), [
      ['unchanged', undefined],
      ['configured', 'timeout'],
    ]);
  });

  test('a write that timed out and is not seen when re-read: "unknown: may have been applied", not "not applied"', async () => {
    const text = [VS.replace('name: reviews', 'name: lost-1'), 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: after-1\nspec: {}\n'].join('---\n');
    const p = await plan(conn, text);
    // the server gives up (504) without storing the object
    fake.faults.push({ method: 'PATCH', path: '/virtualservices/lost-1', dryRun: false, status: 504, body: { kind: 'Status', code: 504, reason: 'Timeout', message: 'Timeout: request did not complete within requested timeout' }, times: 1 });
    const r = await executeApply(conn, p, quick);
    assert.equal(r.ok, false);
    assert.deepEqual(r.results.map((x) => `${x.outcome} ${x.entry.ref.kind}`), ['unknown VirtualService', 'notApplied HTTPRoute']);
    assert.equal(r.failed, undefined);
    assert.equal(r.unknown?.entry.ref.name, 'lost-1');
    assert.deepEqual(r.notApplied.map((e) => e.ref.name), ['after-1']);
    assert.match(
      r.summary,
      /^Apply to context "fake" stopped at VirtualService default\/lost-1: Timed out \(504\) .* VirtualService default\/lost-1: unknown: may have been applied \(re-reading it found no such object \(yet\) within 0\.6s\); check it with kubectl get\. Applied \(0\): none\. Not applied \(1\): HTTPRoute default\/after-1\.$/,
    );
    assert.doesNotMatch(r.summary, /Not applied \([^)]*\): [^.]*lost-1/);
    assert.match(r.lines[0], /^unknown +VirtualService default\/lost-1: unknown: may have been applied/);
    assert.equal(fake.get('gateway.networking.k8s.io', 'httproutes', 'default', 'after-1'), undefined);
  });

  test('"etcdserver: request timed out" (500) is a timeout too: re-read, unknown when not seen', async () => {
    const p = await plan(conn, VS.replace('name: reviews', 'name: etcd-1'));
    fake.faults.push({ method: 'PATCH', path: '/virtualservices/etcd-1', dryRun: false, status: 500, message: 'etcdserver: request timed out', times: 1 });
    const r = await executeApply(conn, p, quick);
    assert.deepEqual(r.results.map((x) => x.outcome), ['unknown']);
  });

  test('a dropped connection after the write went through: confirmed; before it was handled: unknown', async () => {
    const p = await plan(conn, VS.replace('name: reviews', 'name: drop-1'));
    fake.faults.push({ method: 'PATCH', path: '/virtualservices/drop-1', dryRun: false, dropAfterHandling: true, times: 1 });
    const r = await executeApply(conn, p, quick);
    assert.equal(r.ok, true, r.summary);
    assert.deepEqual(r.results.map((x) => [x.outcome, x.confirmedAfter]), [['created', 'the connection was lost']]);
    assert.match(r.summary, /VirtualService default\/drop-1: applied \(confirmed after the connection was lost\)\.$/);

    const p2 = await plan(conn, VS.replace('name: reviews', 'name: drop-2'));
    fake.faults.push({ method: 'PATCH', path: '/virtualservices/drop-2', dryRun: false, drop: true, times: 1 });
    const r2 = await executeApply(conn, p2, quick);
    assert.deepEqual(r2.results.map((x) => x.outcome), ['unknown']);
    assert.equal(r2.unknown?.error?.extra.requestSent, true);
    assert.match(r2.summary, /unknown: may have been applied/);
    assert.doesNotMatch(r2.summary, /Not applied \(1\)/);
  });

  test('a write that could not even connect is known not applied', async () => {
    const f = await startFake();
    const c = await connectTo(f);
    const p = await plan(c, VS.replace('name: reviews', 'name: refused-1'));
    await f.close();
    const r = await executeApply(c, p, quick);
    assert.deepEqual(r.results.map((x) => x.outcome), ['failed']);
    assert.equal(r.failed?.error?.kind, 'unreachable');
    assert.equal(r.failed?.error?.extra.requestSent, false);
    assert.match(r.summary, /connection refused.* Applied \(0\): none\. Not applied \(1\): VirtualService default\/refused-1\.$/);
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
    const r = await executeApply(conn, forced);
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
  /**
   * Self-contained (it depends on no other test): its own fake API server and its own capture of
   * everything the apply code writes, through the kube layer (log lines, plan lines, diff
   * documents, confirmation, reports, errors) and through the VS Code layer (output channel,
   * notifications, quick picks, input boxes, status bar, diagnostics, diff documents) with the
   * fake 'vscode' module. Scanned for the kubeconfig's credentials and for Secret values.
   */
  test('no token, key, certificate or Secret value appears in anything the apply flow writes', async () => {
    const cap = new Capture();
    const f = await startFake();
    const pki = makeTestPki();
    const keyPem = pki?.clientKey ?? '-----BEGIN PRIVATE KEY-----\nTESTKEYMATERIALnotarealkey0123456789\n-----END PRIVATE KEY-----\n';
    const certPem = pki?.ca ?? '-----BEGIN CERTIFICATE-----\nTESTCERTMATERIAL0123456789\n-----END CERTIFICATE-----\n';
    const kcFile = writeKubeconfig(
      f.kubeconfig({ extraUserFields: `client-key-data: ${Buffer.from(keyPem).toString('base64')}\nclient-certificate-data: ${Buffer.from(certPem).toString('base64')}` }),
    );
    const b64 = (v: string): string => Buffer.from(v).toString('base64');
    const V = { old: 'old-db-password-ZXCV987', pw: 'new-db-password-QWER123', api: 'api-token-plain-ASDF555', note: 'string-data-note-HJKL246', fresh: 'fresh-secret-value-TYUI864', deferred: 'deferred-ns-secret-BNMV135' };
    // A Secret last applied with kubectl: its data is in the last-applied-configuration annotation too.
    const kubectlApplied = (data: Record<string, string>, stringData: Record<string, string>): string =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-creds', namespace: 'default' }, data, stringData });
    f.seed({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db-creds', namespace: 'default', annotations: { [LAST_APPLIED_ANNOTATION]: kubectlApplied({ password: b64(V.old) }, { note: V.note }) } },
      data: { password: b64(V.old) },
      stringData: { note: V.note },
    });
    assert.deepEqual(f.get('v1', 'secrets', 'default', 'db-creds')!.data, { password: b64(V.old), note: b64(V.note) }, 'the test API server folds stringData into data');
    const manifests = y`
      apiVersion: v1
      kind: Secret
      metadata:
        name: db-creds
        annotations:
          ${LAST_APPLIED_ANNOTATION}: '${kubectlApplied({ password: b64(V.pw) }, { 'api-token': V.api })}'
          backup.example.com/copy: '{"stringData": {"api-token": "${V.api}"}}'
      data:
        password: ${b64(V.pw)}
      stringData:
        api-token: ${V.api}
      ---
      apiVersion: v1
      kind: Secret
      metadata:
        name: fresh-creds
      stringData:
        value: ${V.fresh}
      ---
      apiVersion: v1
      kind: Namespace
      metadata:
        name: vault
      ---
      apiVersion: v1
      kind: Secret
      metadata:
        name: deferred-creds
        namespace: vault
      data:
        value: ${b64(V.deferred)}
    `;
    const secrets = [
      f.token,
      b64(f.token),
      'wrong-token-ABCDEFGH12345',
      keyPem.trim(),
      b64(keyPem),
      ...keyPem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----')),
      b64(certPem),
      ...Object.values(V).flatMap((v) => [v, b64(v)]),
    ];
    const recordPlan = (p: Plan): Plan => {
      cap.add(...planLines(p), ...p.errors.map((e) => e.message), ...p.entries.map((e) => e.error?.message), ...p.entries.flatMap((e) => e.diagnostics.map((d) => d.message)));
      const d = planDiffDocuments(p, true);
      cap.add(d.left, d.right);
      const c = confirmationFor(p.target, p.counts, ['*'], p.force, { deferred: deferredInfo(p), skipped: p.skipped });
      cap.add(c.message, ...c.details, c.firstStep?.label, c.firstStep?.detail, c.kind === 'typeContextName' ? c.prompt : undefined);
      return p;
    };
    const recordReport = (r: ApplyReport): ApplyReport => {
      cap.add(r.summary, ...r.lines, ...r.diagnostics.map((d) => d.message));
      return r;
    };
    try {
      // kube layer: plan (update, create, deferred), apply with a write that times out and is confirmed, re-plan
      const c = await connectTo(f, { kubeconfig: fs.readFileSync(kcFile, 'utf8'), timeoutMs: 800, logger: cap.logger });
      // kubectl owns the fields of the live Secret: a conflict (its message names fields, never values), then forced
      const conflicted = recordPlan(await planApply(c, resources(manifests), { fieldManager: FM }));
      assert.equal(onlyConflicts(conflicted), true, planLines(conflicted).join('\n'));
      const p = recordPlan(await planApply(c, resources(manifests), { fieldManager: FM, force: true }));
      assert.equal(p.ok, true, planLines(p).join('\n'));
      assert.deepEqual(p.entries.map((e) => `${e.action} ${e.ref.kind} ${e.ref.name}`), ['create Namespace vault', 'update Secret db-creds', 'create Secret fresh-creds', 'deferred Secret deferred-creds']);
      const docs = planDiffDocuments(p);
      assert.match(docs.left, new RegExp(`${LAST_APPLIED_ANNOTATION.replace(/\./g, '\\.')}: "\\*\\*\\* \\(before\\)"`), 'the annotation was there, masked');
      assert.match(docs.right, /backup\.example\.com\/copy: "\*\*\* \(after\)"/);
      assert.match(docs.right, /password: "\*\*\* \(after\)"/);
      f.faults.push({ method: 'PATCH', path: '/secrets/fresh-creds', dryRun: false, delayMs: 1500, times: 1 });
      const r = recordReport(await executeApply(c, p, { confirmWithinMs: 4000, confirmPollMs: 100 }));
      assert.equal(r.ok, true, r.summary);
      assert.match(r.summary, /Secret default\/fresh-creds: applied \(confirmed after timeout\)/);
      recordPlan(await planApply(c, resources(manifests), { fieldManager: FM, force: true }));
      // errors: a proxy echoing a wrong credential (401), RBAC (403), a failed plan applied anyway
      const wrong = await connectTo(f, { kubeconfig: f.kubeconfig({ token: 'wrong-token-ABCDEFGH12345' }), logger: cap.logger });
      f.echoCredentialIn401 = true;
      recordPlan(await planApply(wrong, resources(manifests), { fieldManager: FM }));
      f.echoCredentialIn401 = false;
      f.forbidden.push({ verb: 'get', plural: 'secrets' });
      const denied = recordPlan(await planApply(c, resources(manifests), { fieldManager: FM }));
      f.forbidden.length = 0;
      cap.add((await rejects(executeApply(c, denied))).message);

      const { COMMANDS } = await loadCluster();
      // VS Code layer: "Mesh: Apply to Cluster" on the same manifests (changed again), confirmed in the quick pick
      const ui = await startUi((s) => {
        s.settings.kubeconfig = kcFile;
        s.editor = { file: '/ws/secrets.yaml', text: manifests.split(V.pw).join(`${V.pw}-2`).split(b64(V.pw)).join(b64(`${V.pw}-2`)) };
        s.answer = (q) => (q.kind === 'quickPick' ? 'Apply to "fake"' : q.items.includes('Force') ? 'Force' : undefined);
      });
      secrets.push(`${V.pw}-2`, b64(`${V.pw}-2`));
      await ui.run(COMMANDS.apply);
      assert.ok(ui.diffs.length === 1 && /Secret default\/db-creds \(v1\): update/.test(ui.diffs[0].left), 'the diff editor showed the Secret');
      assert.ok(ui.prompts.some((q) => q.kind === 'info' && /^Applied 1 resource to context "fake"/.test(q.message)), JSON.stringify(ui.prompts.map((q) => q.message)));
      assert.ok(ui.output.some((l) => /Dry run of 4 resource\(s\)/.test(l)));
      cap.add(...ui.shown);
      ui.dispose();
    } finally {
      await f.close();
    }
    // the requests themselves carry no credential in their path or query (bodies carry the Secrets, as they must)
    cap.add(...f.requests.map((q) => JSON.stringify({ method: q.method, path: q.path, query: q.query, contentType: q.contentType })));
    // the scan covered the whole flow, Secret diffs included
    const all = cap.texts.join('\n');
    for (const expected of ['# Secret default/db-creds (v1): update', '# Secret vault/deferred-creds (v1): deferred', 'Unauthorized (401)', 'Forbidden (403)', 'confirmed after timeout', 'Nothing was applied', 'Dry run of']) {
      assert.ok(all.includes(expected), `the capture has no "${expected}"`);
    }
    const leaks = cap.texts.filter((line) => secrets.some((s) => line.includes(s)));
    // Print nothing sensitive: count only.
    assert.equal(leaks.length, 0, `${leaks.length} of ${cap.texts.length} captured texts contain a credential or a Secret value`);
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
