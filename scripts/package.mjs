// `npm run package`: builds the extension (production bundles) and packages it
// with @vscode/vsce into mesh-yaml-<version>.vsix, then checks the result:
// at most 5 MB and nothing that does not run (sources, tests, node_modules,
// source maps). Prints the path of the .vsix on its last line.
//
//   node scripts/package.mjs [--no-build] [--out <file.vsix>]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAX_BYTES = 5 * 1024 * 1024;
const args = process.argv.slice(2);
const noBuild = args.includes('--no-build');
const outIdx = args.indexOf('--out');

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const vsix = path.resolve(ROOT, outIdx >= 0 ? args[outIdx + 1] : `${pkg.name}-${pkg.version}.vsix`);

function fail(msg) {
  console.error(`[package] ERROR: ${msg}`);
  process.exit(1);
}

function run(cmd, cmdArgs, opts = {}) {
  console.log(`[package] $ ${[cmd, ...cmdArgs].join(' ')}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) fail(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${cmdArgs.join(' ')} exited with ${r.status}`);
  return r;
}

// 1. Build (production: minified, no source maps).
if (!noBuild) run('npm', ['run', '--silent', 'build', '--', '--production']);
for (const f of [pkg.main ?? 'dist/client/extension.js', 'dist/server/server.js']) {
  if (!existsSync(path.join(ROOT, f))) fail(`${f} is missing after the build`);
}
if (!['LICENSE', 'LICENSE.md', 'LICENSE.txt'].some((f) => existsSync(path.join(ROOT, f)))) {
  fail('no LICENSE file in the project root (vsce requires one; it is not skipped on purpose)');
}
if (!existsSync(path.join(ROOT, 'README.md'))) fail('no README.md in the project root (vsce requires one)');

// 2. Package. Bundles are self-contained, so no node_modules go in.
const vsce = path.join(ROOT, 'node_modules', '.bin', 'vsce');
if (!existsSync(vsce)) fail('@vscode/vsce is not installed (npm ci)');
const vsceArgs = ['package', '--no-dependencies', '--out', vsix];
if (!pkg.repository) {
  console.log('[package] note: package.json has no "repository" field; passing --allow-missing-repository');
  vsceArgs.push('--allow-missing-repository');
}
run(vsce, vsceArgs, { env: { ...process.env, VSCE_TELEMETRY: 'off' } });

// 3. Check what went in.
if (!existsSync(vsix)) fail(`vsce did not write ${vsix}`);
const size = statSync(vsix).size;
const list = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' });
if (list.status !== 0) fail(`unzip -Z1 ${vsix} failed: ${list.stderr}`);
const entries = list.stdout.split('\n').filter(Boolean);
const files = entries.filter((e) => e.startsWith('extension/')).map((e) => e.slice('extension/'.length));
const forbidden = files.filter(
  (f) =>
    /(^|\/)(src|test|tests|node_modules|\.e2e|\.scratch|test-results|out)\//.test(f) ||
    /\.map$/.test(f) ||
    (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)) ||
    /\.vsix$/.test(f),
);
const required = ['package.json', pkg.main.replace(/^\.\//, ''), 'dist/server/server.js'];
const missing = required.filter((f) => !files.includes(f));

const byTop = new Map();
for (const f of files) {
  const top = f.includes('/') ? f.slice(0, f.indexOf('/')) + '/' : f;
  byTop.set(top, (byTop.get(top) ?? 0) + 1);
}
console.log(`[package] ${path.relative(ROOT, vsix)}: ${(size / 1024).toFixed(1)} KB, ${files.length} files`);
for (const [top, n] of [...byTop].sort()) console.log(`[package]   ${top.padEnd(16)} ${n} file(s)`);

if (size > MAX_BYTES) fail(`${vsix} is ${(size / 1048576).toFixed(2)} MB (> 5 MB)`);
if (forbidden.length) fail(`the .vsix contains files that should not ship:\n  ${forbidden.join('\n  ')}`);
if (missing.length) fail(`the .vsix lacks: ${missing.join(', ')}`);
console.log(`[package] ok`);
console.log(vsix);
