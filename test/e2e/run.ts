// `npm run test:e2e`: end-to-end tests of the packaged extension in a real VS
// Code workbench (code-server 4.100.3) driven by Debian's Chromium.
//
//   1. scripts/setup-e2e.sh (quick when already done)
//   2. scripts/package.mjs: build + package mesh-yaml-<version>.vsix
//   3. fresh user-data dir + extensions dir; the .vsix is installed offline
//      with `code-server --install-extension`, so the installed copy is tested
//   4. code-server on a free loopback port, Chromium (headless) on it
//   5. the scenarios of scenarios.ts, one screenshot each in test-results/e2e/
//   6. the routing preview page's safety tests (test/webview/suite.ts) on the
//      webview bundle of the installed extension, in the same Chromium
//   7. (if built) the extension-host API suite of test/electron/, run inside
//      code-server's own extension host
//
// Prints `ok - <name> (<ms> ms)` / `not ok - <name>: <reason>` per scenario and
// one closing line `e2e: N passed, N failed`; exits non-zero if any failed.
//
// Options: --vsix <file> (or E2E_VSIX) test that .vsix, skip build+package
//          --only <name,...>  run only these scenarios
//          --keep             keep the temporary state dir
//          --no-api           skip the extension-host API suite
//          --api-only         run only the extension-host API suite
//          --no-webview       skip the webview safety tests (also skipped with
//                             --only unless the list names `webview`)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import {
  ROOT,
  freePort,
  installVsix,
  startCodeServer,
  writeUserSettings,
  type RunningCodeServer,
} from './lib/codeServer';
import { Workbench, errorMessage } from './lib/workbench';
import { scenarios } from './scenarios';
import type { Prepared } from './lib/scenario';
import { runApiSuite } from './apiSuite';
import { runWebviewSuite } from '../webview/suite';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

interface Options {
  vsix?: string;
  only?: string[];
  keep: boolean;
  api: boolean;
  apiOnly: boolean;
  webview: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { vsix: process.env.E2E_VSIX || undefined, keep: false, api: true, apiOnly: false, webview: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--vsix') o.vsix = path.resolve(argv[++i]);
    else if (a === '--only') o.only = argv[++i].split(',');
    else if (a === '--keep') o.keep = true;
    else if (a === '--no-api') o.api = false;
    else if (a === '--api-only') o.apiOnly = true;
    else if (a === '--no-webview') o.webview = false;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

function sh(cmd: string, args: string[], what: string): string {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  process.stdout.write(r.stdout ?? '');
  if (r.error || r.status !== 0) throw new Error(`${what} failed (${r.error?.message ?? `exit ${r.status}`})`);
  return r.stdout;
}

async function main(): Promise<number> {
  const t0 = Date.now();
  const opts = parseArgs(process.argv.slice(2));
  const resultsDir = path.join(ROOT, 'test-results', 'e2e');
  rmSync(resultsDir, { recursive: true, force: true });
  mkdirSync(resultsDir, { recursive: true });

  let passed = 0;
  let failed = 0;
  const selected = opts.apiOnly ? [] : scenarios.filter((s) => !opts.only || opts.only.includes(s.name));
  const runWebview = opts.webview && !opts.apiOnly && (!opts.only || opts.only.includes('webview'));
  if (opts.only) {
    const unknown = opts.only.filter((n) => n !== 'webview' && !scenarios.some((s) => s.name === n));
    if (unknown.length) throw new Error(`--only: no scenario named ${unknown.join(', ')} (have: ${[...scenarios.map((s) => s.name), 'webview'].join(', ')})`);
  }
  const log = (m: string) => console.log(m);

  let cs: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let state: string | undefined;
  let cleaned = false;
  const prepared = new Map<string, Prepared>();
  const prepareErrors = new Map<string, string>();
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await browser?.close().catch(() => undefined);
    await cs?.stop().catch(() => undefined);
    for (const p of prepared.values()) await p.dispose?.().catch(() => undefined);
    if (state) {
      // Keep the VS Code logs (extension host, our output channel) for debugging.
      cpSync(path.join(state, 'logs'), path.join(resultsDir, 'vscode-logs'), { recursive: true, force: true, errorOnExist: false });
      if (!opts.keep) rmSync(state, { recursive: true, force: true });
      else console.log(`# state kept in ${state}`);
    }
  };
  const onSignal = (sig: NodeJS.Signals) => {
    console.log(`# ${sig}: stopping code-server and Chromium`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let harnessError: string | undefined;
  try {
    // 1-2. Setup, build, package.
    console.log('# setup');
    sh('bash', [path.join(ROOT, 'scripts', 'setup-e2e.sh')], 'scripts/setup-e2e.sh');
    let vsix = opts.vsix;
    if (!vsix) {
      console.log('# build + package');
      const out = sh('node', [path.join(ROOT, 'scripts', 'package.mjs')], 'scripts/package.mjs');
      vsix = out.trim().split('\n').pop()!.trim();
    }
    if (!existsSync(vsix)) throw new Error(`no .vsix at ${vsix}`);

    // 3. Fresh state; install the .vsix offline.
    state = mkdtempSync(path.join(os.tmpdir(), 'mesh-yaml-e2e-'));
    const extensionsDir = path.join(state, 'extensions');
    const workspace = path.join(state, 'workspace');
    // Scenario set-up that must happen before code-server starts (test servers, user settings).
    const extraSettings: Record<string, unknown> = {};
    for (const s of selected) {
      if (!s.prepare) continue;
      try {
        const p = await s.prepare({ stateDir: state, log });
        prepared.set(s.name, p);
        Object.assign(extraSettings, p.settings);
      } catch (e) {
        prepareErrors.set(s.name, errorMessage(e));
      }
    }
    writeUserSettings(state, { 'workbench.editor.enablePreview': false, ...extraSettings });
    cpSync(path.join(ROOT, 'test', 'e2e', 'workspace'), workspace, { recursive: true });
    const t1 = Date.now();
    const installed = installVsix(vsix, state, extensionsDir);
    if (!/^mesh-yaml\.mesh-yaml@/m.test(installed)) throw new Error(`after installing ${vsix}, code-server lists: ${installed || '(nothing)'}`);
    console.log(`# installed ${path.basename(vsix)} offline into a fresh extensions dir: ${installed.replace(/\n/g, ', ')} (${Date.now() - t1} ms)`);

    // 4. code-server + Chromium.
    const port = await freePort();
    const csLog = path.join(resultsDir, 'code-server.log');
    const apiResults = path.join(state, 'api-results.json');
    cs = await startCodeServer({
      port,
      userDataDir: state,
      extensionsDir,
      folder: workspace,
      logFile: csLog,
      env: { MESH_API_RESULTS: apiResults },
    });
    console.log(`# code-server on ${cs.url} (log: ${path.relative(ROOT, csLog)})`);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
    if (selected.length) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.setDefaultTimeout(15_000);
      const consoleLog = path.join(resultsDir, 'browser-console.log');
      page.on('console', (m) => appendFileSync(consoleLog, `[${m.type()}] ${m.text()}\n`));
      page.on('pageerror', (e) => appendFileSync(consoleLog, `[pageerror] ${e.message}\n`));
      const wb = new Workbench(page, resultsDir);
      try {
        await page.goto(`${cs.url}?folder=${encodeURIComponent(workspace)}`);
        await wb.waitForWorkbench();
      } catch (e) {
        await wb.screenshot('workbench-load').catch(() => undefined);
        throw e;
      }
      console.log(`# workbench ready (${Date.now() - t0} ms since start)`);

      // 5. Scenarios.
      for (const s of selected) {
        const ts = Date.now();
        try {
          const prepareError = prepareErrors.get(s.name);
          if (prepareError) throw new Error(`set-up failed: ${prepareError}`);
          await s.run({ wb, workspace, extensionsDir, stateDir: state, log });
          await wb.screenshot(s.name).catch(() => undefined);
          console.log(`ok - ${s.name} (${Date.now() - ts} ms)`);
          passed++;
        } catch (e) {
          const shot = await wb.screenshot(s.name).catch(() => undefined);
          console.log(`not ok - ${s.name}: ${errorMessage(e)}${shot ? ` [screenshot ${path.relative(ROOT, shot)}]` : ''}`);
          failed++;
        }
        await wb.closeWidgets().catch(() => undefined);
      }
      await page.close();
    }

    // 6. The webview page's safety tests, on the bundle inside the installed extension.
    if (runWebview) {
      const ext = readdirSync(extensionsDir).find((d) => d.startsWith('mesh-yaml.mesh-yaml-'));
      const distDir = ext ? path.join(extensionsDir, ext, 'dist', 'webview') : path.join(ROOT, 'dist', 'webview');
      console.log(`# webview safety tests (test/webview) on ${path.relative(state, distDir).startsWith('..') ? distDir : `<extensions>/${path.relative(extensionsDir, distDir)}`}`);
      const tw = Date.now();
      const r = await runWebviewSuite({ browser, distDir, resultsDir: path.join(ROOT, 'test-results', 'webview'), log });
      console.log(`# webview: ${r.passed} passed, ${r.failed} failed (${Date.now() - tw} ms)`);
      passed += r.passed;
      failed += r.failed;
    }

    // 7. The extension-host API suite, inside code-server's extension host.
    if (opts.api && !opts.only) {
      console.log('# extension-host API suite (test/electron) inside code-server');
      const r = await runApiSuite({ browser, codeServerUrl: cs.url, stateDir: state, resultsFile: apiResults, resultsDir, log });
      passed += r.passed;
      failed += r.failed;
    }
  } catch (e) {
    harnessError = errorMessage(e);
    console.log(`# harness error: ${harnessError}`);
  } finally {
    await cleanup();
  }

  if (harnessError && passed + failed === 0) {
    for (const s of selected) console.log(`not ok - ${s.name}: not run (${harnessError})`);
    failed = selected.length || 1;
  } else if (harnessError) {
    console.log(`not ok - harness: ${harnessError}`);
    failed++;
  }
  writeFileSync(path.join(resultsDir, 'summary.txt'), `e2e: ${passed} passed, ${failed} failed\n`);
  console.log(`# total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    console.log('e2e: 0 passed, 1 failed');
    process.exit(1);
  },
);
