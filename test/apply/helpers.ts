/** Shared setup for the apply tests: the fake API server, temp kubeconfigs, a connection, captured output. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, loadKubeconfig, parseManifests, silentLogger, type KubeConnection, type Logger, type ManifestResource } from '../../client/src/kube';
import { FakeApiServer, type FakeOptions } from './fake-apiserver';

/** Texts the code under test produced (messages, log lines, diff documents), collected by one test to scan them for secrets. */
export class Capture {
  readonly texts: string[] = [];
  readonly logger: Logger = {
    info: (m) => this.texts.push(m),
    warn: (m) => this.texts.push(m),
    error: (m) => this.texts.push(m),
  };
  add(...texts: (string | undefined)[]): void {
    for (const t of texts) if (t) this.texts.push(t);
  }
}

const tmpDirs: string[] = [];
export function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-apply-test-'));
  tmpDirs.push(d);
  return d;
}
export function cleanupTmp(): void {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export function writeKubeconfig(text: string): string {
  const f = path.join(tmpDir(), 'kubeconfig');
  fs.writeFileSync(f, text, { mode: 0o600 });
  return f;
}

export async function startFake(opts: FakeOptions = {}): Promise<FakeApiServer> {
  return FakeApiServer.start(opts);
}

/** A connection to `fake` through a real kubeconfig file, as the extension makes it. */
export async function connectTo(
  fake: FakeApiServer,
  o: { timeoutMs?: number; namespace?: string; kubeconfig?: string; context?: string; logger?: Logger } = {},
): Promise<KubeConnection> {
  const file = writeKubeconfig(o.kubeconfig ?? fake.kubeconfig());
  const loaded = await loadKubeconfig({ setting: file, env: {} });
  return connect(loaded, { contextName: o.context, namespace: o.namespace, timeoutMs: o.timeoutMs ?? 5000, logger: o.logger ?? silentLogger });
}

/** Resources of a YAML text, as from an editor buffer named `file`. */
export function resources(text: string, file = '/ws/app.yaml'): ManifestResource[] {
  const set = parseManifests(text, file);
  if (set.errors.length) throw new Error(set.errors.map((e) => e.message).join('\n'));
  return set.resources;
}

/** Removes the common indentation of a template literal and its first empty line. */
export function y(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = raw.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n').replace(/[ ]+$/, '');
}

export const VS = y`
  apiVersion: networking.istio.io/v1
  kind: VirtualService
  metadata:
    name: reviews
  spec:
    hosts:
    - reviews
    http:
    - route:
      - destination:
          host: reviews
          subset: v1
`;

export const DR = y`
  apiVersion: networking.istio.io/v1
  kind: DestinationRule
  metadata:
    name: reviews
  spec:
    host: reviews
    subsets:
    - name: v1
      labels:
        version: v1
`;
