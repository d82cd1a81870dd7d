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
    codes: [],
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

const MISSING_HOST = `apiVersion: v1
kind: Service
metadata:
  name: reviews
  namespace: shop
spec:
  ports:
  - name: web
    port: 9080
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviewz
`;

function ws(name: string, files: Record<string, string>): string {
  const root = path.join(dir, name);
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), text);
  }
  return root;
}

type JsonOut = { diagnostics: Array<{ rule: string; severity: string; code: string | null; codes: string[]; file: string }> };

test('json output lists every code of a finding in codes, keeping code', () => {
  const root = ws('codes', { 'vs.yaml': MISSING_HOST });
  const r = run(['--format', 'json', '.'], root);
  assert.equal(r.code, 1, r.stderr);
  const d = (JSON.parse(r.stdout) as JsonOut).diagnostics.find((x) => x.rule === 'istio/vs-destination-host-not-found')!;
  assert.equal(d.code, 'IST0101');
  assert.deepEqual(d.codes, ['IST0101', 'KIA1101']);
  const port = (JSON.parse(r.stdout) as JsonOut).diagnostics.find((x) => x.rule === 'istio/service-port-name')!;
  assert.deepEqual([port.code, port.codes], ['IST0118', ['IST0118', 'KIA0601']]);
});

test('sarif: relative percent-encoded URIs against SRCROOT, rule descriptions, help links and default levels', () => {
  const root = ws('sarif', { 'my dir/v#s 1.yaml': MISSING_HOST });
  const r = run(['--format', 'sarif', '.'], root);
  assert.equal(r.code, 1, r.stderr);
  type Sarif = {
    runs: Array<{
      originalUriBaseIds: Record<string, { uri: string }>;
      tool: { driver: { rules: Array<{ id: string; shortDescription: { text: string }; fullDescription?: { text: string }; helpUri?: string; defaultConfiguration: { level: string }; properties?: { codes: string[] } }> } };
      results: Array<{ ruleId: string; ruleIndex: number; properties?: { code: string | null; codes: string[] }; locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }> }>;
    }>;
  };
  const run0 = (JSON.parse(r.stdout) as Sarif).runs[0];
  const base = run0.originalUriBaseIds.SRCROOT.uri;
  assert.match(base, /^file:\/\/.*\/$/);
  assert.equal(new URL(base).pathname.replace(/\/$/, ''), fs.realpathSync(root).split(path.sep).join('/').replace(/^([A-Za-z]:)/, '/$1'));
  const res = run0.results.find((x) => x.ruleId === 'istio/vs-destination-host-not-found')!;
  assert.deepEqual(res.locations[0].physicalLocation.artifactLocation, { uri: 'my%20dir/v%23s%201.yaml', uriBaseId: 'SRCROOT' });
  assert.equal(decodeURIComponent(new URL(res.locations[0].physicalLocation.artifactLocation.uri, base).pathname).endsWith('/my dir/v#s 1.yaml'), true);
  assert.deepEqual(res.properties, { code: 'IST0101', codes: ['IST0101', 'KIA1101'] });
  const rule = run0.tool.driver.rules[res.ruleIndex];
  assert.equal(rule.id, 'istio/vs-destination-host-not-found');
  assert.match(rule.shortDescription.text, /routes \(or mirrors\) to a host/);
  assert.match(rule.fullDescription!.text, /503/);
  assert.equal(rule.helpUri, 'https://github.com/mesh-yaml/mesh-yaml/blob/main/docs/rules.md#istio-vs-destination-host-not-found');
  assert.equal(rule.defaultConfiguration.level, 'error');
  assert.deepEqual(rule.properties?.codes, ['IST0101', 'KIA1101']);
  const anchors = fs.readFileSync(path.join(ROOT, 'docs', 'rules.md'), 'utf8');
  for (const x of run0.tool.driver.rules) {
    assert.ok(x.helpUri, `${x.id} has a helpUri`);
    assert.ok(anchors.includes(`<a id="${x.helpUri.split('#')[1]}"></a>`), `docs/rules.md has the anchor of ${x.id}`);
  }
  const portRule = run0.tool.driver.rules.find((x) => x.id === 'istio/service-port-name')!;
  assert.equal(portRule.defaultConfiguration.level, 'warning');
});

test('--config: severities by id or code (secondary codes too), exclude, from JSON, YAML or .vscode/settings.json', () => {
  const root = ws('config', { 'vs.yaml': MISSING_HOST, 'generated/bad.yaml': BAD.replace('hosts: [reviews]', 'hosts: [gen.example.com]').replace('name: reviews', 'name: gen') });
  const rulesOf = (r: { stdout: string }): string[] => (JSON.parse(r.stdout) as JsonOut).diagnostics.map((d) => `${d.rule}:${d.severity}`).sort();
  assert.deepEqual(rulesOf(run(['--format', 'json', '.'], root)), ['istio/service-port-name:warning', 'istio/vs-destination-host-not-found:error', 'schema/unknown-field:error']);

  fs.writeFileSync(path.join(root, 'lint.json'), JSON.stringify({ rules: { KIA0601: 'off', KIA1101: 'info' }, exclude: ['generated'] }));
  let r = run(['--format', 'json', '--config', 'lint.json', '.'], root);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(rulesOf(r), ['istio/vs-destination-host-not-found:info']);

  fs.writeFileSync(path.join(root, 'lint.yaml'), 'rules:\n  istio/vs-destination-host-not-found: warning\ndisabledRules: [istio/service-port-name]\n');
  r = run(['--format', 'json', '--config=lint.yaml', '.'], root);
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(rulesOf(r), ['istio/vs-destination-host-not-found:warning', 'schema/unknown-field:error']);

  // the workspace's own settings file: comments, trailing commas, other tools' keys; exclude relative to the workspace
  fs.mkdirSync(path.join(root, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(root, '.vscode', 'settings.json'),
    '{\n  // mesh settings\n  "editor.tabSize": 2,\n  "meshYaml.rules": { "IST0101": "off", },\n  "meshYaml.exclude": ["generated/**"],\n  "meshYaml.trace.server": "off",\n}\n',
  );
  r = run(['--format', 'json', '--config', path.join('.vscode', 'settings.json'), '.'], root);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(rulesOf(r), ['istio/service-port-name:warning']);
});

test('--config: a bad file exits 2 naming it', () => {
  const root = ws('badconfig', { 'vs.yaml': GOOD });
  const cases: Array<[string, string, RegExp]> = [
    ['a.json', '{"rules": {"IST0101": "loud"}}', /"IST0101" must be off, error, warning, info or hint/],
    ['b.json', '{"rules": ', /not valid JSON/],
    ['c.yaml', 'rulez: {}\n', /unknown setting "rulez"/],
    ['d.yaml', 'exclude: generated\n', /exclude must be a list of strings/],
    ['e.yaml', '- rules\n', /expected a mapping/],
  ];
  for (const [name, text, why] of cases) {
    fs.writeFileSync(path.join(root, name), text);
    const r = run(['--config', name, 'vs.yaml'], root);
    assert.equal(r.code, 2, `${name}: ${r.stdout}`);
    assert.match(r.stderr, new RegExp(`bad --config ${name.replace('.', '\\.')}: `), name);
    assert.match(r.stderr, why, name);
    assert.equal(r.stdout, '', 'nothing is checked with a bad config');
  }
  const r = run(['--config', 'missing.json', 'vs.yaml'], root);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad --config missing\.json: no such file/);
  assert.match(run(['--help']).stdout, /--config FILE/);
});
