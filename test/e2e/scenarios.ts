// The end-to-end scenarios, run in order against one code-server window whose
// workspace is a fresh copy of test/e2e/workspace/.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { WaitError, errorMessage, waitFor, waitUntil } from './lib/workbench';
import { find, retryOnce, visibleRows, type Scenario } from './lib/scenario';
import { routingPreview } from './cases/routing';
import { applyToCluster } from './cases/apply';
import { crashRecovery } from './cases/recovery';

export type { Scenario, ScenarioContext } from './lib/scenario';

export const STATUS_ITEM_ID = 'mesh-yaml.mesh-yaml.meshYaml.status';
export const QUICK_FIX_TITLE = 'Rename "timout" to "timeout"';

export const scenarios: Scenario[] = [
  {
    name: 'a-activation',
    async run({ wb, log }) {
      const item = wb.statusItem(STATUS_ITEM_ID);
      if (await item.count()) log('# note: the Mesh status item existed before any YAML file was opened');
      await wb.openFile('virtualservice.yaml');
      // The item reads "Mesh" while starting too; the tooltip (part of its
      // aria-label) says "running" once the language client is up.
      const label = await waitFor(
        `the status bar item ${STATUS_ITEM_ID} with text "Mesh" and tooltip "...: running"`,
        async () =>
          (await item.count()) ? `${(await item.innerText()).trim()} | ${(await item.getAttribute('aria-label')) ?? ''}` : '<absent>',
        (t) => /Mesh.*\|.*running/.test(t),
        60_000,
      );
      const [text, aria] = label.split(' | ');
      log(`# status item: text ${JSON.stringify(text)}, aria-label ${JSON.stringify(aria)}`);
    },
  },

  {
    name: 'b-completion',
    async run(ctx) {
      const { wb, workspace } = ctx;
      const file = 'virtualservice.yaml';
      // The fixture has an empty line inside the first spec.http[] item, just
      // above its `route:` key: type a key there with the same indentation.
      const { line } = find(workspace, file, /^$/);
      const indent = readFileSync(path.join(workspace, file), 'utf8').split('\n')[line].match(/^\s*/)![0];
      await wb.openFile(file);
      await wb.goTo(file, line, 1);
      await wb.page.keyboard.type(`${indent}tim`);
      const suggest = '.editor-widget.suggest-widget.visible';
      await retryOnce(ctx, 'opening the completion list', 'b-completion', async () => {
        await wb.page.keyboard.press('Control+Space');
        await waitFor(
          'the suggest widget to offer "timeout"',
          () => visibleRows(wb, suggest),
          (r) => r.some((x) => /^timeout\b/.test(x)),
        );
      });
      // Move the focus onto "timeout" (normally it is first), then accept it.
      await waitFor(
        'the "timeout" completion to be focused',
        async () => {
          const focused = (await wb.page.locator(`${suggest} .monaco-list-row.focused`).getAttribute('aria-label')) ?? '';
          if (!/^timeout\b/.test(focused)) await wb.page.keyboard.press('ArrowDown');
          return focused;
        },
        (f) => /^timeout\b/.test(f),
        10_000,
      );
      await wb.page.keyboard.press('Enter');
      await waitFor(
        `line ${line} of ${file} to hold the accepted "timeout" key`,
        async () => (await wb.lineText(file, line)) ?? '<line not rendered>',
        (t) => t.startsWith(`${indent}timeout`),
      );
    },
  },

  {
    name: 'c-hover',
    async run(ctx) {
      const { wb } = ctx;
      const file = 'virtualservice.yaml';
      await wb.openFile(file);
      await wb.closeWidgets();
      const hover = wb.page.locator('.monaco-hover:not(.hidden)');
      const token = wb.editor(file).locator('.view-line span span', { hasText: /^hosts$/ }).first();
      const text = await retryOnce(ctx, 'showing the hover', 'c-hover', async () => {
        await wb.page.mouse.move(0, 0);
        await waitUntil('the "hosts" key to be rendered', () => token.isVisible());
        await token.hover();
        return waitFor(
          'a hover over "hosts" with the field\'s type or docs',
          async () => ((await hover.count()) ? (await hover.first().innerText()).trim() : ''),
          (t) => /hosts/i.test(t) && t.length > 20,
          10_000,
          (t) => JSON.stringify(t.slice(0, 200)),
        );
      });
      ctx.log(`# hover: ${JSON.stringify(text.replace(/\s+/g, ' ').slice(0, 160))}`);
    },
  },

  {
    name: 'd-quickfix',
    async run(ctx) {
      const { wb, workspace } = ctx;
      const file = 'mistake.yaml';
      const at = find(workspace, file, /timout:/);
      await wb.openFile(file);
      await waitFor(`a squiggle in ${file}`, () => wb.squiggles(file), (n) => n > 0, 30_000);
      await wb.showProblems();
      await waitFor(
        'a Problems entry about "timout" from source mesh',
        () => wb.problemsText(),
        (t) => /Unknown field "timout"/.test(t) && /\bmesh\b/.test(t),
        15_000,
      );
      const menu = wb.page.locator('.action-widget');
      const menuText = async () => ((await menu.count()) ? (await menu.first().innerText()).trim() : '<no menu>');
      const fixRow = menu.locator('.monaco-list-row', { hasText: QUICK_FIX_TITLE });
      // The light bulb is a content widget next to the cursor line, or (when
      // that line's neighbours leave no room) a glyph-margin decoration.
      const bulb = wb.editor(file).locator('.lightBulbWidget:visible, .glyph-margin-widgets [class*="codicon-gutter-lightbulb"]:visible').first();
      await retryOnce(ctx, 'opening the quick-fix menu from the light bulb', 'd-quickfix', async () => {
        await wb.focusEditor(file);
        await wb.goTo(file, at.line, at.column + 2);
        let how = 'light bulb';
        const t0 = Date.now();
        try {
          await waitUntil(`the light bulb (.lightBulbWidget or a gutter light bulb) on line ${at.line} of ${file}`, () => bulb.isVisible(), 10_000);
          const cls = (await bulb.getAttribute('class')) ?? '';
          ctx.log(`# light bulb shown after ${Date.now() - t0} ms (${cls.includes('lightBulbWidget') ? 'content widget' : 'gutter'}: ${cls.trim()})`);
          await bulb.click();
        } catch (e) {
          // Fallback only: the light bulb did not show; say so, use the keyboard.
          how = 'Ctrl+. (fallback)';
          ctx.log(`# note: ${errorMessage(e)}; falling back to Ctrl+.`);
          await wb.focusEditor(file);
          await wb.page.keyboard.press('Control+.');
        }
        await waitFor(`the quick-fix menu opened by ${how} to offer ${QUICK_FIX_TITLE}`, menuText, (t) => t.includes(QUICK_FIX_TITLE), 10_000);
      });
      // Choose the fix with the mouse, as from the light bulb. The menu lays an
      // invisible pointer block over the workbench until the mouse moves.
      await waitUntil(`the row ${QUICK_FIX_TITLE} in the quick-fix menu`, () => fixRow.first().isVisible(), 5_000);
      const pointerBlock = wb.page.locator('.context-view-pointerBlock');
      let wiggle = 0;
      await waitUntil('the quick-fix menu\'s pointer block to go once the mouse moves onto the fix', async () => {
        const box = await fixRow.first().boundingBox();
        if (box) await wb.page.mouse.move(box.x + box.width / 2 + (wiggle++ % 2), box.y + box.height / 2);
        return (await pointerBlock.count()) === 0;
      }, 5_000);
      await fixRow.first().click();
      await waitFor(
        `${file} to read "timeout:" instead of "timout:"`,
        () => wb.text(file),
        (t) => t.includes('timeout:') && !t.includes('timout'),
        10_000,
        (t) => JSON.stringify(t.slice(-200)),
      );
      await waitFor(`the squiggles in ${file} to go`, () => wb.squiggles(file), (n) => n === 0, 15_000);
      await waitFor('the Problems entry about "timout" to go', () => wb.problemsText(), (t) => !t.includes('timout'), 15_000);
    },
  },

  {
    name: 'e-non-mesh',
    async run(ctx) {
      const { wb } = ctx;
      // A plain Deployment (with odd keys) must get no diagnostics from us.
      // Absence needs a positive control: open it, then a mesh file with a
      // mistake; once that one's diagnostic shows, the server has seen both.
      await wb.openFile('deployment.yaml');
      await wb.openFile('sentinel.yaml');
      await wb.showProblems();
      const problems = await waitFor(
        'the positive control: a Problems entry for sentinel.yaml',
        () => wb.problemsText(),
        (t) => t.includes('sentinel.yaml'),
        30_000,
      );
      if (problems.includes('deployment.yaml')) {
        throw new Error(`the Problems panel lists deployment.yaml: ${JSON.stringify(problems)}`);
      }
      await wb.openFile('deployment.yaml');
      const n = await wb.squiggles('deployment.yaml');
      if (n) throw new Error(`deployment.yaml shows ${n} squiggle(s)`);
    },
  },

  routingPreview,
  applyToCluster,
  crashRecovery,
];

export { WaitError };
