// h-crash-recovery: the language server process is killed (SIGKILL); an edit
// made right after it still gets its diagnostic, because vscode-languageclient
// starts a new server and sends it the open documents.
import { readdirSync, readFileSync } from 'node:fs';
import { waitFor } from '../lib/workbench';
import { find, type Scenario } from '../lib/scenario';

export const RECOVERY_FILE = 'recovery.yaml';
const STATUS_ITEM_ID = 'mesh-yaml.mesh-yaml.meshYaml.status';
const SERVER_SCRIPT = 'dist/server/server.js';

/**
 * Pids of this run's language servers: processes whose command line holds
 * this run's (unique) extensions dir and dist/server/server.js.
 */
export function serverPids(extensionsDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue; // gone meanwhile
    }
    if (cmdline.includes(extensionsDir) && cmdline.includes(SERVER_SCRIPT)) pids.push(Number(entry));
  }
  return pids;
}

export const crashRecovery: Scenario = {
  name: 'h-crash-recovery',
  async run(ctx) {
    const { wb, workspace, extensionsDir, log } = ctx;
    const file = RECOVERY_FILE;
    const at = find(workspace, file, /timeout: 5s/);
    await wb.openFile(file);
    const status = wb.statusItem(STATUS_ITEM_ID);
    const statusText = async () => ((await status.count()) ? `${(await status.innerText()).trim()} | ${(await status.getAttribute('aria-label')) ?? ''}` : '<absent>');
    await waitFor('the language server to be running (status item tooltip "running")', statusText, (t) => /running/.test(t), 30_000);
    if (await wb.squiggles(file)) throw new Error(`${file} has squiggles before the edit: the fixture should be clean`);

    const before = serverPids(extensionsDir);
    if (before.length !== 1) {
      throw new Error(`expected one language server process (command line with ${extensionsDir} and ${SERVER_SCRIPT}), found ${before.length}: ${JSON.stringify(before)}`);
    }
    const [pid] = before;
    process.kill(pid, 'SIGKILL');
    log(`# killed the language server, pid ${pid}`);
    await waitFor(`the language server pid ${pid} to be gone`, async () => serverPids(extensionsDir), (p) => !p.includes(pid), 10_000);

    // Right away (the server may still be restarting): "timeout" -> "timeouts".
    await wb.goTo(file, at.line, at.column + 'timeout'.length);
    await wb.page.keyboard.type('s');
    await waitFor(
      `${file} to read "timeouts: 5s"`,
      async () => (await wb.lines(file))[at.line - 1] ?? '',
      (t) => t.includes('timeouts: 5s'),
      5_000,
    );
    await waitFor(`a squiggle for "timeouts" in ${file} (from the restarted server)`, () => wb.squiggles(file), (n) => n > 0, 45_000);
    await wb.showProblems();
    await waitFor(
      'a Problems entry about "timeouts" from source mesh',
      () => wb.problemsText(),
      (t) => /Unknown field "timeouts"/.test(t),
      15_000,
    );
    const after = await waitFor('a new language server process', async () => serverPids(extensionsDir), (p) => p.length === 1 && p[0] !== pid, 10_000);
    const label = await waitFor('the status item to say "running" again', statusText, (t) => /running/.test(t), 15_000);
    log(`# restarted: language server pid ${after[0]}; status ${JSON.stringify(label)}`);
  },
};
