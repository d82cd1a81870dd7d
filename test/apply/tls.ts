/**
 * Test certificates for the fake API server, made with the openssl CLI in a temp folder: a CA,
 * a server certificate for 127.0.0.1 signed by it, and a second, unrelated CA (for the
 * "certificate not trusted" path). Returns undefined when openssl is not installed.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TestPki {
  ca: string;
  key: string;
  cert: string;
  otherCa: string;
  /** A client key (PEM), used as a credential that must never be printed. */
  clientKey: string;
}

let cached: TestPki | undefined | null = null;

export function makeTestPki(): TestPki | undefined {
  if (cached !== null) return cached;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-apply-pki-'));
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=fake-apiserver-test-ca');
    ssl('req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'other.crt', '-days', '2', '-subj', '/CN=unrelated-test-ca');
    ssl('req', ...ec, '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=127.0.0.1');
    fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    ssl('x509', '-req', '-in', 'srv.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.crt', '-days', '2', '-extfile', 'san.ext');
    ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', 'client.key');
    const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');
    cached = { ca: read('ca.crt'), key: read('srv.key'), cert: read('srv.crt'), otherCa: read('other.crt'), clientKey: read('client.key') };
  } catch {
    cached = undefined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return cached;
}
