import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, test } from 'node:test';

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'mesh-lint.js');
let dir: string;

function run(args: string[], cwd = dir): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const BAD = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - timout: 5s
    route:
    - destination:
        host: reviews
`;
const GOOD = BAD.replace('timout', 'timeout');
const WARN = `apiVersion: policy.linkerd.io/v1beta1
kind: Server
metadata:
  name: web
spec:
  podSelector:
    matchLabels: {app: web}
  port: http
`;

before(() => {
  assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'server', 'cli.js')), 'run npm run build first');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-lint-'));
  fs.mkdirSync(path.join(dir, 'good'));
  fs.mkdirSync(path.join(dir, 'bad', 'nested'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'good', 'vs.yaml'), GOOD);
  fs.writeFileSync(path.join(dir, 'good', 'server.yml'), WARN);
  fs.writeFileSync(path.join(dir, 'good', 'notes.txt'), 'not yaml');
  fs.writeFileSync(path.join(dir, 'bad', 'nested', 'vs.yaml'), BAD);
});

test('exit 0 on a folder without errors (warnings allowed), text output names file:line:col', () => {
  const r = run(['good']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /good[/\\]server\.yml:1:13: warning \[schema\/deprecated-version\]/);
  assert.match(r.stdout, /0 error\(s\), 1 warning\(s\), \d+ note\(s\) in 2 file\(s\)/);
});

test('exit 1 on errors, recursing into folders', () => {
  const r = run(['.']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /bad[/\\]nested[/\\]vs\.yaml:9:5: error \[schema\/unknown-field\] Unknown field "timout"/);
});

test('json output has the documented shape', () => {
  const r = run(['bad', '--format', 'json']);
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout) as { diagnostics: Array<Record<string, unknown>> };
  assert.equal(out.diagnostics.length, 1);
  assert.deepEqual(out.diagnostics[0], {
    file: path.join('bad', 'nested', 'vs.yaml'),
    range: { start: { line: 8, character: 4 }, end: { line: 8, character: 10 } },
    severity: 'error',
    rule: 'schema/unknown-field',
    code: null,
    message: out.diagnostics[0].message,
    resource: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: 'shop', name: 'reviews' },
  });
});

test('sarif output is SARIF 2.1.0 with rules and 1-based regions', () => {
  const r = run(['bad', 'good', '--format=sarif']);
  assert.equal(r.code, 1);
  const sarif = JSON.parse(r.stdout) as { version: string; runs: Array<{ tool: { driver: { name: string; rules: Array<{ id: string }> } }; results: Array<{ ruleId: string; level: string; locations: Array<{ physicalLocation: { region: { startLine: number; startColumn: number } } }> }> }> };
  assert.equal(sarif.version, '2.1.0');
  const run0 = sarif.runs[0];
  assert.equal(run0.tool.driver.name, 'mesh-lint');
  const ids = run0.tool.driver.rules.map((x) => x.id);
  assert.ok(ids.includes('schema/deprecated-version') && ids.includes('schema/unknown-field'), ids.join(','));
  assert.deepEqual([...ids].sort(), ids, 'rules are sorted');
  const err = run0.results.find((x) => x.ruleId === 'schema/unknown-field')!;
  assert.equal(err.level, 'error');
  assert.deepEqual(err.locations[0].physicalLocation.region.startLine, 9);
  assert.deepEqual(err.locations[0].physicalLocation.region.startColumn, 5);
});

test('exit 2 naming the path when it does not exist', () => {
  const r = run(['missing.yaml']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing\.yaml: no such file or folder/);
});

test('exit 2 on bad usage', () => {
  const r = run(['--format', 'xml']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown format "xml"/);
  assert.equal(run(['--bogus']).code, 2);
});

test('exit 2 on an unreadable file', (t) => {
  if (process.getuid?.() === 0) {
    // root can read anything; use a directory named like a file instead
    const p = path.join(dir, 'dir.yaml');
    fs.mkdirSync(p, { recursive: true });
    fs.writeFileSync(path.join(p, 'x.yaml'), GOOD);
    const r = run([p]);
    assert.equal(r.code, 0, 'a folder named .yaml is recursed into');
    t.diagnostic('running as root: permission test replaced by a folder check');
    return;
  }
  const p = path.join(dir, 'secret.yaml');
  fs.writeFileSync(p, GOOD);
  fs.chmodSync(p, 0);
  const r = run([p]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /secret\.yaml: cannot read/);
});

test('CRDs given with --crds pin the schema', () => {
  const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: virtualservices.networking.istio.io
spec:
  group: networking.istio.io
  names: {kind: VirtualService, plural: virtualservices}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`;
  fs.writeFileSync(path.join(dir, 'crd.yaml'), crd);
  const r = run(['bad', '--crds', 'crd.yaml']);
  assert.equal(r.code, 0, r.stdout);
});

test('--help prints usage and exits 0', () => {
  const r = run(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: mesh-lint/);
});
