// `node --import tsx test/webview/run.ts`: the routing preview page's safety
// tests (suite.ts) in headless Chromium. Builds dist/ first (npm run build)
// unless --no-build; --dist DIR tests another bundle folder (main.js +
// style.css). Screenshots in test-results/webview/. Prints one line per test
// and `webview: N passed, N failed`; exits non-zero on failure.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, ROOT, runWebviewSuite } from './suite';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let distDir = path.join(ROOT, 'dist', 'webview');
  let build = true;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--no-build') build = false;
    else if (argv[i] === '--dist') {
      distDir = path.resolve(argv[++i]);
      build = false;
    } else throw new Error(`unknown option ${argv[i]} (options: --no-build, --dist DIR)`);
  }
  if (build) {
    const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm run build failed');
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  try {
    const r = await runWebviewSuite({ browser, distDir, resultsDir: path.join(ROOT, 'test-results', 'webview'), log: (m) => console.log(m), prefix: '' });
    console.log(`webview: ${r.passed} passed, ${r.failed} failed`);
    return r.failed ? 1 : 0;
  } finally {
    await browser.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    console.log('webview: 0 passed, 1 failed');
    process.exit(1);
  },
);
