// `npm run test:electron`: the extension-host API suite (test/electron/suite)
// in desktop VS Code through @vscode/test-electron.
//
//   VSCODE_EXECUTABLE=/path/to/code npm run test:electron   use that VS Code
//   npm run test:electron -- --download [--vscode-version X]  download VS Code
//                                                           (needs internet)
//   npm run test:electron -- --code-server                  run the same suite
//                                                           in code-server here
//   --no-build   skip `npm run build`
//
// The suite opens a fresh copy of test/e2e/workspace/ and loads the extension
// from the project root (extensionDevelopmentPath). On Linux without a display,
// run it under xvfb-run.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const has = (f) => args.includes(f);
const valueOf = (f) => (args.includes(f) ? args[args.indexOf(f) + 1] : undefined);

if (has('--code-server')) {
  // Same suite, inside code-server's extension host (see test/e2e/apiSuite.ts).
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test', 'e2e', 'run.ts'), '--api-only'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}

const executable = process.env.VSCODE_EXECUTABLE;
const download = has('--download');
if (!executable && !download) {
  console.error(`test:electron: no VS Code to run the suite in.

@vscode/test-electron runs the tests in desktop VS Code, which it downloads from
Microsoft's update service. This machine reaches only the npm registry and
Debian's packages, so that download cannot work here, and no desktop VS Code is
installed. Either:

  * point it at an installed VS Code:
      VSCODE_EXECUTABLE=/usr/share/code/code npm run test:electron
  * on a machine with internet access, let it download VS Code:
      npm run test:electron -- --download            (stable; or --vscode-version 1.100.3)
    (on Linux without a display: xvfb-run -a npm run test:electron -- --download)
  * or run the same suite here, inside code-server's real VS Code extension host:
      npm run test:electron -- --code-server         (npm run test:e2e runs it too)
`);
  process.exit(1);
}
if (executable && !existsSync(executable)) {
  console.error(`test:electron: VSCODE_EXECUTABLE=${executable} does not exist`);
  process.exit(1);
}

function run(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`test:electron: ${cmd} ${cmdArgs.join(' ')} failed`);
    process.exit(1);
  }
}

if (!has('--no-build')) run('npm', ['run', '--silent', 'build']);
const { buildSuite } = await import('../test/electron/build.mjs');
const extensionTestsPath = await buildSuite();

const state = mkdtempSync(path.join(os.tmpdir(), 'mesh-yaml-electron-'));
const workspace = path.join(state, 'workspace');
cpSync(path.join(ROOT, 'test', 'e2e', 'workspace'), workspace, { recursive: true });

const { runTests } = await import('@vscode/test-electron');
let code = 0;
try {
  await runTests({
    ...(executable ? { vscodeExecutablePath: executable } : { version: valueOf('--vscode-version') ?? 'stable' }),
    extensionDevelopmentPath: ROOT,
    extensionTestsPath,
    launchArgs: [
      workspace,
      '--disable-extensions', // other installed extensions; the one under development stays on
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      '--disable-gpu',
      '--user-data-dir',
      path.join(state, 'user-data'),
      '--extensions-dir',
      path.join(state, 'extensions'),
    ],
  });
  console.log('test:electron: passed');
} catch (e) {
  console.error(`test:electron: failed: ${e instanceof Error ? e.message : e}`);
  code = 1;
} finally {
  rmSync(state, { recursive: true, force: true });
}
process.exit(code);
