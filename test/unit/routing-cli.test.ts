import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { loadMeshService, runRoutesCommand, type RoutesCommand } from '../../server/src/cli-routes';
import { parseRouteTests } from '../../server/src/service/routing';

const ROOT = path.join(__dirname, '..', '..');
const SCHEMAS = path.join(ROOT, 'schemas');
const FIX = path.join(ROOT, 'test', 'fixtures', 'routing');
const BOOKSTORE = path.join(ROOT, 'samples', 'istio-bookstore');

/** Runs a routes command with a fixture loader, capturing stdout/stderr and the loaded paths. */
async function run(command: RoutesCommand, argv: string[]): Promise<{ code: number; out: string; err: string; loaded: string[][] }> {
  let out = '';
  let err = '';
  const loaded: string[][] = [];
  const code = await runRoutesCommand(
    command,
    argv,
    (paths) => {
      loaded.push(paths);
      return loadMeshService(paths, SCHEMAS);
    },
    { stdout: (t) => (out += t), stderr: (t) => (err += t) },
  );
  return { code, out, err, loaded };
}

describe('mesh-lint simulate', () => {
  test('--format json prints exactly the documented shape', async () => {
    const r = await run('simulate', [BOOKSTORE, '--host', 'reviews.bookstore', '--source-principal', 'cluster.local/ns/bookstore/sa/bookstore-productpage', '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    assert.deepEqual(Object.keys(j), ['matched', 'destinations', 'actions', 'mtls', 'authorization']);
    assert.deepEqual(j.matched, { resource: { kind: 'VirtualService', namespace: 'bookstore', name: 'reviews' }, rule: 'canary' });
    assert.deepEqual(j.destinations, [
      { host: 'reviews.bookstore.svc.cluster.local', subset: 'v1', port: 9080, percent: 90 },
      { host: 'reviews.bookstore.svc.cluster.local', subset: 'v3', port: 9080, percent: 10 },
    ]);
    assert.deepEqual(j.actions, { timeout: '2s' });
    assert.equal(j.mtls, 'STRICT');
    assert.deepEqual(j.authorization, { decision: 'ALLOW', policy: 'bookstore/reviews-from-productpage' });
    assert.deepEqual(r.loaded, [[BOOKSTORE]]);
  });

  test('headers, method and gateway flags; the rule index when it has no name', async () => {
    const r = await run('simulate', [BOOKSTORE, '--host=bookstore.example.com', '--gateway', 'bookstore/bookstore-gateway', '--port', '443', '--method', 'post', '--path', '/api/v1/products?x=1', '-H', 'X-Trace: 1', '--format=json']);
    const j = JSON.parse(r.out) as { matched: { rule: unknown }; authorization: { decision: string } };
    assert.equal(j.matched.rule, 'productpage');
    assert.equal(j.authorization.decision, 'ALLOW');
    const ratings = JSON.parse((await run('simulate', [BOOKSTORE, '--host', 'ratings.bookstore', '--format', 'json'])).out) as { matched: { rule: unknown } };
    assert.equal(ratings.matched.rule, 0);
  });

  test('text output explains skipped rules, the match, destinations, mTLS and authorization', async () => {
    const r = await run('simulate', [BOOKSTORE, '--host', 'reviews.bookstore', '--source-namespace', 'bookstore', '--source-label', 'app=productpage']);
    assert.equal(r.code, 0);
    assert.match(r.out, /Entry: +mesh/);
    assert.match(r.out, /Skipped: +VirtualService bookstore\/reviews rule 0 "testers": header end-user exact jason does not match \(absent\)/);
    assert.match(r.out, /Matched: +VirtualService bookstore\/reviews rule 1 "canary"/);
    assert.match(r.out, /90% +reviews.bookstore.svc.cluster.local subset v1 port 9080 -> Deployment reviews-v1/);
    assert.match(r.out, /mTLS: +STRICT/);
    assert.match(r.out, /Authorization: ALLOW by bookstore\/reviews-from-productpage rule 0/);
    assert.match(r.out, /Status: +200/);
  });

  test('no route: matched null and exit 1', async () => {
    const r = await run('simulate', [BOOKSTORE, '--host', 'bookstore.example.com', '--port', '443', '--path', '/nope', '--format', 'json']);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.out) as { matched: unknown; destinations: unknown[] };
    assert.equal(j.matched, null);
    assert.deepEqual(j.destinations, []);
  });

  test('bad usage exits 2 with the usage on stderr', async () => {
    for (const argv of [[BOOKSTORE], [BOOKSTORE, '--host', 'x', '--port', 'eighty'], [BOOKSTORE, '--host', 'x', '--bogus'], [BOOKSTORE, '--host', 'x', '--format', 'xml'], [BOOKSTORE, '--host', 'x', '--header', 'novalue'], ['/no/such/dir', '--host', 'x']]) {
      const r = await run('simulate', argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, /mesh-lint simulate: /);
      assert.equal(r.out, '');
    }
    const help = await run('simulate', ['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: mesh-lint simulate/);
  });
});

describe('mesh-lint test-routes', () => {
  test('the bookstore route tests pass', async () => {
    const r = await run('test-routes', [path.join(FIX, 'bookstore.routes.yaml')]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^ok 1 - /m);
    assert.match(r.out, /^11 passed, 0 failed$/m);
    assert.deepEqual(r.loaded, [[BOOKSTORE]]);
  });

  test('Gateway API and Linkerd route tests pass', async () => {
    const r = await run('test-routes', [path.join(FIX, 'gateway-api.routes.yaml'), path.join(FIX, 'linkerd-app.routes.yaml')]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^8 passed, 0 failed$/m);
    assert.equal(r.loaded.length, 2);
  });

  test('a failing case prints not ok with the reasons and exits 1', async () => {
    const r = await run('test-routes', [path.join(FIX, 'failing.routes.yaml')]);
    assert.equal(r.code, 1);
    assert.match(r.out, /^ok 1 - passes$/m);
    assert.match(r.out, /^not ok 2 - fails$/m);
    assert.match(r.out, /# expected destination reviews.bookstore\/v2 100%; got reviews.bookstore.svc.cluster.local\/v1:9080 90%, reviews.bookstore.svc.cluster.local\/v3:9080 10%/);
    assert.match(r.out, /# expected status 404; got 403/);
    assert.match(r.out, /^1 passed, 1 failed$/m);
    const json = await run('test-routes', ['--format', 'json', path.join(FIX, 'failing.routes.yaml')]);
    const j = JSON.parse(json.out) as { passed: number; failed: number; results: Array<{ ok: boolean }> };
    assert.deepEqual([j.passed, j.failed], [1, 1]);
  });

  test('usage errors: no file, unreadable file, invalid test file', async () => {
    assert.equal((await run('test-routes', [])).code, 2);
    assert.equal((await run('test-routes', [path.join(FIX, 'nope.yaml')])).code, 2);
    const bad = await run('test-routes', [path.join(FIX, 'gwapi-routes.yaml')]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /`tests` must be a non-empty list/);
  });

  test('the file format: defaults, short destinations, errors per case', () => {
    const ok = parseRouteTests('paths: a\ndefaults: { request: { host: h, headers: { a: "1" } } }\ntests:\n- request: { headers: { b: "2" } }\n  expect: { destinations: [h.ns], matched: null }\n');
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(ok.file?.paths, ['a']);
    assert.deepEqual(ok.file?.tests[0].request, { host: 'h', headers: { a: '1', b: '2' } });
    assert.deepEqual(ok.file?.tests[0].expect, { destinations: [{ host: 'h.ns' }], matched: null });
    const bad = parseRouteTests('tests:\n- name: one\n  request: { path: / }\n  expect: {}\n- name: two\n  request: { host: h }\n  expect: { authorization: MAYBE }\n');
    assert.deepEqual(bad.errors, ['one: request.host is required', 'two: expect.authorization must be ALLOW or DENY']);
  });
});
