// h-crash-recovery: the language server process is killed (SIGKILL); an edit
// made right after it still gets its diagnostic, because vscode-languageclient
// starts a new server and sends it the open documents. The new server must
// also rebuild the workspace state: recovery.yaml routes to subset v1, which
// only recovery-subsets.yaml (a file no editor has open, so the client does not
// resend it) defines; after the restart the finding "subset not defined" must
// stay away, and must appear when that other file drops the subset.
import { readdirSync, readFileSync } from 'node:fs';
import { waitFor } from '../lib/workbench';
import { find, type Scenario } from '../lib/scenario';

export const RECOVERY_FILE = 'recovery.yaml';
/** Defines subset v1 of host "recovery"; not opened before the kill. */
export const RECOVERY_SUBSETS_FILE = 'recovery-subsets.yaml';
/** The start of the vs-subset-not-found message for recovery.yaml's route. */
const SUBSET_FINDING = /Subset "v1" of host "recovery"/;
const NAME = 'h-crash-recovery';
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
  name: NAME,
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
      async () => (await wb.lineText(file, at.line)) ?? '<line not rendered>',
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

    // Workspace state. The new server answers didOpen before it has indexed the
    // workspace, so a subset finding may show for a moment; it must go once the
    // index holds recovery-subsets.yaml again (read from disk: it is not open).
    let transient = false;
    const rebuilt = await waitFor(
      `the Problems panel to list "timeouts" for ${file} and no "${SUBSET_FINDING.source}" finding (subset v1 is defined in ${RECOVERY_SUBSETS_FILE}, which the restarted server must re-index from disk)`,
      async () => {
        const t = await wb.problemsText();
        if (SUBSET_FINDING.test(t)) transient = true;
        return t;
      },
      (t) => /Unknown field "timeouts"/.test(t) && !SUBSET_FINDING.test(t),
      30_000,
    );
    if (!/recovery\.yaml/.test(rebuilt)) throw new Error(`the Problems panel does not name ${file}: ${JSON.stringify(rebuilt.slice(0, 300))}`);
    log(`# workspace state rebuilt: no subset finding for ${file}${transient ? ' (one showed for a moment, before the new server had indexed the workspace)' : ''}`);

    // The new server's index holds the unopened file: Go to Definition (F12) on
    // "v1" of "subset: v1" opens recovery-subsets.yaml at the subset.
    const other = RECOVERY_SUBSETS_FILE;
    const sub = find(workspace, other, /- name: v1\b/);
    const ref = find(workspace, file, /subset: v1\b/);
    await wb.goTo(file, ref.line, ref.column + 'subset: v'.length);
    await wb.page.keyboard.press('F12');
    await waitFor(
      `Go to Definition (F12) on "subset: v1" in ${file} to open ${other} at line ${sub.line} (the restarted server's index must hold that unopened file)`,
      async () => `${(await wb.page.locator('.tabs-container .tab.active').first().getAttribute('aria-label')) ?? '<no tab>'} | ${(await wb.statusItem('status.editor.selection').innerText().catch(() => '')).trim()}`,
      (t) => t.startsWith(other) && t.includes(`Ln ${sub.line},`),
      10_000,
    );

    // Positive control, and cross-file recomputation in the new server: drop the
    // subset in the other file (an unsaved edit), the finding must appear in
    // recovery.yaml; undo it, the finding must go.
    await wb.openFile(other);
    await wb.goTo(other, sub.line, sub.column + '- name: v1'.length);
    await wb.page.keyboard.press('Backspace');
    await wb.page.keyboard.type('9');
    await waitFor(`${other} to read "- name: v9"`, async () => (await wb.lineText(other, sub.line)) ?? '<line not rendered>', (t) => t.includes('- name: v9'), 5_000);
    const found = await waitFor(
      `a Problems entry "${SUBSET_FINDING.source} ... is not defined" for ${file} after ${other} renamed subset v1 to v9`,
      () => wb.problemsText(),
      (t) => SUBSET_FINDING.test(t) && /only defines "v9"/.test(t),
      15_000,
    );
    log(`# cross-file: ${JSON.stringify((found.split('\n').find((l) => SUBSET_FINDING.test(l)) ?? '').slice(0, 200))}`);
    await wb.screenshot(`${NAME}-cross-file`).catch(() => undefined);
    // Undo (the deletion and the typing may be two undo steps; the file was
    // just opened, so extra undos are no-ops).
    await wb.focusEditor(other);
    await waitFor(
      `${other} to read "- name: v1" again (Ctrl+Z)`,
      async () => {
        const t = (await wb.lineText(other, sub.line)) ?? '<line not rendered>';
        if (!t.includes('- name: v1')) await wb.page.keyboard.press('Control+Z');
        return t;
      },
      (t) => t.includes('- name: v1'),
      5_000,
    );
    await waitFor(`the subset finding for ${file} to go after the undo`, () => wb.problemsText(), (t) => !SUBSET_FINDING.test(t) && /Unknown field "timeouts"/.test(t), 15_000);
  },
};
