// `npm run package`: builds the extension (production bundles) and packages it
// with @vscode/vsce into mesh-yaml-<version>.vsix, then checks the result:
// at most 5 MB and nothing that does not run (sources, tests, node_modules,
// source maps, the CLI bundle). The entries are read from the zip's central
// directory in Node (no `unzip` binary needed). Prints the sizes per folder and
// per bundle, and the path of the .vsix on its last line.
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

/**
 * The entries ({name, size}: path and uncompressed size) of a zip archive, read from its central directory: a
 * .vsix is a zip, and this avoids depending on an `unzip` binary. Enough for what vsce writes (no ZIP64, no
 * multi-disk archives; both are refused with a message).
 */
function zipEntries(buf) {
  const EOCD = 0x06054b50;
  const CDH = 0x02014b50;
  // The end-of-central-directory record is 22 bytes plus a comment of at most 65535 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD && i + 22 + buf.readUInt16LE(i + 20) === buf.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end-of-central-directory record)');
  if (buf.readUInt16LE(eocd + 4) !== 0 || buf.readUInt16LE(eocd + 6) !== 0) throw new Error('multi-disk zip archives are not supported');
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) throw new Error('ZIP64 archives are not supported');
  if (cdOffset + cdSize > eocd) throw new Error('the central directory lies outside the archive');
  const out = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > eocd || buf.readUInt32LE(p) !== CDH) throw new Error(`bad central directory entry ${n} at offset ${p}`);
    const flags = buf.readUInt16LE(p + 8);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    if (p + 46 + nameLen > eocd) throw new Error(`central directory entry ${n} runs past the directory`);
    const name = buf.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
    out.push({ name, size });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
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
let entries;
try {
  entries = zipEntries(readFileSync(vsix));
} catch (e) {
  fail(`cannot list the entries of ${vsix}: ${e instanceof Error ? e.message : String(e)}`);
}
const inExtension = entries.filter((e) => e.name.startsWith('extension/') && !e.name.endsWith('/'));
const files = inExtension.map((e) => e.name.slice('extension/'.length));
const unpacked = new Map(inExtension.map((e) => [e.name.slice('extension/'.length), e.size]));
const forbidden = files.filter(
  (f) =>
    /(^|\/)(src|test|tests|node_modules|\.e2e|\.scratch|test-results|out)\//.test(f) ||
    /\.map$/.test(f) ||
    (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)) ||
    /\.vsix$/.test(f) ||
    // the CLI bundle: mesh-lint runs from the npm package or a clone, the extension never loads it
    f === 'dist/server/cli.js',
);
const required = ['package.json', pkg.main.replace(/^\.\//, ''), 'dist/server/server.js'];
const missing = required.filter((f) => !files.includes(f));

const byTop = new Map();
for (const f of files) {
  const top = f.includes('/') ? f.slice(0, f.indexOf('/')) + '/' : f;
  const t = byTop.get(top) ?? { n: 0, bytes: 0 };
  t.n++;
  t.bytes += unpacked.get(f) ?? 0;
  byTop.set(top, t);
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`[package] ${path.relative(ROOT, vsix)}: ${kb(size)}, ${files.length} files (${kb([...unpacked.values()].reduce((a, b) => a + b, 0))} unpacked)`);
for (const [top, t] of [...byTop].sort()) console.log(`[package]   ${top.padEnd(16)} ${String(t.n).padStart(3)} file(s) ${kb(t.bytes).padStart(10)}`);
for (const f of files.filter((x) => x.startsWith('dist/'))) console.log(`[package]     ${f.padEnd(30)} ${kb(unpacked.get(f) ?? 0).padStart(10)}`);

if (size > MAX_BYTES) fail(`${vsix} is ${(size / 1048576).toFixed(2)} MB (> 5 MB)`);
if (forbidden.length) fail(`the .vsix contains files that should not ship:\n  ${forbidden.join('\n  ')}`);
if (missing.length) fail(`the .vsix lacks: ${missing.join(', ')}`);
console.log(`[package] ok`);
console.log(vsix);
