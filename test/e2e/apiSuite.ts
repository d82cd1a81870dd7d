// Runs the extension-host API suite (test/electron/suite, bundled into
// out/electron/suite/index.js) inside code-server's own Node extension host.
//
// code-server's web workbench takes VS Code's extension-development options
// from the URL (`?payload=[["extensionDevelopmentPath", ...],
// ["extensionTestsPath", ...]]`), starts the remote extension host with them,
// runs the suite's run(), then reports the exit code to
// window.codeAutomationExit, which we expose from Playwright (this is how
// @vscode/test-web does it). The development path is a stub extension
// (test/electron/host), so the extension under test is the copy installed
// from the .vsix. Each test's result is also written to a JSON file
// ($MESH_API_RESULTS, set in code-server's environment).
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { ROOT } from './lib/codeServer';
import { errorMessage } from './lib/workbench';

export const HOST_EXTENSION = path.join(ROOT, 'test', 'electron', 'host');
const FIXTURES = path.join(ROOT, 'test', 'e2e', 'workspace');

export interface ApiSuiteOptions {
  browser: Browser;
  codeServerUrl: string;
  /** Scratch dir for the suite's own copy of the fixture workspace. */
  stateDir: string;
  /** Where the suite writes its JSON results (code-server's $MESH_API_RESULTS). */
  resultsFile: string;
  resultsDir: string;
  log: (m: string) => void;
  timeoutMs?: number;
}

interface SuiteResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export function buildApiSuite(): string {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'test', 'electron', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the extension-host suite failed: ${r.stderr || r.stdout}`);
  return r.stdout.trim().split('\n').pop()!;
}

export async function runApiSuite(o: ApiSuiteOptions): Promise<{ passed: number; failed: number }> {
  const t0 = Date.now();
  const bundle = buildApiSuite();
  const workspace = path.join(o.stateDir, 'workspace-api');
  cpSync(FIXTURES, workspace, { recursive: true });
  const url = new URL(o.codeServerUrl);
  const remote = (p: string) => `vscode-remote://${url.host}${p}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(HOST_EXTENSION)],
    ['extensionTestsPath', remote(bundle)],
  ]);
  const page = await o.browser.newPage({ viewport: { width: 1400, height: 900 } });
  const consoleLog = path.join(o.resultsDir, 'api-console.log');
  page.on('console', (m) => appendFileSync(consoleLog, `[${m.type()}] ${m.text()}\n`));
  let exitCode: number | undefined;
  await page.exposeFunction('codeAutomationExit', (code: number) => {
    exitCode = code;
  });
  const timeoutMs = o.timeoutMs ?? 180_000;
  try {
    await page.goto(`${o.codeServerUrl}?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`);
    const deadline = Date.now() + timeoutMs;
    while (exitCode === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (exitCode === undefined) {
      await page.screenshot({ path: path.join(o.resultsDir, 'api-suite.png') }).catch(() => undefined);
      throw new Error(`timed out after ${timeoutMs} ms waiting for the extension-host suite to finish (see ${path.relative(ROOT, consoleLog)})`);
    }
  } catch (e) {
    o.log(`not ok - api: suite: ${errorMessage(e)}`);
    return { passed: 0, failed: 1 };
  } finally {
    await page.close().catch(() => undefined);
  }
  if (!existsSync(o.resultsFile)) {
    o.log(`not ok - api: suite: exited with code ${exitCode} without writing results (see ${path.relative(ROOT, consoleLog)})`);
    return { passed: 0, failed: 1 };
  }
  const { results } = JSON.parse(readFileSync(o.resultsFile, 'utf8')) as { results: SuiteResult[] };
  let passed = 0;
  let failed = 0;
  for (const r of results) {
    if (r.ok) {
      passed++;
      o.log(`ok - api: ${r.name} (${r.ms} ms)`);
    } else {
      failed++;
      o.log(`not ok - api: ${r.name}: ${(r.error ?? '').split('\n')[0]}`);
    }
  }
  if (exitCode !== 0 && failed === 0) {
    failed++;
    o.log(`not ok - api: suite: the extension host exited with code ${exitCode}`);
  }
  o.log(`# extension-host suite in code-server: ${passed} passed, ${failed} failed (${Date.now() - t0} ms)`);
  return { passed, failed };
}
