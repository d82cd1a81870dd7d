import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { loadMeshService, runRoutesCommand, type RoutesCommand, type SimulationJson } from '../../server/src/cli-routes';
import { parseRouteTests, runRouteTests, simulate } from '../../server/src/service/routing';

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
  test('--format json: the documented fields first, then status, outcome, entry, skipped rules and mTLS details', async () => {
    const r = await run('simulate', [BOOKSTORE, '--host', 'reviews.bookstore', '--source-principal', 'cluster.local/ns/bookstore/sa/bookstore-productpage', '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as SimulationJson;
    assert.deepEqual(Object.keys(j), ['matched', 'destinations', 'actions', 'mtls', 'authorization', 'status', 'outcome', 'request', 'entry', 'skipped', 'mtlsDetails', 'notes']);
    assert.deepEqual(j.matched, { resource: { kind: 'VirtualService', namespace: 'bookstore', name: 'reviews' }, rule: 'canary', summary: 'any request', delegatedFrom: null });
    assert.deepEqual(j.destinations, [
      { host: 'reviews.bookstore.svc.cluster.local', subset: 'v1', port: 9080, percent: 90 },
      { host: 'reviews.bookstore.svc.cluster.local', subset: 'v3', port: 9080, percent: 10 },
    ]);
    assert.deepEqual(j.actions, { timeout: '2s' });
    assert.equal(j.mtls, 'STRICT');
    // the documented {decision, policy}, plus the deciding rule, the reason and the CUSTOM policies
    assert.equal(j.authorization.decision, 'ALLOW');
    assert.equal(j.authorization.policy, 'bookstore/reviews-from-productpage');
    assert.equal(j.authorization.rule, 0);
    assert.match(j.authorization.reason, /rule 0 matches/);
    assert.deepEqual(j.authorization.custom, []);
    assert.equal(j.authorization.gateway, null);
    assert.equal(j.status, 200);
    assert.equal(j.outcome, 'routed');
    assert.deepEqual(j.request, { method: 'GET', scheme: 'http', host: 'reviews.bookstore', port: 9080, path: '/', resolvedHost: 'reviews.bookstore.svc.cluster.local' });
    assert.deepEqual(j.entry, { kind: 'mesh', name: 'mesh', listener: null });
    assert.deepEqual(j.skipped, [{ resource: { kind: 'VirtualService', namespace: 'bookstore', name: 'reviews' }, rule: 'testers', reason: 'header end-user exact jason does not match (absent)' }]);
    assert.deepEqual(j.mtlsDetails, {
      server: 'STRICT',
      level: 'namespace',
      policy: 'bookstore/default',
      client: 'AUTO',
      clientPolicy: null,
      effective: 'mtls',
      conflict: null,
      reason: 'auto mTLS, server STRICT (PeerAuthentication bookstore/default (namespace level))',
    });
    assert.deepEqual(r.loaded, [[BOOKSTORE]]);
  });

  test('a 404 at the gateway: status 404, outcome not-found, authorization NOT_EVALUATED, no hop; exit 1', async () => {
    const r = await run('simulate', [BOOKSTORE, '--host', 'bookstore.example.com', '--scheme', 'https', '--path', '/admin', '--format', 'json']);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.out) as SimulationJson;
    assert.equal(j.matched, null);
    assert.deepEqual(j.destinations, []);
    assert.equal(j.status, 404);
    assert.equal(j.outcome, 'not-found');
    assert.deepEqual([j.authorization.decision, j.authorization.policy, j.authorization.rule], ['NOT_EVALUATED', null, null]);
    assert.equal(j.mtls, 'NONE');
    assert.equal(j.mtlsDetails, null);
    assert.deepEqual(j.entry.listener, { name: 'https', port: 443, protocol: 'HTTPS', hosts: ['bookstore.example.com'], tls: 'SIMPLE' });
    assert.equal(j.skipped.length, 1);
    assert.match(j.skipped[0].reason, /uri exact \/productpage does not match \/admin/);
    const text = await run('simulate', [BOOKSTORE, '--host', 'bookstore.example.com', '--scheme', 'https', '--path', '/admin']);
    assert.match(text.out, /^Authorization: NOT_EVALUATED \(no route matches: no request reaches a workload\)$/m);
    assert.match(text.out, /^Status: +404 \(no route\)$/m);
  });

  test('a DestinationRule DISABLE against STRICT: 503, outcome error, the conflict in JSON and text; exit 1', async () => {
    const args = [path.join(FIX, 'mtls-conflict.yaml'), '--host', 'api.pay', '--source-namespace', 'pay'];
    const r = await run('simulate', [...args, '--format', 'json']);
    assert.equal(r.code, 1, r.out);
    const j = JSON.parse(r.out) as SimulationJson;
    assert.equal(j.status, 503);
    assert.equal(j.outcome, 'error');
    assert.equal(j.mtls, 'STRICT');
    assert.equal(j.mtlsDetails?.server, 'STRICT');
    assert.equal(j.mtlsDetails?.client, 'DISABLE');
    assert.equal(j.mtlsDetails?.clientPolicy, 'pay/api-plaintext');
    assert.equal(j.mtlsDetails?.effective, 'fails');
    assert.match(j.mtlsDetails?.conflict ?? '', /DestinationRule pay\/api-plaintext disables TLS but PeerAuthentication pay\/default .* requires STRICT/);
    assert.equal(j.authorization.decision, 'NOT_EVALUATED');
    assert.deepEqual(j.destinations, [{ host: 'api.pay.svc.cluster.local', subset: null, port: 8080, percent: 100 }]);
    const text = await run('simulate', args);
    assert.equal(text.code, 1);
    assert.match(text.out, /^mTLS: +STRICT \(server\) \/ DISABLE \(client\) -> FAILS: /m);
    assert.match(text.out, /^Status: +503 \(error: the request fails\)$/m);
  });

  test('CUSTOM policies and the deciding DENY rule are in the JSON', async () => {
    const r = await run('simulate', [path.join(FIX, 'authz-custom.yaml'), '--host', 'orders.shop', '--method', 'DELETE', '--path', '/admin/x', '--source-principal', 'cluster.local/ns/shop/sa/frontend', '--format', 'json']);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.out) as SimulationJson;
    assert.deepEqual(
      { decision: j.authorization.decision, policy: j.authorization.policy, rule: j.authorization.rule, custom: j.authorization.custom },
      { decision: 'DENY', policy: 'shop/no-delete', rule: 0, custom: [{ policy: 'shop/ext-authz', provider: 'opa' }] },
    );
    assert.deepEqual([j.status, j.outcome], [403, 'denied']);
    const allowed = JSON.parse((await run('simulate', [path.join(FIX, 'authz-custom.yaml'), '--host', 'orders.shop', '--path', '/admin/x', '--source-principal', 'cluster.local/ns/shop/sa/frontend', '--format', 'json'])).out) as SimulationJson;
    assert.deepEqual([allowed.authorization.decision, allowed.authorization.policy, allowed.authorization.rule, allowed.status], ['ALLOW', 'shop/from-frontend', 0, 200]);
    assert.equal(allowed.authorization.custom.length, 1);
  });

  test('without --port an http request goes to port 80 (the bookstore gateway redirects it); --scheme https to 443', async () => {
    const http = await run('simulate', [BOOKSTORE, '--host', 'bookstore.example.com', '--path', '/productpage']);
    assert.equal(http.code, 0);
    assert.match(http.out, /^Request: +GET http:\/\/bookstore.example.com:80\/productpage$/m);
    assert.match(http.out, /^Entry: +Istio Gateway bookstore\/bookstore-gateway, server http \(HTTP 80\)$/m);
    assert.match(http.out, /^Actions: +redirect 301 to https:\/\/bookstore.example.com\/productpage$/m);
    const https = await run('simulate', [BOOKSTORE, '--host', 'bookstore.example.com', '--path', '/productpage', '--scheme', 'https', '--format', 'json']);
    const j = JSON.parse(https.out) as SimulationJson;
    assert.deepEqual([j.request.scheme, j.request.port, j.entry.listener?.name, j.status], ['https', 443, 'https', 200]);
    // a port alone implies its scheme: 443 is https
    const p443 = JSON.parse((await run('simulate', [BOOKSTORE, '--host', 'bookstore.example.com', '--port', '443', '--format', 'json'])).out) as SimulationJson;
    assert.equal(p443.request.scheme, 'https');
    const bad = await run('simulate', [BOOKSTORE, '--host', 'bookstore.example.com', '--scheme', 'ftp']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--scheme must be http or https/);
  });

  test('Gateway API: without --port the HTTP listener on 80 takes the request, not a more specific listener on 9000', async () => {
    const fix = path.join(FIX, 'gwapi-listeners.yaml');
    const j = JSON.parse((await run('simulate', [fix, '--host', 'b.example.com', '--format', 'json'])).out) as SimulationJson;
    assert.deepEqual(j.entry.listener, { name: 'http', port: 80, protocol: 'HTTP', hosts: ['*.example.com'], tls: null });
    assert.deepEqual(j.matched?.resource, { kind: 'HTTPRoute', namespace: 'app', name: 'web' });
    assert.deepEqual([j.request.scheme, j.request.port], ['http', 80]);
    const s = JSON.parse((await run('simulate', [fix, '--host', 'b.example.com', '--scheme', 'https', '--format', 'json'])).out) as SimulationJson;
    assert.deepEqual([s.entry.listener?.name, s.request.scheme, s.request.port], ['https', 'https', 443]);
    const g = JSON.parse((await run('simulate', [fix, '--host', 'b.example.com', '--port', '9000', '--path', '/pkg.Svc/Get', '-H', 'content-type: application/grpc', '--format', 'json'])).out) as SimulationJson;
    assert.deepEqual([g.entry.listener?.name, g.matched?.resource.kind], ['grpc', 'GRPCRoute']);
    const text = await run('simulate', [fix, '--host', 'b.example.com']);
    assert.match(text.out, /^Request: +GET http:\/\/b.example.com:80\/$/m);
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
    assert.match(r.out, /^Request: +GET http:\/\/reviews.bookstore:9080\/$/m);
    assert.match(r.out, /Entry: +mesh/);
    assert.match(r.out, /Skipped: +VirtualService bookstore\/reviews rule 0 "testers": header end-user exact jason does not match \(absent\)/);
    assert.match(r.out, /Matched: +VirtualService bookstore\/reviews rule 1 "canary" \(any request\)/);
    assert.match(r.out, /90% +reviews.bookstore.svc.cluster.local \(v1\) port 9080 -> Deployment reviews-v1/);
    assert.match(r.out, /mTLS: +STRICT \(server\) \/ AUTO \(client\) -> mutual TLS/);
    assert.match(r.out, /Authorization: ALLOW by bookstore\/reviews-from-productpage rule 0/);
    assert.match(r.out, /Status: +200 \(routed\)/);
  });

  test('no route: matched null and exit 1', async () => {
    const r = await run('simulate', [BOOKSTORE, '--host', 'bookstore.example.com', '--port', '443', '--path', '/nope', '--format', 'json']);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.out) as SimulationJson;
    assert.equal(j.matched, null);
    assert.deepEqual(j.destinations, []);
    assert.equal(j.status, 404);
  });

  test('shares sum to 100 with an equal three-way split', async () => {
    const j = JSON.parse((await run('simulate', [path.join(FIX, 'smi-split.yaml'), '--host', 'web.three', '--format', 'json'])).out) as SimulationJson;
    assert.deepEqual(j.destinations.map((d) => d.percent), [33.34, 33.33, 33.33]);
    assert.equal(j.destinations.reduce((a, d) => a + d.percent, 0), 100);
  });

  test('a TrafficSplit is reported as the matched resource (it decides as a whole: rule null)', async () => {
    const r = await run('simulate', [path.join(FIX, 'smi-split.yaml'), '--host', 'web.smi', '--format', 'json']);
    const j = JSON.parse(r.out) as SimulationJson;
    assert.deepEqual(j.matched, { resource: { kind: 'TrafficSplit', namespace: 'smi', name: 'web-split' }, rule: null, summary: '90% web-v1.smi / 10% web-v2.smi', delegatedFrom: null });
    assert.deepEqual(j.destinations.map((d) => d.percent), [90, 10]);
    const text = await run('simulate', [path.join(FIX, 'smi-split.yaml'), '--host', 'web.smi']);
    assert.match(text.out, /^Matched: +TrafficSplit smi\/web-split \(90% web-v1.smi \/ 10% web-v2.smi\)$/m);
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
    assert.match(r.out, /^12 passed, 0 failed$/m);
    assert.deepEqual(r.loaded, [[BOOKSTORE]]);
  });

  test('Gateway API, Linkerd and SMI route tests pass', async () => {
    const r = await run('test-routes', [path.join(FIX, 'gateway-api.routes.yaml'), path.join(FIX, 'linkerd-app.routes.yaml'), path.join(FIX, 'smi.routes.yaml')]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^10 passed, 0 failed$/m);
    assert.equal(r.loaded.length, 3);
  });

  test('misspelled keys and cases that check nothing are errors with file:line:column and a did-you-mean (exit 2)', async () => {
    const file = path.join(FIX, 'typos.routes.yaml');
    const r = await run('test-routes', [file]);
    assert.equal(r.code, 2);
    assert.equal(r.out, '', 'no case runs');
    const lines = r.err.split('\n').filter((l) => l.startsWith(`  ${file}:`));
    assert.deepEqual(
      lines.map((l) => l.slice(file.length + 3).replace(/; expected one of .*$/, '')),
      [
        '7:7: unknown key "heders" in request (did you mean "headers"?)',
        '8:7: unknown key "sorceNamespace" in request (did you mean "sourceNamespace"?)',
        '10:7: unknown key "statsu" in expect (did you mean "status"?)',
        '11:5: case "no expectation at all" has no `expect`: say what the request should get (destinations, status, matched, authorization, ...)',
        '15:13: case "an empty expectation" expects nothing: give at least one expectation',
        '18:23: expect.status must be a whole number from 100 to 599, got "ok"',
      ],
    );
    assert.doesNotMatch(r.err, /^Usage:/m, 'an invalid file is not a usage error');
  });

  test('a TrafficSplit expectation fails when the split is not what decided', async () => {
    const parsed = parseRouteTests('paths: [smi-split.yaml]\ntests:\n- request: { host: web.smi }\n  expect: { matched: { kind: TrafficSplit, rule: 0 } }\n');
    assert.deepEqual(parsed.errors, []);
    const svc = await loadMeshService([path.join(FIX, 'smi-split.yaml')], SCHEMAS);
    const [res] = runRouteTests(parsed.file!, (req) => simulate(svc.index(), req));
    assert.deepEqual(res.failures, ['expected match TrafficSplit rule 0; got TrafficSplit smi/web-split']);
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
    const bad = parseRouteTests('tests:\n- name: one\n  request: { path: / }\n  expect: { status: 200 }\n- name: two\n  request: { host: h }\n  expect: { authorization: MAYBE }\n', 't.yaml');
    assert.deepEqual(bad.errors, ['t.yaml:3:12: case "one": request.host is required (here or in defaults.request)', 't.yaml:7:28: expect.authorization must be one of ALLOW, DENY, NOT_EVALUATED, got "MAYBE"']);
    const typo = parseRouteTests('tests:\n- request: { host: h }\n  expect: { matched: { knd: VirtualService } }\n', 't.yaml');
    assert.deepEqual(typo.errors, ['t.yaml:3:24: unknown key "knd" in expect.matched (did you mean "kind"?); expected one of kind, namespace, name, rule', 't.yaml:3:22: expect.matched is empty: give kind, namespace, name or rule, or `matched: null`']);
    const deep = parseRouteTests('tests:\n- request: { host: h }\n  expect:\n    destinations: [{ host: h, subst: v1 }]\n    actions: { timout: 1s }\n', 't.yaml');
    assert.deepEqual(
      deep.errors.map((e) => e.replace(/; expected one of .*$/, '')),
      ['t.yaml:4:31: unknown key "subst" in an expected destination (did you mean "subset"?)', 't.yaml:5:16: unknown key "timout" in expect.actions (did you mean "timeout"?)'],
    );
    const top = parseRouteTests('path: [a]\ntests:\n- request: { host: h }\n  expect: { status: 200 }\n', 't.yaml');
    assert.match(top.errors[0], /^t\.yaml:1:1: unknown key "path" in the file \(did you mean "paths"\?\)/);
  });
});
