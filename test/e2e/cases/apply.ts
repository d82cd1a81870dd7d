// g-apply-to-cluster: "Mesh: Apply to Cluster" on a file with a
// VirtualService and a DestinationRule, against the fake Kubernetes API
// server of test/apply (a test double on loopback, started in this process):
// dry run, the diff editor, the confirmation quick pick, the notification, and
// the objects in the fake server; then that no log VS Code wrote (our output
// channel's file among them) contains the kubeconfig's token.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { FakeApiServer } from '../../apply/fake-apiserver';
import { waitFor, waitUntil } from '../lib/workbench';
import { retryOnce, type Scenario } from '../lib/scenario';

export const APPLY_FILE = 'apply-catalog.yaml';
/** Not matching the default protected pattern `*prod*`: confirmed with a click, not by typing the name. */
export const CONTEXT = 'e2e-fake';
const KUBE_STATUS_ID = 'mesh-yaml.mesh-yaml.meshYaml.kubeContext';
const RESOURCES = [
  { plural: 'destinationrules', name: 'catalog' },
  { plural: 'virtualservices', name: 'catalog' },
];

let fake: FakeApiServer | undefined;

const stored = () => RESOURCES.filter((r) => fake?.get('networking.istio.io', r.plural, 'default', r.name));

/** Every file under `dir` (VS Code's logs: window, extension host, and one file per output channel). */
function filesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []));
}
const read = (f: string): string => {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
};

export const applyToCluster: Scenario = {
  name: 'g-apply-to-cluster',

  async prepare({ stateDir, log }) {
    fake = await FakeApiServer.start();
    const kubeconfig = path.join(stateDir, 'kubeconfig-e2e');
    writeFileSync(kubeconfig, fake.kubeconfig({ context: CONTEXT }), { mode: 0o600 });
    log(`# fake Kubernetes API server on ${fake.url} (context "${CONTEXT}", kubeconfig ${kubeconfig})`);
    return {
      settings: { 'meshYaml.kubeconfig': kubeconfig },
      dispose: async () => {
        await fake?.close();
        fake = undefined;
      },
    };
  },

  async run(ctx) {
    const { wb, log } = ctx;
    if (!fake) throw new Error('the fake API server did not start (prepare was not run)');
    if (stored().length) throw new Error(`the fake API server already holds ${JSON.stringify(stored())}`);
    await wb.openFile(APPLY_FILE);

    // The kube context status item shows that the extension reads our kubeconfig (the setting took effect).
    const item = wb.statusItem(KUBE_STATUS_ID);
    await waitFor(
      `the status bar item ${KUBE_STATUS_ID} to show context "${CONTEXT}" (meshYaml.kubeconfig in the user settings)`,
      async () => ((await item.count()) ? (await item.innerText()).trim() : '<absent>'),
      (t) => t.includes(CONTEXT),
      20_000,
    );

    const diffTitle = 'after apply (dry run)';
    const confirm = `Apply to "${CONTEXT}"`;
    await retryOnce(ctx, 'running "Mesh: Apply to Cluster" up to the confirmation', 'g-apply-to-cluster', async () => {
      await wb.focusEditor(APPLY_FILE);
      await wb.runCommand('Mesh: Apply to Cluster');
      await waitFor(
        `the diff editor tab "... ${diffTitle}"`,
        () => wb.tabLabels(),
        (tabs) => tabs.some((t) => t.includes(diffTitle) && t.includes(CONTEXT)),
        30_000,
      );
      await waitFor(`the confirmation quick pick with "${confirm}"`, () => wb.quickPickRows(), (rows) => rows.some((r) => r.includes(confirm)), 15_000);
    });
    // The dry run sent the objects with dryRun=All and stored nothing.
    const dry = fake.requests.filter((r) => r.method === 'PATCH' && r.query.dryRun === 'All').length;
    if (dry < RESOURCES.length) throw new Error(`expected ${RESOURCES.length} dry-run PATCH requests before the confirmation, the fake server saw ${dry}`);
    if (stored().length) throw new Error(`the dry run stored objects: ${JSON.stringify(stored())}`);
    const diffText = await wb.page.locator('.monaco-diff-editor').first().innerText().catch(() => '');
    if (!/VirtualService/.test(diffText) || !/catalog/.test(diffText)) throw new Error(`the diff editor does not show the VirtualService catalog: ${JSON.stringify(diffText.slice(0, 300))}`);
    await wb.screenshot('g-apply-to-cluster-confirm');

    await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: confirm }).first().click();
    const note = await waitFor(
      `the notification "Applied ${RESOURCES.length} resources to context "${CONTEXT}" ..."`,
      () => wb.notifications(),
      (n) => n.some((t) => t.includes(`Applied ${RESOURCES.length} resources to context "${CONTEXT}"`)),
      30_000,
    );
    log(`# notification: ${JSON.stringify(note.find((t) => t.includes('Applied')))}`);
    await waitFor(
      'the progress notifications ("Mesh: dry run against ...", "Mesh: applying to ...") to close',
      () => wb.notifications(),
      (n) => !n.some((t) => /Mesh: (dry run against|applying to)/.test(t)),
      10_000,
    );
    await waitUntil(
      `the fake API server to hold ${RESOURCES.map((r) => `${r.plural}/${r.name}`).join(' and ')} in namespace default`,
      async () => stored().length === RESOURCES.length,
      5_000,
    );
    const vs = fake.get('networking.istio.io', 'virtualservices', 'default', 'catalog') as { spec?: { hosts?: string[] } };
    if (JSON.stringify(vs.spec?.hosts) !== '["catalog"]') throw new Error(`the stored VirtualService has hosts ${JSON.stringify(vs.spec?.hosts)}`);

    // No token in the logs: VS Code keeps them under <user-data-dir>/logs, our output channel as ".../Mesh YAML.log".
    // Wait until that file holds the apply's per-resource lines (the log is written with a short delay), so the
    // scan below covers the whole flow, then scan every log file and the notifications.
    const logsDir = path.join(ctx.stateDir, 'logs');
    const outputLog = () => filesUnder(logsDir).filter((f) => path.basename(f) === 'Mesh YAML.log');
    await waitUntil(
      `the "Mesh YAML" output channel log under ${logsDir} to record the dry run and "created VirtualService default/catalog"`,
      async () => outputLog().some((f) => /Dry run of 2 resource/.test(read(f)) && /created\s+VirtualService default\/catalog/.test(read(f))),
      15_000,
    );
    const secrets = [fake.token, Buffer.from(fake.token).toString('base64')];
    const leaking = filesUnder(logsDir).filter((f) => secrets.some((t) => read(f).includes(t)));
    // Name the files only, never the token.
    if (leaking.length) throw new Error(`the kubeconfig's token appears in ${leaking.map((f) => path.relative(ctx.stateDir, f)).join(', ')}`);
    if ((await wb.notifications()).some((n) => secrets.some((t) => n.includes(t)))) throw new Error("a notification shows the kubeconfig's token");
    log(`# no token in ${filesUnder(logsDir).length} log file(s), the "Mesh YAML" output channel's included`);
  },
};
