/**
 * The VS Code layer of "Apply to Cluster" (client/src/commands/cluster.ts) against the fake
 * 'vscode' module (test/apply/fake-vscode.ts) and the fake API server, both test doubles:
 * workspace trust, the confirmation of resources that cannot be dry-run in advance (and step 1),
 * the files a folder apply skips, and writes that time out.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import nodeFs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MANAGE_TRUST_BUTTON, MANAGE_TRUST_COMMAND, refreshStatusIfTrusted, requireTrust, UNTRUSTED_MESSAGE } from '../../client/src/commands/trust';
import type { FakeApiServer } from './fake-apiserver';
import { FakeUri, loadCluster, startUi, type FakeVscodeState, type Prompt } from './fake-vscode';
import { cleanupTmp, DR, startFake, tmpDir, VS, writeKubeconfig, y } from './helpers';

let fake: FakeApiServer;
let kubeconfig: string;
before(async () => {
  fake = await startFake({ namespaces: ['default', 'kube-system'] });
  kubeconfig = writeKubeconfig(fake.kubeconfig({ context: 'kind-ui' }));
});
after(async () => {
  await fake.close();
  cleanupTmp();
});

const writes = (): string[] => fake.requests.filter((q) => q.method === 'PATCH' && !q.query.dryRun).map((q) => q.path.split('/').slice(-2).join('/'));
const kubeStatus = (s: FakeVscodeState) => s.statusItems.find((i) => i.id === 'meshYaml.kubeContext')!;

describe('workspace trust (pure gate)', () => {
  test('trusted: runs, asks nothing; untrusted: explains, offers Manage Workspace Trust, refuses', async () => {
    const calls: string[] = [];
    const ui = (trusted: boolean, answer?: string) => ({
      isTrusted: () => trusted,
      warn: (m: string, ...b: string[]) => {
        calls.push(`warn ${m} [${b.join('|')}]`);
        return Promise.resolve(answer);
      },
      execute: (c: string) => {
        calls.push(`execute ${c}`);
        return Promise.resolve();
      },
    });
    assert.equal(await requireTrust(ui(true)), true);
    assert.deepEqual(calls, []);
    assert.equal(await requireTrust(ui(false)), false);
    assert.deepEqual(calls.splice(0), [`warn ${UNTRUSTED_MESSAGE} [${MANAGE_TRUST_BUTTON}]`]);
    assert.equal(await requireTrust(ui(false, MANAGE_TRUST_BUTTON)), false);
    assert.deepEqual(calls.splice(0), [`warn ${UNTRUSTED_MESSAGE} [${MANAGE_TRUST_BUTTON}]`, `execute ${MANAGE_TRUST_COMMAND}`]);
    assert.equal(MANAGE_TRUST_COMMAND, 'workbench.trust.manage');
    assert.match(UNTRUSTED_MESSAGE, /untrusted workspaces: they read your kubeconfig, may run its credential plugins, and send files of this workspace to a cluster/);

    let refreshed = 0;
    let hidden = 0;
    await refreshStatusIfTrusted(false, () => hidden++, async () => void refreshed++);
    assert.deepEqual([hidden, refreshed], [1, 0]);
    await refreshStatusIfTrusted(true, () => hidden++, async () => void refreshed++);
    assert.deepEqual([hidden, refreshed], [1, 1]);
  });
});

describe('workspace trust (the commands and the status bar)', () => {
  test('untrusted: no status item and no kubeconfig read; each command says why and offers to manage trust; granted: the item shows', async () => {
    // every access to the kubeconfig file is recorded
    const touched: string[] = [];
    const spied = ['readFileSync', 'existsSync', 'statSync', 'openSync'] as const;
    const originals = spied.map((n) => nodeFs[n]);
    spied.forEach((n, i) => {
      (nodeFs as unknown as Record<string, unknown>)[n] = (p: unknown, ...rest: unknown[]) => {
        if (String(p) === kubeconfig) touched.push(n);
        return (originals[i] as (...a: unknown[]) => unknown)(p, ...rest);
      };
    });
    try {
      const s = await startUi((st) => {
        st.isTrusted = false;
        st.settings.kubeconfig = kubeconfig;
        st.editor = { file: '/ws/app.yaml', text: VS };
        st.answer = (p) => (p.kind === 'warning' ? MANAGE_TRUST_BUTTON : undefined);
      });
      const { COMMANDS } = await loadCluster();
      const item = kubeStatus(s);
      assert.equal(item.visible, false);
      assert.equal(item.shows, 0);
      fake.requests.length = 0;
      for (const id of Object.values(COMMANDS)) await s.run(id);
      // a configuration change or a window focus refreshes the item: still nothing read
      s.configChanged.fire({ affectsConfiguration: () => true });
      await s.settle();
      assert.deepEqual(
        s.prompts.map((p) => [p.kind, p.message, p.items]),
        Object.values(COMMANDS).map(() => ['warning', UNTRUSTED_MESSAGE, [MANAGE_TRUST_BUTTON]]),
      );
      assert.deepEqual(s.executed.map((e) => e.command), Object.values(COMMANDS).map(() => MANAGE_TRUST_COMMAND));
      assert.equal(item.visible, false);
      assert.equal(item.shows, 0);
      assert.equal(item.text, '', 'no context name or server was shown');
      assert.deepEqual(touched, [], 'the kubeconfig was not read');
      assert.ok(!s.settingsRead.includes('meshYaml.kubeconfig'), 'not even the kubeconfig setting was read');
      assert.equal(fake.requests.length, 0, 'nothing was sent to the cluster');

      // trust granted: the item appears with the context
      s.isTrusted = true;
      s.grantTrust.fire();
      await s.until('the status item to show', () => item.visible);
      assert.match(item.text, /kind-ui \/ default/);
      assert.ok(touched.length > 0);
      s.dispose();
    } finally {
      spied.forEach((n, i) => ((nodeFs as unknown as Record<string, unknown>)[n] = originals[i]));
    }
  });

  test('trusted: the status item shows the context from the start', async () => {
    const s = await startUi((st) => (st.settings.kubeconfig = kubeconfig));
    await s.until('the status item to show', () => kubeStatus(s).visible);
    assert.match(kubeStatus(s).text, /kind-ui/);
    s.dispose();
  });
});

describe('confirmation of resources that cannot be dry-run in advance', () => {
  const text = [
    VS.replace('name: reviews', 'name: reviews\n  namespace: ui-shop'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ui-cm\ndata:\n  a: "1"\n',
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ui-shop\n',
  ].join('---\n');

  test('the modal names them and what stays applied; "apply only the Namespace first", then a new dry run and confirmation', async () => {
    const { COMMANDS } = await loadCluster();
    const answers: ((p: Prompt) => string | undefined)[] = [
      (p) => (p.kind === 'warning' && p.modal ? 'Apply only Namespace ui-shop first' : undefined),
      (p) => (p.kind === 'quickPick' ? 'Apply to "kind-ui"' : undefined),
    ];
    const s = await startUi((st) => {
      st.settings.kubeconfig = kubeconfig;
      st.editor = { file: '/ws/shop.yaml', text };
      st.answer = (p) => {
        if (p.kind === 'info') return undefined;
        return answers.shift()?.(p);
      };
    });
    fake.requests.length = 0;
    await s.run(COMMANDS.apply);
    const asked = s.prompts.filter((p) => p.kind !== 'info');
    assert.equal(asked.length, 2, JSON.stringify(asked));
    const modal = asked[0];
    assert.equal(modal.kind, 'warning');
    assert.equal(modal.modal, true);
    assert.match(modal.message, /^Apply 3 resources \(2 to create, 0 to update, 1 not dry-run in advance, 0 unchanged\) to context "kind-ui"/);
    assert.deepEqual(modal.items, ['Apply All to "kind-ui"', 'Apply only Namespace ui-shop first']);
    assert.match(
      modal.detail!,
      /^Not dry-run in advance, because their Namespace or CRD does not exist yet: VirtualService ui-shop\/reviews\. They are dry-run after Namespace ui-shop is applied; if that dry run fails, Namespace ui-shop stays applied and nothing else is written\./,
    );
    assert.match(modal.detail!, /Step 1 of 2: writes only it\. Then everything else is dry-run and shown again/);
    // step 1 wrote the Namespace only; the second confirmation is an ordinary one: nothing deferred
    const second = asked[1];
    assert.equal(second.kind, 'quickPick');
    assert.match(second.message, /^Apply 2 resources \(2 to create, 0 to update, 1 unchanged\)/);
    assert.deepEqual(writes(), ['namespaces/ui-shop', 'configmaps/ui-cm', 'virtualservices/reviews']);
    const firstWrite = fake.requests.findIndex((q) => q.method === 'PATCH' && !q.query.dryRun);
    const secondWrite = fake.requests.findIndex((q, i) => i > firstWrite && q.method === 'PATCH' && !q.query.dryRun);
    const between = fake.requests.slice(firstWrite + 1, secondWrite).filter((q) => q.method === 'PATCH' && q.query.dryRun === 'All');
    assert.equal(between.length, 3, 'all three were dry-run again between step 1 and the rest');
    const infos = s.prompts.filter((p) => p.kind === 'info').map((p) => p.message);
    assert.ok(infos.some((m) => /^Step 1 done: applied Namespace ui-shop to context "kind-ui"\. Nothing else was written/.test(m)), JSON.stringify(infos));
    assert.ok(infos.some((m) => /^Applied 2 resources to context "kind-ui"/.test(m)), JSON.stringify(infos));
    assert.equal(s.diffs.length, 2, 'the diff was shown before each confirmation');
    s.dispose();
  });

  test('"Apply All": a deferred dry run that fails leaves only the Namespace, and the error says so', async () => {
    const { COMMANDS } = await loadCluster();
    const bad = y`
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata:
        name: split
        namespace: ui-late
      spec:
        hosts: [reviews]
        http:
        - route:
          - destination: {host: reviews, subset: v1}
            weight: 50
          - destination: {host: reviews, subset: v2}
            weight: 40
    `;
    const s = await startUi((st) => {
      st.settings.kubeconfig = kubeconfig;
      st.editor = { file: '/ws/late.yaml', text: [bad, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ui-late-cm\n', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ui-late\n'].join('---\n') };
      st.answer = (p) => (p.kind === 'warning' && p.modal ? 'Apply All to "kind-ui"' : undefined);
    });
    fake.requests.length = 0;
    await s.run(COMMANDS.apply);
    assert.deepEqual(writes(), ['namespaces/ui-late']);
    const err = s.prompts.find((p) => p.kind === 'error')!;
    assert.match(err.message, /stopped at VirtualService ui-late\/split: .*total destination weight 90 != 100\. Applied \(1\): Namespace ui-late\. Not applied \(2\)/);
    assert.ok([...s.diagnostics.keys()].includes('/ws/late.yaml'), 'the denial is a diagnostic in the file');
    s.dispose();
  });

  test('a protected context: the choice, then the typed name', async () => {
    const { COMMANDS } = await loadCluster();
    const s = await startUi((st) => {
      st.settings.kubeconfig = kubeconfig;
      st.settings.protectedContexts = ['kind-*'];
      st.editor = { file: '/ws/p.yaml', text: text.replace(/ui-shop/g, 'ui-prot').replace('ui-cm', 'ui-prot-cm') };
      st.answer = (p) => (p.kind === 'warning' && p.modal ? 'Apply only Namespace ui-prot first' : p.kind === 'inputBox' ? 'wrong-name' : undefined);
    });
    fake.requests.length = 0;
    await s.run(COMMANDS.apply);
    const input = s.prompts.find((p) => p.kind === 'inputBox')!;
    assert.match(input.message, /^Apply only Namespace ui-prot first \(step 1 of 2\) in context "kind-ui"\?$/);
    assert.match(input.detail!, /"kind-ui" is a protected context \(matches kind-\*\)\. Type the context name to apply\./);
    assert.deepEqual(writes(), [], 'the name was not confirmed: nothing written');
    assert.ok(s.prompts.some((p) => p.kind === 'warning' && p.message === 'Not applied: the context name was not confirmed.'));
    s.dispose();
  });
});

describe('a folder apply lists the files it skipped', () => {
  test('in the output, the diff, the confirmation and the Diff notification', async () => {
    const { COMMANDS } = await loadCluster();
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'charts'));
    fs.writeFileSync(path.join(dir, 'mesh.yaml'), DR.replace('name: reviews', 'name: folder-dr'));
    fs.writeFileSync(path.join(dir, 'plain.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n');
    fs.writeFileSync(path.join(dir, 'charts', 't.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n');
    const s = await startUi((st) => {
      st.settings.kubeconfig = kubeconfig;
      st.workspaceRoot = dir;
    });
    fake.requests.length = 0;
    await s.run(COMMANDS.apply, FakeUri.file(dir));
    const summary = '2 files skipped (not applied): charts/t.yaml (template ({{ }})), plain.yaml (no mesh resource).';
    const pick = s.prompts.find((p) => p.kind === 'quickPick')!;
    assert.ok(pick, JSON.stringify(s.prompts));
    assert.equal(pick.detail!.split('\n')[0], summary, 'the Apply item of the confirmation names them');
    assert.ok(s.output.some((l) => l.includes(summary)), 'the plan in the output names them');
    assert.ok(s.diffs[0].left.startsWith(`# ${summary}\n`), 'the diff names them');
    assert.deepEqual(writes(), [], 'cancelled: nothing written');
    await s.run(COMMANDS.diff, FakeUri.file(dir));
    assert.ok(s.prompts.some((p) => p.kind === 'info' && p.message.startsWith('Diff against "kind-ui": 1 to create') && p.message.endsWith(summary)));
    s.dispose();
  });
});

describe('a write that times out, in the UI', () => {
  test('confirmed by re-reading: an information message, not an error', async () => {
    const { COMMANDS } = await loadCluster();
    const s = await startUi((st) => {
      st.settings.kubeconfig = kubeconfig;
      st.settings.requestTimeoutSeconds = 1;
      st.editor = { file: '/ws/slow.yaml', text: DR.replace('name: reviews', 'name: ui-slow') };
      st.answer = (p) => (p.kind === 'quickPick' ? 'Apply to "kind-ui"' : undefined);
    });
    fake.faults.push({ method: 'PATCH', path: '/destinationrules/ui-slow', dryRun: false, delayMs: 1800, times: 1 });
    await s.run(COMMANDS.apply);
    const info = s.prompts.find((p) => p.kind === 'info' && p.message.startsWith('Applied'));
    assert.ok(info, JSON.stringify(s.prompts.map((p) => p.message)));
    assert.match(info.message, /DestinationRule default\/ui-slow: applied \(confirmed after timeout\)\.$/);
    assert.ok(!s.prompts.some((p) => p.kind === 'error'));
    assert.ok(s.output.some((l) => /re-reading it to see whether it was applied/.test(l)));
    s.dispose();
  });
});
