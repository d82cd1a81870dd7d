/**
 * mesh-lint on awkward file systems: unreadable inputs (a folder named x.yaml, a FIFO, a dangling symbolic link,
 * files and folders without permission), folders without YAML, symbolic-link loops, a 50 MB file, quoted globs,
 * the scan's depth and file-count limits, `mesh-lint test-routes` on bad input, and never a write to the user's
 * files. As root (which reads every file) the permission cases run the CLI as the unprivileged user nobody
 * (setpriv, else runuser).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { listYamlFiles } from '../../server/src/workspace-scan';

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

interface RunOptions {
  /** Command words before `node BIN` (to run as another user); default none. */
  prefix?: string[];
  /** Time limit of this run (default TIME_LIMIT_MS). */
  limitMs?: number;
}

function run(args: string[], cwd: string, o: RunOptions = {}): Promise<Run> {
  const limit = o.limitMs ?? TIME_LIMIT_MS;
  const [cmd, ...pre] = [...(o.prefix ?? []), process.execPath, BIN];
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(cmd, [...pre, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mesh-lint ${args.join(' ')} did not finish within ${limit} ms`));
    }, limit);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/**
 * How to run the CLI so that file permissions apply: directly when not root; as root, as the user nobody through
 * setpriv or runuser (whichever works here). A string when neither can be used (the reason, for t.skip).
 */
function unprivileged(): string[] | string {
  if (process.platform === 'win32') return 'file modes do not apply on Windows';
  if (!isRoot) return [];
  const candidates = [
    ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'],
    ['runuser', '-u', 'nobody', '--'],
  ];
  const tried: string[] = [];
  for (const c of candidates) {
    try {
      // it must really switch, and nobody must be able to run the CLI from this checkout
      const uid = execFileSync(c[0], [...c.slice(1), process.execPath, '-e', 'process.stdout.write(String(process.getuid()))'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      if (uid !== String(NOBODY)) throw new Error(`ran as uid ${uid}`);
      execFileSync(c[0], [...c.slice(1), process.execPath, BIN, '--version'], { stdio: 'ignore' });
      return c;
    } catch (e) {
      tried.push(`${c[0]}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return `running as root and cannot run mesh-lint as nobody (${tried.join('; ')})`;
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

/**
 * A folder nobody can enter and read (0755, owned by whoever runs the tests), for the permission cases. Its
 * modes are put back in after() so that it can be removed.
 */
let permDir: string | undefined;
const locked: string[] = [];
function permissionDir(): string {
  if (!permDir) {
    permDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-lint-perm-'));
    fs.chmodSync(permDir, 0o755);
  }
  return permDir;
}
function pmk(rel: string, text = GOOD): string {
  const p = path.join(permissionDir(), rel);
  fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
  fs.writeFileSync(p, text, { mode: 0o644 });
  return p;
}
function lock(p: string, mode: number): void {
  fs.chmodSync(p, mode);
  locked.push(p);
}
after(() => {
  for (const p of locked.reverse()) fs.chmodSync(p, fs.statSync(p).isDirectory() ? 0o755 : 0o644);
  if (permDir) fs.rmSync(permDir, { recursive: true, force: true });
});

const AS_USER = unprivileged();
const asUser = (t: { skip: (m: string) => void }): string[] | undefined => {
  if (typeof AS_USER === 'string') {
    t.skip(AS_USER);
    return undefined;
  }
  return AS_USER;
};
const who = isRoot ? ' (as nobody: root reads every file)' : '';

test(`an unreadable file${who}: named on stderr with EACCES, exit 2, the other files still checked`, async (t) => {
  const prefix = asUser(t);
  if (!prefix) return;
  const cwd = permissionDir();
  pmk('secret/good.yaml', BAD);
  lock(pmk('secret/secret.yaml'), 0o000);
  const scan = await run(['secret', '--format', 'json'], cwd, { prefix });
  assertClean(scan);
  assert.equal(scan.code, 2, scan.stderr);
  assert.equal(scan.stderr, 'mesh-lint: secret/secret.yaml: cannot read (EACCES)\n');
  const out = JSON.parse(scan.stdout) as { diagnostics: Array<{ file: string; rule: string }> };
  assert.deepEqual([...new Set(out.diagnostics.map((d) => d.file))], [path.join('secret', 'good.yaml')], 'good.yaml is checked');
  // named explicitly
  const explicit = await run(['secret/secret.yaml'], cwd, { prefix });
  assertClean(explicit);
  assert.equal(explicit.code, 2);
  assert.equal(explicit.stderr, 'mesh-lint: secret/secret.yaml: cannot read (EACCES)\n');
  assert.equal(explicit.stdout, '');
});

test(`an unreadable folder${who}: named on stderr with EACCES, exit 2, the other files still checked`, async (t) => {
  const prefix = asUser(t);
  if (!prefix) return;
  const cwd = permissionDir();
  pmk('vault/ok.yaml');
  pmk('vault/closed/inside.yaml', BAD);
  lock(path.join(cwd, 'vault', 'closed'), 0o000);
  const scan = await run(['vault'], cwd, { prefix });
  assertClean(scan);
  assert.equal(scan.code, 2, scan.stderr);
  assert.equal(scan.stderr, 'mesh-lint: vault/closed: skipped: cannot read the folder (EACCES)\n');
  assert.match(scan.stdout, /in 1 file\(s\)/, 'ok.yaml is checked');
  // named explicitly: the reason, and not also "no .yaml or .yml files under"
  const explicit = await run(['vault/closed'], cwd, { prefix });
  assertClean(explicit);
  assert.equal(explicit.code, 2);
  assert.equal(explicit.stderr, 'mesh-lint: vault/closed: skipped: cannot read the folder (EACCES)\n');
  assert.equal(explicit.stdout, '');
});

test(`a folder that can be listed but not entered${who}: its YAML files are named with EACCES, exit 2`, async (t) => {
  const prefix = asUser(t);
  if (!prefix) return;
  const cwd = permissionDir();
  pmk('listable/ok.yaml');
  pmk('listable/noentry/inside.yaml', BAD);
  lock(path.join(cwd, 'listable', 'noentry'), 0o644); // r without x: readdir works, stat of the entries does not
  const scan = await run(['listable'], cwd, { prefix });
  assertClean(scan);
  assert.equal(scan.code, 2, scan.stderr);
  assert.equal(scan.stderr, 'mesh-lint: listable/noentry/inside.yaml: skipped: cannot read (EACCES)\n');
  assert.match(scan.stdout, /in 1 file\(s\)/);
  const explicit = await run(['listable/noentry/inside.yaml'], cwd, { prefix });
  assertClean(explicit);
  assert.equal(explicit.code, 2);
  assert.equal(explicit.stderr, 'mesh-lint: listable/noentry/inside.yaml: permission denied\n');
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

// ---- mesh-lint test-routes: bad route-test files and configuration paths give exit 2 and a message naming the path

/** A route-test file whose one case passes against GOOD (in `good.yaml` next to it). */
const ROUTES = `paths: [good.yaml]
tests:
  - name: reviews
    request: {host: reviews.shop.svc.cluster.local, sourceNamespace: shop}
    expect:
      destinations: [{host: reviews.shop.svc.cluster.local}]
`;

/** exit 2, the path named on a `mesh-lint test-routes:` line of stderr, nothing on stdout, no stack trace. */
function assertRoutesInputError(r: Run, named: string | RegExp, what: RegExp = /./): void {
  assertClean(r);
  assert.equal(r.code, 2, `exit ${r.code}; stderr: ${r.stderr}`);
  const first = r.stderr.split('\n')[0];
  assert.match(first, /^mesh-lint test-routes: /, r.stderr);
  if (typeof named === 'string') assert.ok(r.stderr.includes(named), `stderr should name ${named}: ${r.stderr}`);
  else assert.match(r.stderr, named);
  assert.match(r.stderr, what);
  assert.equal(r.stdout, '');
}

test('test-routes: a passing file exits 0 (the positive control of the cases below)', async () => {
  mk('routes/good.yaml');
  mk('routes/ok.routes.yaml', ROUTES);
  const r = await run(['test-routes', 'routes/ok.routes.yaml'], dir);
  assertClean(r);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /1 passed, 0 failed/);
});

test('test-routes: a missing file, a folder, an empty file, not YAML, binary bytes, a 50 MB file: exit 2 naming it', async () => {
  mk('routes/good.yaml');
  assertRoutesInputError(await run(['test-routes', 'routes/missing.routes.yaml'], dir), 'routes/missing.routes.yaml', /ENOENT|no such file/);
  fs.mkdirSync(path.join(dir, 'routes', 'a-folder.yaml'), { recursive: true });
  assertRoutesInputError(await run(['test-routes', 'routes/a-folder.yaml'], dir), 'routes/a-folder.yaml', /EISDIR|folder|directory/i);
  mk('routes/empty.routes.yaml', '');
  assertRoutesInputError(await run(['test-routes', 'routes/empty.routes.yaml'], dir), 'routes/empty.routes.yaml', /tests/);
  mk('routes/comment-only.routes.yaml', '# nothing here\n');
  assertRoutesInputError(await run(['test-routes', 'routes/comment-only.routes.yaml'], dir), 'routes/comment-only.routes.yaml', /tests/);
  mk('routes/broken.routes.yaml', 'paths: [good.yaml]\ntests: [unclosed\n  - {a: ');
  assertRoutesInputError(await run(['test-routes', 'routes/broken.routes.yaml'], dir), 'routes/broken.routes.yaml', /YAML/);
  mk('routes/list.routes.yaml', '- a\n- b\n');
  assertRoutesInputError(await run(['test-routes', 'routes/list.routes.yaml'], dir), 'routes/list.routes.yaml', /tests/);
  fs.writeFileSync(path.join(dir, 'routes', 'binary.routes.yaml'), Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 10, 0x1b, 0x5b]));
  assertRoutesInputError(await run(['test-routes', 'routes/binary.routes.yaml'], dir), 'routes/binary.routes.yaml');
  const big = path.join(dir, 'routes', 'big.routes.yaml');
  const fd = fs.openSync(big, 'w');
  fs.ftruncateSync(fd, 50 * 1024 * 1024);
  fs.closeSync(fd);
  const r = await run(['test-routes', 'routes/big.routes.yaml'], dir);
  assertRoutesInputError(r, 'routes/big.routes.yaml');
  assert.ok(r.ms < 10_000, `${r.ms} ms`);
  // several files: the bad one is named even after a good one
  mk('routes/ok.routes.yaml', ROUTES);
  assertRoutesInputError(await run(['test-routes', 'routes/ok.routes.yaml', 'routes/empty.routes.yaml'], dir), 'routes/empty.routes.yaml');
});

test('test-routes: a configuration path under `paths:` that does not exist: exit 2 naming it', async () => {
  mk('routes/good.yaml');
  mk('routes/nowhere.routes.yaml', ROUTES.replace('[good.yaml]', '[good.yaml, not-there.yaml]'));
  assertRoutesInputError(await run(['test-routes', 'routes/nowhere.routes.yaml'], dir), /not-there\.yaml/, /no such file/);
});

test(`test-routes: an unreadable route-test file${who}: exit 2 naming it`, async (t) => {
  const prefix = asUser(t);
  if (!prefix) return;
  const cwd = permissionDir();
  pmk('rt/good.yaml');
  lock(pmk('rt/secret.routes.yaml', ROUTES), 0o000);
  assertRoutesInputError(await run(['test-routes', 'rt/secret.routes.yaml'], cwd, { prefix }), 'rt/secret.routes.yaml', /EACCES|permission denied/);
});

// These were bugs in server/src/cli-routes.ts (loadMeshService: EACCES escaped, FIFOs blocked forever): fixed.
test(`test-routes: an unreadable configuration file under \`paths:\`${who}: exit 2 naming it, no stack trace`, async (t) => {
  const prefix = asUser(t);
  if (!prefix) return;
  const cwd = permissionDir();
  lock(pmk('rt2/good.yaml'), 0o000);
  pmk('rt2/ok.routes.yaml', ROUTES);
  assertRoutesInputError(await run(['test-routes', 'rt2/ok.routes.yaml'], cwd, { prefix }), /good\.yaml/, /EACCES|permission denied/);
});

test('test-routes: a FIFO as the route-test file is not opened (no hang): exit 2 naming it', async (t) => {
  fs.mkdirSync(path.join(dir, 'rfifo'), { recursive: true });
  if (!canMakeFifo(path.join(dir, 'rfifo', 'pipe.routes.yaml'))) {
    t.skip('mkfifo is not available');
    return;
  }
  assertRoutesInputError(await run(['test-routes', 'rfifo/pipe.routes.yaml'], dir, { limitMs: 4000 }), 'rfifo/pipe.routes.yaml', /not a regular file/);
});

test('test-routes: a FIFO under `paths:` is not opened (no hang): exit 2 naming it', async (t) => {
  fs.mkdirSync(path.join(dir, 'rfifo2'), { recursive: true });
  if (!canMakeFifo(path.join(dir, 'rfifo2', 'pipe.yaml'))) {
    t.skip('mkfifo is not available');
    return;
  }
  mk('rfifo2/good.yaml');
  mk('rfifo2/ok.routes.yaml', ROUTES.replace('[good.yaml]', '[good.yaml, pipe.yaml]'));
  assertRoutesInputError(await run(['test-routes', 'rfifo2/ok.routes.yaml'], dir, { limitMs: 4000 }), /pipe\.yaml/, /not a regular file/);
});

// ---- the scan's limits: 40 folders deep, 20,000 YAML files per path argument

test('folders nested more than 40 deep: named on stderr, exit 2, the shallower files still checked', async () => {
  const parts = Array.from({ length: 45 }, (_, i) => `d${i + 1}`);
  mk(path.join('deep', ...parts, 'deepest.yaml'), BAD);
  mk(path.join('deep', 'd1', 'shallow.yaml'));
  const r = await run(['deep'], dir);
  assertClean(r);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^mesh-lint: deep\/d1\/.*\/d41: skipped: nested more than 40 folders deep\n$/);
  assert.match(r.stdout, /0 error\(s\).* in 1 file\(s\)/, 'shallow.yaml is checked, deepest.yaml is not');
});

// The CLI's limit is 20,000 files (listYamlFiles' default); a run over 20,001 files takes ~13 s here, so the
// limit is exercised on the function the CLI calls, with a small limit.
test('the file-count limit: listYamlFiles stops at the limit and says so once', async () => {
  for (let i = 0; i < 5; i++) mk(`count/f${i}.yaml`);
  const skipped: string[] = [];
  const files = await listYamlFiles(path.join(dir, 'count'), 3, { onSkip: (f, why) => skipped.push(`${path.relative(dir, f)}: ${why}`) });
  assert.equal(files.length, 3);
  assert.deepEqual(skipped, ['count: more than 3 YAML files: the rest are not checked']);
});

test('the file-count limit: exactly the limit of YAML files (then other files) is not reported as more', async () => {
  for (let i = 0; i < 3; i++) mk(`exact/f${i}.yaml`);
  mk('exact/zz-notes.txt', 'not yaml');
  const skipped: string[] = [];
  const files = await listYamlFiles(path.join(dir, 'exact'), 3, { onSkip: (_f, why) => skipped.push(why) });
  assert.equal(files.length, 3);
  assert.deepEqual(skipped, []);
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
