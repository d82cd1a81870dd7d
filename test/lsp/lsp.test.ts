import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { LspClient } from './client';

const ROOT = path.join(__dirname, '..', '..');
const SERVER = path.join(ROOT, 'dist', 'server', 'server.js');

let client: LspClient;
const URI = 'file:///work/ws/reviews.yaml';
const TEXT = [
  'apiVersion: networking.istio.io/v1',
  'kind: VirtualService',
  'metadata:',
  '  name: reviews',
  'spec:',
  '  hosts: [reviews]',
  '  http:',
  '  - timout: 5s',
  '    route:',
  '    - destination:',
  '        host: reviews',
  '',
].join('\n');

before(async () => {
  assert.ok(fs.existsSync(SERVER), 'dist/server/server.js is missing: run npm run build first');
  client = new LspClient(process.execPath, [SERVER, '--stdio']);
  const init = (await client.initialize()) as { capabilities: Record<string, unknown> };
  assert.ok(init.capabilities.completionProvider);
  assert.ok(init.capabilities.hoverProvider);
});

after(async () => {
  await client.shutdown();
});

test('didOpen publishes diagnostics with source, rule and range', async () => {
  const got = client.waitFor('textDocument/publishDiagnostics', (p) => p.uri === URI);
  client.notify('textDocument/didOpen', { textDocument: { uri: URI, languageId: 'yaml', version: 1, text: TEXT } });
  const params = (await got) as { diagnostics: Array<{ source: string; code: string; message: string; range: { start: { line: number; character: number } } }> };
  assert.equal(params.diagnostics.length, 1);
  const d = params.diagnostics[0];
  assert.equal(d.source, 'mesh');
  assert.equal(d.code, 'schema/unknown-field');
  assert.deepEqual(d.range.start, { line: 7, character: 4 });
});

test('an incremental edit republishes: fixing the key clears the diagnostic', async () => {
  const got = client.waitFor('textDocument/publishDiagnostics', (p) => p.uri === URI && (p.diagnostics as unknown[]).length === 0);
  client.notify('textDocument/didChange', {
    textDocument: { uri: URI, version: 2 },
    contentChanges: [{ range: { start: { line: 7, character: 4 }, end: { line: 7, character: 10 } }, text: 'timeout' }],
  });
  await got;
});

test('an edit of one file does not re-send the unchanged diagnostics of another open file', async () => {
  const other = 'file:///work/ws/other.yaml';
  const text = 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: d\nspec:\n  host: d\n  trafic: {}\n';
  const opened = client.waitFor('textDocument/publishDiagnostics', (p) => p.uri === other);
  client.notify('textDocument/didOpen', { textDocument: { uri: other, languageId: 'yaml', version: 1, text } });
  await opened;
  const count = (): number => client.notifications.filter((n) => n.method === 'textDocument/publishDiagnostics' && n.params.uri === other).length;
  const before = count();
  // an edit of URI that changes nothing another file reads: URI is published, `other` is not
  const got = client.waitFor('textDocument/publishDiagnostics', (p) => p.uri === URI && (p.diagnostics as unknown[]).length === 1);
  client.notify('textDocument/didChange', { textDocument: { uri: URI, version: 3 }, contentChanges: [{ range: { start: { line: 7, character: 4 }, end: { line: 7, character: 11 } }, text: 'timout' }] });
  await got;
  const back = client.waitFor('textDocument/publishDiagnostics', (p) => p.uri === URI && (p.diagnostics as unknown[]).length === 0);
  client.notify('textDocument/didChange', { textDocument: { uri: URI, version: 4 }, contentChanges: [{ range: { start: { line: 7, character: 4 }, end: { line: 7, character: 10 } }, text: 'timeout' }] });
  await back;
  assert.equal(count(), before, 'the other file was not published again');
  client.notify('textDocument/didClose', { textDocument: { uri: other } });
});

test('completion returns schema keys as snippets with a text edit', async () => {
  const items = await client.request<Array<{ label: string; insertTextFormat: number; textEdit: unknown }>>('textDocument/completion', {
    textDocument: { uri: URI },
    position: { line: 8, character: 4 },
  });
  const labels = items.map((i) => i.label);
  assert.ok(labels.includes('retries'), labels.join(','));
  assert.ok(!labels.includes('timeout'));
});

test('hover returns markdown', async () => {
  const h = await client.request<{ contents: { kind: string; value: string } }>('textDocument/hover', {
    textDocument: { uri: URI },
    position: { line: 10, character: 9 },
  });
  assert.equal(h.contents.kind, 'markdown');
  assert.match(h.contents.value, /\*\*host\*\*/);
});

test('code action offers the rename fix for an unknown key', async () => {
  const got = client.waitFor('textDocument/publishDiagnostics', (p) => p.uri === URI && (p.diagnostics as unknown[]).length === 1);
  client.notify('textDocument/didChange', {
    textDocument: { uri: URI, version: 3 },
    contentChanges: [{ range: { start: { line: 7, character: 4 }, end: { line: 7, character: 11 } }, text: 'timout' }],
  });
  const diags = (await got).diagnostics as unknown[];
  const actions = await client.request<Array<{ title: string; kind: string; edit: { changes: Record<string, Array<{ newText: string }>> } }>>('textDocument/codeAction', {
    textDocument: { uri: URI },
    range: { start: { line: 7, character: 5 }, end: { line: 7, character: 5 } },
    context: { diagnostics: diags },
  });
  assert.equal(actions[0].title, 'Rename "timout" to "timeout"');
  assert.equal(actions[0].kind, 'quickfix');
  assert.equal(actions[0].edit.changes[URI][0].newText, 'timeout');
});

test('document symbols and folding ranges', async () => {
  const syms = await client.request<Array<{ name: string }>>('textDocument/documentSymbol', { textDocument: { uri: URI } });
  assert.deepEqual(syms.map((s) => s.name), ['VirtualService reviews']);
  const folds = await client.request<unknown[]>('textDocument/foldingRange', { textDocument: { uri: URI } });
  assert.ok(folds.length > 2);
});

test('garbage input does not kill the server', async () => {
  const uri = 'file:///work/ws/garbage.yaml';
  const got = client.waitFor('textDocument/publishDiagnostics', (p) => p.uri === uri);
  client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nspec: {{{{\n\u0000\t- ]' } });
  await got;
  const h = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 99, character: 99 } });
  assert.equal(h, null);
  const c = await client.request<unknown[]>('textDocument/completion', { textDocument: { uri }, position: { line: 2, character: 3 } });
  assert.ok(Array.isArray(c));
});

test('CRD files found in the workspace folder pin the schema', async () => {
  const os = await import('node:os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-ws-'));
  fs.mkdirSync(path.join(dir, 'crds'));
  fs.writeFileSync(
    path.join(dir, 'crds', 'vs.yaml'),
    [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'metadata: {name: virtualservices.networking.istio.io}',
      'spec:',
      '  group: networking.istio.io',
      '  names: {kind: VirtualService, plural: virtualservices}',
      '  scope: Namespaced',
      '  versions:',
      '  - name: v1',
      '    served: true',
      '    storage: true',
      '    schema:',
      '      openAPIV3Schema:',
      '        type: object',
      '        x-kubernetes-preserve-unknown-fields: true',
      '',
    ].join('\n'),
  );
  const { pathToFileURL } = await import('node:url');
  const ws = new LspClient(process.execPath, [SERVER, '--stdio']);
  try {
    const loaded = ws.waitFor('meshYaml/crdsLoaded', () => true);
    await ws.initialize(pathToFileURL(dir).href);
    const params = (await loaded) as { sources: string[] };
    assert.equal(params.sources.length, 1);
    const uri = pathToFileURL(path.join(dir, 'vs.yaml')).href;
    const got = ws.waitFor('textDocument/publishDiagnostics', (p) => p.uri === uri);
    ws.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: TEXT } });
    assert.deepEqual((await got).diagnostics, [], 'the pinned CRD preserves unknown fields, so timout is accepted');
  } finally {
    await ws.shutdown();
  }
});

test('the workspace is indexed: a Service on disk satisfies a VirtualService, and file changes re-check open files', async () => {
  const os = await import('node:os');
  const { pathToFileURL } = await import('node:url');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-ws-'));
  const svcFile = path.join(dir, 'services.yaml');
  const svcText = (name: string): string => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: shop\nspec:\n  selector: {app: ${name}}\n  ports:\n  - name: http\n    port: 80\n`;
  fs.writeFileSync(svcFile, svcText('ratings'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.writeFileSync(path.join(dir, 'node_modules', 'ignored.yaml'), svcText('reviews'));
  const ws = new LspClient(process.execPath, [SERVER, '--stdio']);
  try {
    const indexed = ws.waitFor('meshYaml/workspaceIndexed', () => true);
    await ws.initialize(pathToFileURL(dir).href);
    const info = (await indexed) as { files: number; resources: number };
    assert.equal(info.files, 1, 'node_modules is not indexed');
    const uri = pathToFileURL(path.join(dir, 'vs.yaml')).href;
    const vs = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: reviews\n  namespace: shop\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination:\n        host: reviews\n';
    let got = ws.waitFor('textDocument/publishDiagnostics', (p) => p.uri === uri);
    ws.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: vs } });
    const first = (await got).diagnostics as Array<{ code: string }>;
    assert.deepEqual(first.map((d) => d.code), ['istio/vs-destination-host-not-found (IST0101)']);
    fs.writeFileSync(svcFile, svcText('ratings') + '---\n' + svcText('reviews'));
    got = ws.waitFor('textDocument/publishDiagnostics', (p) => p.uri === uri && (p.diagnostics as unknown[]).length === 0);
    ws.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(svcFile).href, type: 2 }] });
    await got;
    const defs = await ws.request<Array<{ uri: string }>>('textDocument/definition', { textDocument: { uri }, position: { line: 10, character: 16 } });
    assert.equal(defs[0].uri, pathToFileURL(svcFile).href);
  } finally {
    await ws.shutdown();
  }
});

test('over stdio: the server exits when the client closes its input (0 after shutdown, else 1), and prints nothing but messages', async () => {
  const { spawn } = await import('node:child_process');
  const frame = (msg: unknown): string => {
    const body = JSON.stringify(msg);
    return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  };
  const run = (messages: unknown[]): Promise<{ code: number | null; out: string }> =>
    new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [SERVER, '--stdio'], { stdio: 'pipe' });
      let out = '';
      p.stdout.on('data', (c: Buffer) => (out += c.toString()));
      const timer = setTimeout(() => (p.kill('SIGKILL'), reject(new Error('the server did not exit when its input closed'))), 10000);
      p.on('exit', (code) => (clearTimeout(timer), resolve({ code, out })));
      p.stdin.write(messages.map(frame).join(''));
      setTimeout(() => p.stdin.end(), 500);
    });
  const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } };
  const plain = await run([init]);
  assert.equal(plain.code, 1);
  const clean = await run([init, { jsonrpc: '2.0', method: 'initialized', params: {} }, { jsonrpc: '2.0', id: 2, method: 'shutdown', params: null }]);
  assert.equal(clean.code, 0);
  // every byte of stdout is a framed message
  let rest = clean.out;
  while (rest.length) {
    const m = /^Content-Length: (\d+)\r\n\r\n/.exec(rest);
    assert.ok(m, `unframed output: ${rest.slice(0, 80)}`);
    const body = Buffer.from(rest.slice(m[0].length), 'utf8').subarray(0, Number(m[1])).toString('utf8');
    JSON.parse(body);
    rest = rest.slice(m[0].length + body.length);
  }
});
