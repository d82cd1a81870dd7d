/**
 * The server's view of the workspace follows the editor: settings (meshYaml.* and files.exclude), crdPaths,
 * workspace folders, folder deletes and creates, and the size limits of the disk index.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { LspClient } from './client';

const ROOT = path.join(__dirname, '..', '..');
const SERVER = path.join(ROOT, 'dist', 'server', 'server.js');

type Diag = { code: string; message: string };
type Json = Record<string, unknown>;

const UNKNOWN_FIELD = 'schema/unknown-field';
const HOST_NOT_FOUND = 'istio/vs-destination-host-not-found (IST0101)';

function tmp(prefix: string): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

const uriOf = (p: string): string => pathToFileURL(p).href;

/** A VirtualService with a misspelled key (`timout`) routing to the `reviews` Service of namespace shop. */
const VS = [
  'apiVersion: networking.istio.io/v1',
  'kind: VirtualService',
  'metadata:',
  '  name: reviews',
  '  namespace: shop',
  'spec:',
  '  hosts: [reviews]',
  '  http:',
  '  - timout: 5s',
  '    route:',
  '    - destination:',
  '        host: reviews',
  '',
].join('\n');

/** The same VirtualService, valid: its only possible finding is the missing `reviews` Service. */
const VS_OK = VS.replace('timout', 'timeout');

const service = (name: string): string => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: shop\nspec:\n  selector: {app: ${name}}\n  ports:\n  - name: http\n    port: 80\n`;

/** A CRD for an Istio kind whose schema accepts any field: while it is loaded, `timout` is not an error. */
function looseCrd(plural: string, kind: string): string {
  return [
    'apiVersion: apiextensions.k8s.io/v1',
    'kind: CustomResourceDefinition',
    `metadata: {name: ${plural}.networking.istio.io}`,
    'spec:',
    '  group: networking.istio.io',
    `  names: {kind: ${kind}, plural: ${plural}}`,
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
  ].join('\n');
}

interface Started {
  client: LspClient;
  indexed: Json;
  crds: string[];
}

/** Starts a server on the folders; resolves once the first indexing is done. `settings` answers workspace/configuration. */
async function start(folders: string[], opts: { settings?: Json; initOptions?: unknown } = {}): Promise<Started> {
  assert.ok(fs.existsSync(SERVER), 'dist/server/server.js is missing: run npm run build first');
  const client = new LspClient(process.execPath, [SERVER, '--stdio']);
  client.settings = opts.settings;
  const indexed = client.waitFor('meshYaml/workspaceIndexed', () => true);
  const crds = client.waitFor('meshYaml/crdsLoaded', () => true);
  await client.initialize(folders.length ? uriOf(folders[0]) : null, opts.initOptions, { workspaceFolders: folders.map(uriOf) });
  return { client, indexed: await indexed, crds: ((await crds).sources as string[]) ?? [] };
}

/** Opens a file and resolves with its first diagnostics. */
async function open(client: LspClient, file: string, text: string): Promise<Diag[]> {
  const uri = uriOf(file);
  const got = client.waitFor('textDocument/publishDiagnostics', (p) => p.uri === uri);
  client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  return (await got).diagnostics as Diag[];
}

/** Resolves when the file's diagnostics satisfy the predicate. */
function diagnosticsOf(client: LspClient, file: string, pred: (codes: string[]) => boolean, timeoutMs = 10000): Promise<Json> {
  const uri = uriOf(file);
  return client.waitFor('textDocument/publishDiagnostics', (p) => p.uri === uri && pred((p.diagnostics as Diag[]).map((d) => d.code)), timeoutMs);
}

function changeSettings(client: LspClient, settings: Json): void {
  client.settings = settings;
  client.notify('workspace/didChangeConfiguration', { settings: null });
}

const codes = (ds: Diag[]): string[] => ds.map((d) => d.code);

test('crdPaths: removing an entry drops its CRDs, adding it back loads them, and files outside the workspace are watched', async () => {
  const ws = tmp('mesh-ws-');
  const ext = tmp('mesh-extcrds-');
  fs.writeFileSync(path.join(ext, 'vs.yaml'), looseCrd('virtualservices', 'VirtualService'));
  fs.writeFileSync(path.join(ext, 'dr.yaml'), looseCrd('destinationrules', 'DestinationRule'));
  const settings = (crdPaths: string[]): Json => ({ meshYaml: { crdPaths }, files: { exclude: {} } });
  const { client, crds } = await start([ws], { settings: settings([ext]) });
  try {
    assert.equal(crds.length, 2);
    const file = path.join(ws, 'vs.yaml');
    assert.ok(!codes(await open(client, file, VS)).includes(UNKNOWN_FIELD), 'the loose CRD accepts timout');

    let loaded = client.waitFor('meshYaml/crdsLoaded', (p) => (p.sources as string[]).length === 0);
    let diags = diagnosticsOf(client, file, (c) => c.includes(UNKNOWN_FIELD));
    changeSettings(client, settings([]));
    await loaded;
    await diags;

    loaded = client.waitFor('meshYaml/crdsLoaded', (p) => (p.sources as string[]).length === 2);
    diags = diagnosticsOf(client, file, (c) => !c.includes(UNKNOWN_FIELD));
    changeSettings(client, settings([ext]));
    await loaded;
    await diags;

    // no editor event: the server watches crdPaths outside the workspace itself
    loaded = client.waitFor('meshYaml/crdsLoaded', (p) => (p.sources as string[]).length === 1);
    diags = diagnosticsOf(client, file, (c) => c.includes(UNKNOWN_FIELD));
    fs.rmSync(path.join(ext, 'vs.yaml'));
    await loaded;
    await diags;
  } finally {
    await client.shutdown();
  }
});

test('crdPaths: a folder that appears later is read when a file is saved', async () => {
  const ws = tmp('mesh-ws-');
  const ext = path.join(tmp('mesh-extcrds-'), 'later');
  const { client, crds } = await start([ws], { settings: { meshYaml: { crdPaths: [ext] }, files: { exclude: {} } } });
  try {
    assert.equal(crds.length, 0);
    const file = path.join(ws, 'vs.yaml');
    assert.ok(codes(await open(client, file, VS)).includes(UNKNOWN_FIELD));
    fs.mkdirSync(ext);
    fs.writeFileSync(path.join(ext, 'vs.yaml'), looseCrd('virtualservices', 'VirtualService'));
    const loaded = client.waitFor('meshYaml/crdsLoaded', (p) => (p.sources as string[]).length === 1);
    const diags = diagnosticsOf(client, file, (c) => !c.includes(UNKNOWN_FIELD));
    client.notify('textDocument/didSave', { textDocument: { uri: uriOf(file) } });
    await loaded;
    await diags;
  } finally {
    await client.shutdown();
  }
});

test('crdPaths: an explicit entry is loaded even when meshYaml.exclude leaves it out of the index', async () => {
  const ws = tmp('mesh-ws-');
  fs.mkdirSync(path.join(ws, 'crds'));
  fs.writeFileSync(path.join(ws, 'crds', 'vs.yaml'), looseCrd('virtualservices', 'VirtualService'));
  const { client, crds, indexed } = await start([ws], { settings: { meshYaml: { crdPaths: ['crds'], exclude: ['crds'] }, files: { exclude: {} } } });
  try {
    assert.equal(indexed.files, 0, 'the excluded folder is not indexed');
    assert.equal(crds.length, 1, 'but its CRDs are read');
    assert.ok(!codes(await open(client, path.join(ws, 'vs.yaml'), VS)).includes(UNKNOWN_FIELD));
  } finally {
    await client.shutdown();
  }
});

test('deleting a folder drops its resources; creating one indexes it', async () => {
  const ws = tmp('mesh-ws-');
  const sub = path.join(ws, 'services');
  fs.mkdirSync(path.join(sub, 'deeper'), { recursive: true });
  fs.writeFileSync(path.join(sub, 'deeper', 'reviews.yaml'), service('reviews'));
  fs.writeFileSync(path.join(ws, 'ratings.yaml'), service('ratings'));
  const { client, indexed } = await start([ws]);
  try {
    assert.equal(indexed.files, 2);
    const file = path.join(ws, 'vs.yaml');
    assert.deepEqual(await open(client, file, VS_OK), [], 'the Service on disk satisfies the VirtualService');

    fs.rmSync(sub, { recursive: true });
    let diags = diagnosticsOf(client, file, (c) => c.includes(HOST_NOT_FOUND));
    client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(sub), type: 3 }] });
    await diags;

    // a rename arrives as a create of the new folder (the delete of the old one was above)
    const moved = path.join(ws, 'moved');
    fs.mkdirSync(moved);
    fs.writeFileSync(path.join(moved, 'reviews.yaml'), service('reviews'));
    diags = diagnosticsOf(client, file, (c) => c.length === 0);
    client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(moved), type: 1 }] });
    await diags;
    const defs = await client.request<Array<{ uri: string }>>('textDocument/definition', { textDocument: { uri: uriOf(file) }, position: { line: 11, character: 16 } });
    assert.equal(defs[0]?.uri, uriOf(path.join(moved, 'reviews.yaml')));
  } finally {
    await client.shutdown();
  }
});

test('files.exclude changed at run time re-indexes the workspace', async () => {
  const ws = tmp('mesh-ws-');
  fs.writeFileSync(path.join(ws, 'services.yaml'), service('reviews'));
  fs.writeFileSync(path.join(ws, 'ratings.yaml'), service('ratings'));
  const settings = (exclude: Record<string, boolean>): Json => ({ meshYaml: {}, files: { exclude } });
  const { client, indexed } = await start([ws], { settings: settings({ '**/.git': true }) });
  try {
    assert.equal(indexed.files, 2);
    const file = path.join(ws, 'vs.yaml');
    assert.deepEqual(await open(client, file, VS_OK), []);
    let diags = diagnosticsOf(client, file, (c) => c.includes(HOST_NOT_FOUND));
    changeSettings(client, settings({ '**/.git': true, 'services.yaml': true }));
    await diags;
    diags = diagnosticsOf(client, file, (c) => c.length === 0);
    changeSettings(client, settings({ 'services.yaml': false }));
    await diags;
  } finally {
    await client.shutdown();
  }
});

test('a client without workspace/configuration: initializationOptions exclude files, pushed settings replace them', async () => {
  const ws = tmp('mesh-ws-');
  fs.writeFileSync(path.join(ws, 'services.yaml'), service('reviews'));
  fs.writeFileSync(path.join(ws, 'ratings.yaml'), service('ratings'));
  const { client, indexed } = await start([ws], { initOptions: { exclude: ['services.yaml'] } });
  try {
    assert.equal(indexed.files, 1, 'meshYaml.exclude from initializationOptions is honoured');
    const file = path.join(ws, 'vs.yaml');
    assert.deepEqual(codes(await open(client, file, VS_OK)), [HOST_NOT_FOUND]);
    let diags = diagnosticsOf(client, file, (c) => c.length === 0);
    client.notify('workspace/didChangeConfiguration', { settings: { meshYaml: { exclude: [] }, files: { exclude: {} } } });
    await diags;
    diags = diagnosticsOf(client, file, (c) => c.includes(HOST_NOT_FOUND));
    client.notify('workspace/didChangeConfiguration', { settings: { meshYaml: { exclude: [] }, files: { exclude: { 'services.yaml': true } } } });
    await diags;
  } finally {
    await client.shutdown();
  }
});

test('workspace folders added and removed at run time are indexed and dropped', async () => {
  const a = tmp('mesh-ws-a-');
  const b = tmp('mesh-ws-b-');
  fs.writeFileSync(path.join(a, 'ratings.yaml'), service('ratings'));
  fs.writeFileSync(path.join(b, 'services.yaml'), service('reviews'));
  const { client } = await start([a]);
  try {
    const file = path.join(a, 'vs.yaml');
    assert.deepEqual(codes(await open(client, file, VS_OK)), [HOST_NOT_FOUND]);
    let diags = diagnosticsOf(client, file, (c) => c.length === 0);
    client.notify('workspace/didChangeWorkspaceFolders', { event: { added: [{ uri: uriOf(b), name: 'b' }], removed: [] } });
    await diags;
    diags = diagnosticsOf(client, file, (c) => c.includes(HOST_NOT_FOUND));
    client.notify('workspace/didChangeWorkspaceFolders', { event: { added: [], removed: [{ uri: uriOf(b), name: 'b' }] } });
    await diags;
  } finally {
    await client.shutdown();
  }
});

test('the server declares workspace-folder change notifications', async () => {
  const client = new LspClient(process.execPath, [SERVER, '--stdio']);
  try {
    const init = (await client.initialize(null, undefined, { workspaceFolders: [] })) as { capabilities: { workspace?: { workspaceFolders?: { supported?: boolean; changeNotifications?: unknown } } } };
    assert.equal(init.capabilities.workspace?.workspaceFolders?.supported, true);
    assert.equal(init.capabilities.workspace?.workspaceFolders?.changeNotifications, true);
  } finally {
    await client.shutdown();
  }
});

test('reduced mode: meshYaml/fileStatus names the setting (maxDocuments, maxFileSizeMB) and clears when the file fits', async () => {
  const { client } = await start([], { initOptions: { maxDocuments: 2, maxFileSizeMB: 0.01 } });
  try {
    const uri = 'untitled:reduced.yaml';
    let status = client.waitFor('meshYaml/fileStatus', (p) => p.uri === uri);
    const three = [service('a'), service('b'), service('c')].join('---\n');
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: three } });
    const reduced = (await status).reduced as string;
    assert.match(reduced, /3 documents/);
    assert.match(reduced, /meshYaml\.maxDocuments/);

    status = client.waitFor('meshYaml/fileStatus', (p) => p.uri === uri);
    client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: `${service('a')}#${'x'.repeat(12 * 1024)}\n` }] });
    assert.match((await status).reduced as string, /over the 0\.01 MB limit \(meshYaml\.maxFileSizeMB\)/);

    status = client.waitFor('meshYaml/fileStatus', (p) => p.uri === uri);
    client.notify('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text: service('a') }] });
    assert.equal((await status).reduced, undefined, 'a file within the limits is reported as fully analysed again');
  } finally {
    await client.shutdown();
  }
});

test('raising meshYaml.maxDocuments at run time re-analyses open files in full', async () => {
  const { client } = await start([], { initOptions: { maxDocuments: 2 } });
  try {
    const uri = 'untitled:many.yaml';
    let status = client.waitFor('meshYaml/fileStatus', (p) => p.uri === uri);
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: [service('a'), service('b'), service('c')].join('---\n') } });
    assert.match((await status).reduced as string, /meshYaml\.maxDocuments/);
    status = client.waitFor('meshYaml/fileStatus', (p) => p.uri === uri);
    client.notify('workspace/didChangeConfiguration', { settings: { meshYaml: { maxDocuments: 10 } } });
    assert.equal((await status).reduced, undefined);
  } finally {
    await client.shutdown();
  }
});

test('the disk index honours meshYaml.maxFileSizeMB and logs the files it skips', async () => {
  const ws = tmp('mesh-ws-');
  // 20 KB: over a 0.01 MB limit
  fs.writeFileSync(path.join(ws, 'big.yaml'), `${service('reviews')}# ${'x'.repeat(20 * 1024)}\n`);
  fs.writeFileSync(path.join(ws, 'small.yaml'), service('ratings'));
  const { client, indexed } = await start([ws], { settings: { meshYaml: { maxFileSizeMB: 0.01 }, files: { exclude: {} } } });
  try {
    assert.equal(indexed.files, 1, 'only the small file is indexed');
    const logged = client.notifications.filter((n) => n.method === 'window/logMessage').map((n) => String(n.params.message));
    assert.ok(
      logged.some((m) => m.includes('big.yaml') && /size limit/.test(m) && m.includes('meshYaml.maxFileSizeMB')),
      logged.join('\n'),
    );
    assert.deepEqual(codes(await open(client, path.join(ws, 'vs.yaml'), VS_OK)), [HOST_NOT_FOUND]);
  } finally {
    await client.shutdown();
  }
});

test('the disk index reads files over 5 MB when meshYaml.maxFileSizeMB allows them', async () => {
  const ws = tmp('mesh-ws-');
  // a Service, then six documents of comments just under 1 MB each: 6 MB in all
  const filler = `# ${'x'.repeat(1000)}\n`.repeat(1000);
  fs.writeFileSync(path.join(ws, 'large.yaml'), [service('reviews'), ...Array.from({ length: 6 }, () => filler)].join('---\n'));
  assert.ok(fs.statSync(path.join(ws, 'large.yaml')).size > 5.5 * 1024 * 1024);
  const { client, indexed } = await start([ws], { settings: { meshYaml: { maxFileSizeMB: 8 }, files: { exclude: {} } } });
  try {
    assert.equal(indexed.files, 1);
    assert.deepEqual(await open(client, path.join(ws, 'vs.yaml'), VS_OK), []);
  } finally {
    await client.shutdown();
  }
});
