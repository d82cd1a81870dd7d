// What a scenario is, and the small helpers the scenario files share.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Workbench, type DomElement, errorMessage } from './workbench';

export interface ScenarioContext {
  wb: Workbench;
  /** The workspace folder code-server has open (a copy of the fixtures). */
  workspace: string;
  /** This run's extensions dir (unique: the language server's command line contains it). */
  extensionsDir: string;
  /** This run's temporary state dir (user data, extensions, workspace). */
  stateDir: string;
  log: (msg: string) => void;
}

export interface PrepareContext {
  stateDir: string;
  log: (msg: string) => void;
}

export interface Prepared {
  /** User settings to add to the settings.json written before code-server starts. */
  settings?: Record<string, unknown>;
  /** Called at the end of the run (also after a failure). */
  dispose?: () => Promise<void>;
}

export interface Scenario {
  name: string;
  /** Runs before code-server starts (e.g. starts a test server, adds user settings). */
  prepare?(p: PrepareContext): Promise<Prepared>;
  run(ctx: ScenarioContext): Promise<void>;
}

/** 1-based position of the first match of `re` in a workspace file. */
export function find(workspace: string, file: string, re: RegExp): { line: number; column: number } {
  const lines = readFileSync(path.join(workspace, file), 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = re.exec(lines[i]);
    if (m) return { line: i + 1, column: m.index + 1 };
  }
  throw new Error(`fixture ${file} has no line matching ${re}`);
}

/** Runs a flaky UI step; on failure, screenshots, resets and tries once more. */
export async function retryOnce<T>(ctx: ScenarioContext, what: string, shot: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    ctx.log(`# ${what} failed once (${errorMessage(e)}); retrying`);
    await ctx.wb.screenshot(`${shot}-first-try`).catch(() => undefined);
    await ctx.wb.closeWidgets();
    return step();
  }
}

export const visibleRows = (wb: Workbench, widget: string): Promise<string[]> =>
  wb.page.locator(`${widget} .monaco-list-row`).evaluateAll((els: DomElement[]) =>
    els.map((e) => String(e.getAttribute('aria-label') ?? e.innerText).replace(/\s+/g, ' ').trim()),
  );
