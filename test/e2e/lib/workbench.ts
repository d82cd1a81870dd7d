// Helpers that drive VS Code's workbench (as served by code-server) through
// playwright-core. Every wait polls a condition with a timeout and, when it
// times out, throws a WaitError that says what it waited for.
//
// Note: callbacks passed to evaluate* type their element parameters with the
// small DomElement interface below, so this file type-checks without the DOM
// lib (tsconfig has lib ES2022 only).
import type { Locator, Page } from 'playwright-core';

export class WaitError extends Error {}

/** The bits of a DOM element that evaluate callbacks here use. */
export interface DomElement {
  style: { top: string };
  textContent: string | null;
  innerText: string;
  getAttribute(name: string): string | null;
  ownerDocument: { activeElement: unknown };
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0];
  return String(e);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` until it returns true; throws a WaitError after timeoutMs. */
export async function waitUntil(
  what: string,
  cond: () => Promise<boolean>,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<void> {
  const start = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      if (await cond()) return;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() - start >= timeoutMs) {
      throw new WaitError(
        `timed out after ${timeoutMs} ms waiting for ${what}` +
          (lastError ? ` (last error: ${errorMessage(lastError)})` : ''),
      );
    }
    await sleep(intervalMs);
  }
}

/** Polls `get` until it returns a value accepted by `ok`; returns that value. */
export async function waitFor<T>(
  what: string,
  get: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 15_000,
  describe: (v: T) => string = (v) => JSON.stringify(v)?.slice(0, 300) ?? String(v),
): Promise<T> {
  let last: T | undefined;
  let have = false;
  try {
    await waitUntil(
      what,
      async () => {
        last = await get();
        have = true;
        return ok(last);
      },
      timeoutMs,
    );
  } catch (e) {
    if (e instanceof WaitError && have) throw new WaitError(`${e.message}; last seen: ${describe(last as T)}`);
    throw e;
  }
  return last as T;
}

const cssString = (s: string) => JSON.stringify(s);

export class Workbench {
  constructor(
    readonly page: Page,
    readonly screenshotDir: string,
  ) {}

  async screenshot(name: string): Promise<string> {
    const file = `${this.screenshotDir}/${name}.png`;
    await this.page.screenshot({ path: file, timeout: 10_000, animations: 'disabled' });
    return file;
  }

  /** The Monaco editor showing a workspace file (matched by file name). */
  editor(file: string): Locator {
    return this.page.locator(`.monaco-editor[data-uri$=${cssString('/' + file)}]`);
  }

  statusItem(id: string): Locator {
    return this.page.locator(`.statusbar-item[id=${cssString(id)}]`);
  }

  async waitForWorkbench(timeoutMs = 60_000): Promise<void> {
    await waitUntil('the workbench (.monaco-workbench)', () => this.page.locator('.monaco-workbench').isVisible(), timeoutMs);
    await waitUntil(
      'the explorer to list the workspace files',
      async () => (await this.page.locator('.explorer-folders-view .monaco-list-row').count()) > 0,
      timeoutMs,
    );
  }

  /** Opens a file from the explorer and waits until its editor is active. */
  async openFile(file: string): Promise<void> {
    const row = this.page.locator('.explorer-folders-view .monaco-list-row', { hasText: file }).first();
    await waitUntil(`the explorer row for ${file}`, () => row.isVisible());
    await row.click();
    await waitUntil(`an editor showing ${file}`, async () => {
      const tab = await this.page.locator('.tabs-container .tab.active').first().getAttribute('aria-label');
      return !!tab && tab.startsWith(file) && (await this.editor(file).locator('.view-lines').isVisible());
    });
    await this.focusEditor(file);
  }

  /** Gives keyboard focus to a (visible) editor. */
  async focusEditor(file: string): Promise<void> {
    const ed = this.editor(file);
    await waitUntil(`the editor of ${file} to have focus`, async () => {
      if (await ed.locator('textarea').evaluate((t: DomElement) => t.ownerDocument.activeElement === t)) return true;
      // Click right of the text on the first line: keeps the cursor harmlessly at line 1.
      const box = await ed.locator('.view-lines').boundingBox();
      if (box) await this.page.mouse.click(box.x + box.width - 20, box.y + 5);
      return false;
    }, 5_000);
  }

  /** The editor's rendered lines (all of them for a short file), top to bottom. */
  async lines(file: string): Promise<string[]> {
    const rows = await this.editor(file)
      .locator('.view-lines .view-line')
      .evaluateAll((els: DomElement[]) => els.map((e) => ({ top: parseFloat(e.style.top) || 0, text: String(e.textContent) })));
    return rows.sort((a, b) => a.top - b.top).map((r) => r.text.replace(/\u00a0/g, ' '));
  }

  /**
   * The text of line `line` (1-based) as rendered, or undefined when that line
   * is not rendered (scrolled away). Unlike lines(), right when the editor is
   * scrolled: view lines are paired with the line numbers of the gutter by
   * their vertical position.
   */
  async lineText(file: string, line: number): Promise<string | undefined> {
    const ed = this.editor(file);
    const numbers = await ed
      .locator('.margin-view-overlays > div')
      .evaluateAll((els: DomElement[]) => els.map((e) => ({ top: parseFloat(e.style.top) || 0, text: String(e.textContent).trim() })));
    const at = numbers.find((n) => n.text === String(line));
    if (!at) return undefined;
    const rows = await ed
      .locator('.view-lines .view-line')
      .evaluateAll((els: DomElement[]) => els.map((e) => ({ top: parseFloat(e.style.top) || 0, text: String(e.textContent) })));
    const row = rows.find((r) => Math.abs(r.top - at.top) < 1);
    return row?.text.replace(/\u00a0/g, ' ');
  }

  async text(file: string): Promise<string> {
    return (await this.lines(file)).join('\n');
  }

  /** Moves the cursor with Go to Line (Ctrl+G), 1-based line and column. */
  async goTo(file: string, line: number, column = 1): Promise<void> {
    await this.focusEditor(file);
    await this.page.keyboard.press('Control+G');
    const input = this.page.locator('.quick-input-widget input');
    await waitUntil('the Go to Line input', () => input.isVisible(), 5_000);
    await input.fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await waitFor(
      `the cursor at Ln ${line}, Col ${column}`,
      async () => (await this.statusItem('status.editor.selection').innerText()).trim(),
      (t) => t === `Ln ${line}, Col ${column}`,
      5_000,
    );
  }

  /** Squiggles (error/warning decorations) currently rendered in an editor. */
  async squiggles(file: string): Promise<number> {
    return this.editor(file).locator('.squiggly-error, .squiggly-warning').count();
  }

  problemsPanel(): Locator {
    return this.page.locator('.markers-panel');
  }

  async showProblems(): Promise<void> {
    if (await this.problemsPanel().isVisible()) return;
    await this.page.keyboard.press('Control+Shift+M');
    await waitUntil('the Problems panel', () => this.problemsPanel().isVisible(), 5_000);
  }

  /** Text of the Problems panel (rows: file names, messages, sources, positions). */
  async problemsText(): Promise<string> {
    const rows = await this.problemsPanel()
      .locator('.monaco-list-row')
      .evaluateAll((els: DomElement[]) => els.map((e) => String(e.innerText).replace(/\s+/g, ' ').trim()));
    return rows.join('\n');
  }

  /** Runs a command from the command palette (F1) by its full title, e.g. "Mesh: Preview Routing". */
  async runCommand(title: string): Promise<void> {
    const widget = this.page.locator('.quick-input-widget');
    const input = widget.locator('input');
    await this.page.keyboard.press('F1');
    await waitUntil('the command palette (F1)', () => input.isVisible(), 5_000);
    await input.fill(`>${title}`);
    // Wait until the list has been filtered down to the command and it is focused.
    await waitFor(
      `the command palette to focus "${title}"`,
      async () => {
        const f = widget.locator('.monaco-list-row.focused');
        return (await f.count()) ? ((await f.first().getAttribute('aria-label')) ?? (await f.first().innerText())) : '<no focused row>';
      },
      (l) => l.replace(/\s+/g, ' ').includes(title),
      10_000,
    );
    await this.page.keyboard.press('Enter');
    await waitUntil('the command palette to close', async () => !(await input.isVisible()), 5_000);
  }

  /** aria-labels of the editor tabs (all groups). */
  async tabLabels(): Promise<string[]> {
    return this.page
      .locator('.tabs-container .tab')
      .evaluateAll((els: DomElement[]) => els.map((e) => String(e.getAttribute('aria-label') ?? e.innerText)));
  }

  /** Texts of the notification toasts on screen. */
  async notifications(): Promise<string[]> {
    return this.page
      .locator('.notifications-toasts .notification-list-item')
      .evaluateAll((els: DomElement[]) => els.map((e) => String(e.getAttribute('aria-label') ?? e.innerText).replace(/\s+/g, ' ').trim()));
  }

  /** The rows of the open quick pick / quick input, by aria-label or text. */
  async quickPickRows(): Promise<string[]> {
    return this.page
      .locator('.quick-input-widget .monaco-list-row')
      .evaluateAll((els: DomElement[]) => els.map((e) => String(e.getAttribute('aria-label') ?? e.innerText).replace(/\s+/g, ' ').trim()));
  }

  async closeWidgets(): Promise<void> {
    for (let i = 0; i < 2; i++) await this.page.keyboard.press('Escape');
  }
}
