/**
 * mesh-lint on awkward file systems: unreadable inputs (a folder named x.yaml, a FIFO, a dangling symbolic link),
 * folders without YAML, symbolic-link loops, a 50 MB file, quoted globs, and never a write to the user's files.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'mesh-lint.js');
/** No run may take longer than this (a FIFO or a link loop must not hang it). */
const TIME_LIMIT_MS = 15000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mesh-lint ${args.join(' ')} did not finish within ${TIME_LIMIT_MS} ms`));
    }, TIME_LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Never a stack trace or an internal error on stderr. */
function assertClean(r: Run): void {
  assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, r.stderr);
  assert.doesNotMatch(r.stderr, /internal error|Warning:/i, r.stderr);
  assert.ok(r.code === 0 || r.code === 1 || r.code === 2, `exit ${r.code}`);
}

const GOOD = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - timeout: 5s
    route:
    - destination:
        host: reviews
`;
const BAD = GOOD.replace('timeout', 'timout');

let dir: string;
function mk(rel: string, text = GOOD): string {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

function canMakeFifo(p: string): boolean {
  try {
    execFileSync('mkfifo', [p]);
    return true;
  } catch {
    return false;
  }
}

before(() => {
  assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'server', 'cli.js')), 'run npm run build first');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-lint-robust-'));
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('--help documents the exit statuses', async () => {
  const r = await run(['--help'], dir);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Exit status: 0 no error, 1 errors found, 2 bad usage or unreadable input/);
  assert.match(r.stdout, /glob/);
});

test('a folder named x.yaml is a folder: recursed into, explicitly or while scanning', async () => {
  mk('dirs/x.yaml/inner.yaml');
  const explicit = await run(['dirs/x.yaml'], dir);
  assertClean(explicit);
  assert.equal(explicit.code, 0, explicit.stderr);
  assert.match(explicit.stdout, /in 1 file\(s\)/);
  const scan = await run(['dirs'], dir);
  assert.equal(scan.code, 0, scan.stderr);
  assert.match(scan.stdout, /in 1 file\(s\)/);
});

test('a FIFO named like a YAML file is never opened (no hang): named on stderr, exit 2', async (t) => {
  fs.mkdirSync(path.join(dir, 'fifo'), { recursive: true });
  if (!canMakeFifo(path.join(dir, 'fifo', 'pipe.yaml'))) {
    t.skip('mkfifo is not available');
    return;
  }
  mk('fifo/good.yaml');
  const explicit = await run(['fifo/pipe.yaml'], dir);
  assertClean(explicit);
  assert.equal(explicit.code, 2);
  assert.match(explicit.stderr, /mesh-lint: fifo\/pipe\.yaml: not a regular file/);
  const scan = await run(['fifo'], dir);
  assertClean(scan);
  assert.equal(scan.code, 2, 'an input was not checked');
  assert.match(scan.stderr, /fifo[/\\]pipe\.yaml: skipped: not a regular file/);
  assert.match(scan.stdout, /in 1 file\(s\)/, 'the other file is still checked');
});

test('a dangling symbolic link: named on stderr, exit 2, the other files still checked', async () => {
  mk('dangling/good.yaml', BAD);
  fs.symlinkSync(path.join(dir, 'dangling', 'missing-target.yaml'), path.join(dir, 'dangling', 'broken.yaml'));
  const explicit = await run(['dangling/broken.yaml'], dir);
  assertClean(explicit);
  assert.equal(explicit.code, 2);
  assert.match(explicit.stderr, /dangling\/broken\.yaml: broken symbolic link/);
  const scan = await run(['dangling', '--format', 'json'], dir);
  assertClean(scan);
  assert.equal(scan.code, 2);
  assert.match(scan.stderr, /broken\.yaml: skipped: broken symbolic link/);
  const out = JSON.parse(scan.stdout) as { diagnostics: Array<{ rule: string }> };
  assert.ok(out.diagnostics.some((d) => d.rule === 'schema/unknown-field'), 'good.yaml was checked');
});

test('an unreadable file (not as root): named on stderr, exit 2', async (t) => {
  if (process.getuid?.() === 0) {
    t.skip('root reads every file; covered by the FIFO, folder and dangling-link cases');
    return;
  }
  const p = mk('secret/secret.yaml');
  fs.chmodSync(p, 0);
  const r = await run(['secret'], dir);
  assertClean(r);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /secret\.yaml: cannot read \(EACCES\)/);
});

test('a folder without YAML files: "no .yaml or .yml files under <dir>", exit 2', async () => {
  mk('empty/readme.txt', 'not yaml');
  fs.mkdirSync(path.join(dir, 'empty', 'sub'), { recursive: true });
  const r = await run(['empty'], dir);
  assertClean(r);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'mesh-lint: no .yaml or .yml files under empty\n');
  assert.equal(r.stdout, '');
  // with no argument, the current folder
  const here = await run([], path.join(dir, 'empty'));
  assert.equal(here.code, 2);
  assert.equal(here.stderr, 'mesh-lint: no .yaml or .yml files under .\n');
});

test('symbolic-link loops do not hang, and each file is checked once', async () => {
  mk('loops/a/one.yaml', BAD);
  mk('loops/b/two.yaml');
  fs.symlinkSync('..', path.join(dir, 'loops', 'a', 'up')); // a/up -> loops: a folder loop
  fs.symlinkSync(path.join(dir, 'loops', 'b'), path.join(dir, 'loops', 'a', 'b-again')); // the same folder twice
  fs.symlinkSync('one.yaml', path.join(dir, 'loops', 'a', 'same-as-one.yaml')); // the same file twice
  fs.symlinkSync('self.yaml', path.join(dir, 'loops', 'self.yaml')); // a link to itself
  const r = await run(['loops', 'loops/a/one.yaml', './loops/a/one.yaml', '--format', 'json'], dir);
  assertClean(r);
  assert.ok(r.ms < TIME_LIMIT_MS);
  assert.equal(r.code, 2, 'the self link is reported');
  assert.match(r.stderr, /self\.yaml: skipped: symbolic link loop/);
  const out = JSON.parse(r.stdout) as { diagnostics: Array<{ file: string; rule: string }> };
  const unknown = out.diagnostics.filter((d) => d.rule === 'schema/unknown-field');
  assert.equal(unknown.length, 1, `one.yaml is checked once: ${JSON.stringify(unknown)}`);
  const text = await run(['loops/a', 'loops/b'], dir);
  assert.match(text.stdout, /in 2 file\(s\)/, 'one.yaml (once, not via same-as-one.yaml) and two.yaml');
});

test('a 50 MB file is over the size limit: a clear message, exit 2, never read', async () => {
  const big = path.join(dir, 'huge', 'big.yaml');
  fs.mkdirSync(path.dirname(big), { recursive: true });
  const fd = fs.openSync(big, 'w');
  fs.ftruncateSync(fd, 50 * 1024 * 1024); // sparse: 50 MB without writing them
  fs.closeSync(fd);
  mk('huge/small.yaml');
  const explicit = await run(['huge/big.yaml'], dir);
  assertClean(explicit);
  assert.equal(explicit.code, 2);
  assert.equal(explicit.stderr, 'mesh-lint: huge/big.yaml: skipped: the file is 50.0 MB, over the 8.0 MB size limit\n');
  assert.ok(explicit.ms < 5000, `${explicit.ms} ms`);
  const scan = await run(['huge'], dir);
  assertClean(scan);
  assert.equal(scan.code, 2);
  assert.match(scan.stderr, /big\.yaml: skipped: the file is 50\.0 MB, over the 8\.0 MB size limit/);
  assert.match(scan.stdout, /in 1 file\(s\)/);
});

test('quoted globs are expanded; a glob that matches nothing is named, exit 2', async () => {
  mk('manifests/a.yaml', BAD);
  mk('manifests/nested/deeper/b.yaml', GOOD.replace(/reviews/g, 'ratings'));
  mk('manifests/nested/c.yml', GOOD.replace(/reviews/g, 'details'));
  mk('manifests/notes.txt', 'x');
  const all = await run(['manifests/**/*.yaml', '--format', 'json'], dir);
  assertClean(all);
  assert.equal(all.code, 1, all.stderr);
  const files = new Set((JSON.parse(all.stdout) as { diagnostics: Array<{ file: string }> }).diagnostics.map((d) => d.file));
  assert.deepEqual([...files], [path.join('manifests', 'a.yaml')]);
  const text = await run(['manifests/**/*.yaml'], dir);
  assert.match(text.stdout, /in 2 file\(s\)/, 'a.yaml and nested/deeper/b.yaml, not c.yml');
  const yml = await run(['./manifests/**/*.{yaml,yml}'], dir);
  assert.match(yml.stdout, /in 3 file\(s\)/);
  const one = await run(['manifests/nested/*/b.yaml'], dir);
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /in 1 file\(s\)/);
  const none = await run(['manifests/**/*.json'], dir);
  assertClean(none);
  assert.equal(none.code, 2);
  assert.equal(none.stderr, 'mesh-lint: no file matches manifests/**/*.json\n');
  const noDir = await run(['nowhere/**/*.yaml'], dir);
  assert.equal(noDir.code, 2);
  assert.equal(noDir.stderr, 'mesh-lint: no file matches nowhere/**/*.yaml\n');
  // a file whose name has glob characters is taken literally when it exists
  mk('literal/[x].yaml', BAD);
  const literal = await run(['literal/[x].yaml'], dir);
  assert.equal(literal.code, 1);
  assert.match(literal.stdout, /literal\/\[x\]\.yaml:\d+:\d+: error/);
});

test('problems do not hide results: the readable files are reported, the rest named on stderr, exit 2', async () => {
  mk('mixed/bad.yaml', BAD);
  const r = await run(['mixed', 'missing.yaml', '--format', 'sarif'], dir);
  assertClean(r);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'mesh-lint: missing.yaml: no such file or folder\n');
  const sarif = JSON.parse(r.stdout) as { runs: Array<{ results: unknown[] }> };
  assert.equal(sarif.runs[0].results.length, 1);
});

/** path -> size, mtime and content hash of every entry under a folder (links not followed). */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (p: string): void => {
    const st = fs.lstatSync(p);
    let sig = `${st.mode} ${st.size} ${st.mtimeMs}`;
    if (st.isFile() && st.size < 1024 * 1024) sig += ' ' + createHash('sha1').update(fs.readFileSync(p)).digest('hex');
    if (st.isSymbolicLink()) sig += ' -> ' + fs.readlinkSync(p);
    out.set(path.relative(root, p), sig);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  walk(root);
  return out;
}

test('nothing is ever written: the tree is identical after every kind of run', async () => {
  mk('untouched/vs.yaml', BAD);
  mk('untouched/crlf.yaml', BAD.replace(/\n/g, '\r\n'));
  mk('untouched/bom.yaml', '\uFEFF' + GOOD);
  fs.writeFileSync(path.join(dir, 'untouched', 'latin1.yaml'), Buffer.from(GOOD.replace('reviews', 'revíews'), 'latin1'));
  const before = snapshot(dir);
  for (const args of [['.'], ['.', '--format', 'json'], ['.', '--format', 'sarif'], ['untouched/**/*.yaml', '--quiet'], ['untouched', '--crds', 'untouched']]) {
    const r = await run(args, dir);
    assertClean(r);
  }
  assert.deepEqual(snapshot(dir), before);
});
