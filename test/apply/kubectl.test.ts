/**
 * Proves the fake API server (a test double) speaks the protocol: the real kubectl runs
 * against it (discovery, OpenAPI v3 field-validation check, server-side apply, dry run, get with
 * Table output, error Status objects), and what kubectl writes is what our apply code reads.
 * Skipped when kubectl is not installed.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { executeApply, planApply, type KubeConnection } from '../../client/src/kube';
import type { FakeApiServer } from './fake-apiserver';
import { cleanupTmp, connectTo, DR, resources, startFake, tmpDir, VS } from './helpers';
import { makeTestPki } from './tls';

const run = promisify(execFile);

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

const available = hasKubectl();

describe('real kubectl against the fake API server', { skip: available ? false : 'kubectl not installed' }, () => {
  let fake: FakeApiServer;
  let dir: string;
  let kubeconfig: string;
  let conn: KubeConnection;

  before(async () => {
    // client-go never sends a bearer token over plain HTTP, so kubectl gets HTTPS with a test CA
    // when openssl can make one; otherwise plain HTTP with anonymous access.
    const pki = makeTestPki();
    fake = await startFake(pki ? { tls: pki } : { anonymous: true });
    dir = tmpDir();
    kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfig, fake.kubeconfig({ context: 'fake-kubectl' }), { mode: 0o600 });
    conn = await connectTo(fake, { kubeconfig: fake.kubeconfig({ context: 'fake-kubectl' }) });
  });
  after(async () => {
    await fake.close();
    cleanupTmp();
  });

  async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const r = await run('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', path.join(dir, 'cache'), ...args], {
        env: { ...process.env, HOME: dir, KUBECONFIG: kubeconfig },
        timeout: 60_000,
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const x = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof x.code === 'number' ? x.code : 1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
    }
  }

  function file(name: string, text: string): string {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  }

  test('kubectl apply --server-side (with its default server-side field validation)', async () => {
    const r = await kubectl('apply', '--server-side', '-f', file('x.yaml', `${VS}---\n${DR}`));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /virtualservice\.networking\.istio\.io\/reviews serverside-applied/);
    assert.match(r.stdout, /destinationrule\.networking\.istio\.io\/reviews serverside-applied/);
    const patch = fake.requests.find((q) => q.method === 'PATCH' && q.path.endsWith('/virtualservices/reviews'))!;
    assert.equal(patch.contentType, 'application/apply-patch+yaml');
    assert.equal(patch.query.fieldManager, 'kubectl');
    assert.equal(patch.query.fieldValidation, 'Strict');
  });

  test('kubectl get virtualservices', async () => {
    const r = await kubectl('get', 'virtualservices');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME\s+AGE\nreviews\s+1d\n$/);
    const json = await kubectl('get', 'vs', 'reviews', '-o', 'json', '--show-managed-fields');
    const obj = JSON.parse(json.stdout) as { spec: { hosts: string[] }; metadata: { managedFields: { manager: string }[] } };
    assert.deepEqual(obj.spec.hosts, ['reviews']);
    assert.equal(obj.metadata.managedFields[0].manager, 'kubectl');
  });

  test('kubectl apply --server-side --dry-run=server changes nothing', async () => {
    const before = JSON.stringify(fake.get('networking.istio.io', 'virtualservices', 'default', 'reviews'));
    const r = await kubectl('apply', '--server-side', '--dry-run=server', '-f', file('y.yaml', VS.replace('subset: v1', 'subset: v2')));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /serverside-applied \(server dry run\)/);
    assert.equal(JSON.stringify(fake.get('networking.istio.io', 'virtualservices', 'default', 'reviews')), before);
  });

  test("kubectl understands the fake's error Status objects (422)", async () => {
    const bad = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: bad\nspec:\n  hosts: [reviews]\n  http:\n  - timeout: 3x\n    route:\n    - destination: {host: reviews}\n';
    const r = await kubectl('apply', '--server-side', '-f', file('bad.yaml', bad));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.http\[0\]\.timeout: Invalid value: "string": must be a valid duration/);
  });

  test('our plan sees what kubectl applied, and a change conflicts with kubectl\'s fields', async () => {
    const same = await planApply(conn, resources(VS), { fieldManager: 'mesh-yaml' });
    assert.equal(same.entries[0].action, 'unchanged');
    const changed = await planApply(conn, resources(VS.replace('subset: v1', 'subset: v2')), { fieldManager: 'mesh-yaml' });
    assert.equal(changed.entries[0].error?.kind, 'conflict');
    assert.deepEqual(changed.entries[0].error?.conflicts, [{ manager: 'kubectl', field: 'spec.http' }]);
    const forced = await planApply(conn, resources(VS.replace('subset: v1', 'subset: v2')), { fieldManager: 'mesh-yaml', force: true });
    const report = await executeApply(conn, forced);
    assert.equal(report.ok, true, report.summary);
    const r = await kubectl('get', 'vs', 'reviews', '-o', 'jsonpath={.spec.http[0].route[0].destination.subset}');
    assert.equal(r.stdout, 'v2');
  });
});
