import * as fs from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  CompletionItemKind,
  DiagnosticSeverity,
  FileChangeType,
  InsertTextFormat,
  MarkupKind,
  ProposedFeatures,
  SymbolKind,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type CodeAction,
  type CodeLens,
  type CompletionItem,
  type Diagnostic,
  type FileEvent,
  type DocumentSymbol,
  type FoldingRange,
  type InitializeResult,
  type Location,
} from 'vscode-languageserver/node';
import { syncedDocuments, type SyncedDocument } from './synced-document';
import picomatch from 'picomatch';
import { RouteGraphRequest, SimulateRequest, type RouteGraphParams, type RouteGraphResponse, type SimulateParams, type SimulateResponse } from './protocol';
import { CONFIG_SECTION, CrdsLoadedNotification, DEFAULT_SETTINGS, DIAGNOSTIC_SOURCE, FileStatusNotification, WorkspaceIndexedNotification, type MeshSettings } from './protocol';
import { MeshService, type CompletionEntry, type FileDiagnostic } from './service';
import { findSchemasDir, SchemaRegistry } from './service/schema/registry';
import { inSkippedFolder, listYamlFiles, mb, type ScanOptions } from './workspace-scan';
import { fullGc, IdleCollector } from './idle-gc';
import { jsonEncoder, remember } from './wire';

/**
 * Over stdio (how the extension starts it) the output goes through our encoder, which does not serialise unchanged
 * diagnostics again (see wire.ts); other transports (--node-ipc, --socket, --pipe) are set up by the library.
 */
const stdio = process.argv.includes('--stdio');
const connection = stdio
  ? createConnection(ProposedFeatures.all, new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout, { contentTypeEncoder: jsonEncoder }))
  : createConnection(ProposedFeatures.all);
let shutdownReceived = false;
connection.onShutdown(() => {
  shutdownReceived = true;
});
if (stdio) {
  routeConsole();
  // the client is gone: exit as the library does for the streams it opens itself (0 after a shutdown request)
  for (const ev of ['end', 'close'] as const) process.stdin.on(ev, () => process.exit(shutdownReceived ? 0 : 1));
}

/** stdout carries the protocol: what would be printed on it goes to the client's log (the library does this for --stdio when it sets up the streams itself). */
function routeConsole(): void {
  const text = (args: unknown[]): string => args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ');
  console.log = console.info = console.debug = (...args: unknown[]) => connection.console.log(text(args));
  console.warn = (...args: unknown[]) => connection.console.warn(text(args));
  console.error = console.trace = (...args: unknown[]) => connection.console.error(text(args));
  console.dir = (arg: unknown) => connection.console.log(inspect(arg));
}
const service = new MeshService(new SchemaRegistry(findSchemasDir(__dirname)));
/** Open documents; their text is the service's (see SyncedDocument). */
const documents = new TextDocuments(syncedDocuments((uri) => service.file(uri)));
/** The initializationOptions: the settings of a client that does not answer workspace/configuration. */
let initSettings: Partial<MeshSettings> = {};
/** The settings of the last workspace/didChangeConfiguration (push model; used when the client has no workspace/configuration). */
let pushedSettings: unknown;
let settings: MeshSettings = { ...DEFAULT_SETTINGS };
let workspaceRoots: string[] = [];
let hasConfiguration = false;
let hasProgress = false;
let hasWorkspaceFolders = false;
/** Enabled patterns of files.exclude. */
let filesExclude: string[] = [];
/** Compiled patterns of files.exclude and meshYaml.exclude (each also matches everything under a folder it names). */
let excludeMatchers: Array<(p: string) => boolean> = [];
/** Files indexed from disk (not open in an editor): uri -> path. */
const diskFiles = new Map<string, string>();
/** Folders holding indexed disk files (and their ancestors), built on demand; undefined when diskFiles changed. */
let diskDirs: Set<string> | undefined;
/**
 * Files read for meshYaml.crdPaths alone (outside the workspace folders, or excluded from the index): uri -> stamp
 * (mtime and size) of the text read. Their CRDs are dropped when they leave crdPaths or disappear.
 */
const crdPathFiles = new Map<string, string>();
/** Watchers of the crdPaths entries outside the workspace folders (the editor watches only inside them). */
const crdWatchers = new Map<string, fs.FSWatcher>();
const YAML_NAME = /\.ya?ml$/i;

service.onRuleError = (rule, res, e) => connection.console.error(`rule ${rule.id} failed on ${res.kind} ${res.namespace}/${res.name}: ${String(e)}`);

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function strings(v: unknown, fallback: string[]): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0) : fallback;
}

/** Settings as read, with the defaults filled in and values of the wrong type replaced by the default. */
function normalise(raw: Partial<MeshSettings>): MeshSettings {
  const s = { ...DEFAULT_SETTINGS, ...raw };
  return {
    ...s,
    crdPaths: strings(s.crdPaths, []),
    exclude: strings(s.exclude, []),
    disabledRules: strings(s.disabledRules, []),
    productionNamespaces: strings(s.productionNamespaces, DEFAULT_SETTINGS.productionNamespaces),
    rules: s.rules && typeof s.rules === 'object' && !Array.isArray(s.rules) ? s.rules : {},
    maxFileSizeMB: Number.isFinite(Number(s.maxFileSizeMB)) ? Number(s.maxFileSizeMB) : DEFAULT_SETTINGS.maxFileSizeMB,
    maxDocuments: Number.isFinite(Number(s.maxDocuments)) ? Number(s.maxDocuments) : DEFAULT_SETTINGS.maxDocuments,
  };
}

function enabledPatterns(exclude: unknown): string[] {
  if (!exclude || typeof exclude !== 'object') return [];
  return Object.entries(exclude as Record<string, unknown>)
    .filter(([, on]) => on === true)
    .map(([g]) => g);
}

/** meshYaml.maxFileSizeMB in bytes: larger files are neither analysed nor read from disk. */
function maxFileBytes(): number {
  return Math.max(0.01, settings.maxFileSizeMB) * 1024 * 1024;
}

function applySettings(): void {
  const rules = { ...settings.rules };
  for (const id of settings.disabledRules) rules[id] = 'off';
  if (!settings.celValidation) rules['schema/cel'] = 'off';
  service.settings = { rules, productionNamespaces: settings.productionNamespaces };
  service.limits = { maxFileSize: maxFileBytes(), maxDocuments: Math.max(1, Math.floor(settings.maxDocuments)) };
  excludeMatchers = [...filesExclude, ...settings.exclude].flatMap((g) => {
    try {
      return [picomatch(g, { dot: true }), picomatch(`${g.replace(/\/$/, '')}/**`, { dot: true })];
    } catch (e) {
      log(`ignoring the exclude pattern ${JSON.stringify(g)}: ${errorText(e)}`);
      return [];
    }
  });
}

function log(msg: string): void {
  connection.console.log(msg);
}

/** See IdleCollector: the heap is collected after bursts of work, so memory follows what the server holds. */
const gc = fullGc();
const collector = gc ? new IdleCollector(gc, () => getHeapStatistics().used_heap_size) : undefined;
let collectScheduled = false;
/**
 * After the current work and its answer: a collection if the heap grew enough (coalesced per turn). Never while
 * diagnostics are due: an edit or an open parses first and publishes on the next turn, and a collection between
 * the two would delay the diagnostics (flush asks again once they are out).
 */
function collectAfterWork(): void {
  if (!collector || collectScheduled) return;
  collectScheduled = true;
  setImmediate(() => {
    collectScheduled = false;
    if (!scheduled && !process.env.XNOGC) collector.afterWork();
  });
}

/** Runs a handler; any exception is logged and the fallback is returned, so bad input never kills the server. */
function guard<T>(name: string, fallback: T, fn: () => T): T {
  collector?.activity();
  collectAfterWork();
  try {
    return fn();
  } catch (e) {
    connection.console.error(`${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return fallback;
  }
}

/** Logs the files a scan leaves out: the first 20 one by one, then how many more. */
function skipLog(): { onSkip: (file: string, reason: string) => void; flush: () => void } {
  const SHOWN = 20;
  let count = 0;
  return {
    onSkip: (file, reason) => {
      if (++count <= SHOWN) log(`not indexed: ${file}: ${reason}`);
    },
    flush: () => {
      if (count > SHOWN) log(`not indexed: ${count - SHOWN} more file(s)`);
      count = 0;
    },
  };
}

function scanOptions(onSkip: ScanOptions['onSkip']): ScanOptions {
  return { maxBytes: maxFileBytes(), onSkip, sizeLimitHint: 'meshYaml.maxFileSizeMB' };
}

// ---- one job at a time: indexing, file events and crdPaths refreshes never interleave
let work: Promise<void> = Promise.resolve();
const queued = new Set<string>();
/**
 * Queues a job after the running ones. With a key, a job of that key already waiting is not queued again (it has
 * not started, so it will see the latest state). Never rejects: a failed job is logged.
 */
function enqueue(name: string, job: () => Promise<void>, key?: string): Promise<void> {
  if (key !== undefined) {
    if (queued.has(key)) return work;
    queued.add(key);
  }
  work = work
    .then(async () => {
      if (key !== undefined) queued.delete(key);
      await job();
    })
    .catch((e: unknown) => connection.console.error(`${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
  return work;
}

/** What the workspace index depends on: when it is unchanged, a settings change needs no new scan of the folders. */
function indexSignature(): string {
  return JSON.stringify([workspaceRoots, filesExclude, settings.exclude, settings.crdPaths, service.limits]);
}
/** The signature the index was last built with. */
let indexedWith: string | undefined;

/**
 * Re-reads the settings and brings the index up to date: a new scan when folders, exclusions, crdPaths or size
 * limits changed (or `rescan`), else only the crdPaths files are read again. Open files are re-analysed.
 */
function reindex(why: string, rescan: boolean): void {
  void enqueue(why, async () => {
    const limits = JSON.stringify(service.limits);
    await loadSettings();
    // open files keep the limits they were parsed with until they are set again
    if (JSON.stringify(service.limits) !== limits) for (const d of documents.all()) guard('update', false, () => service.setFile(d.uri, d.getText()));
    if (rescan || indexSignature() !== indexedWith) return indexWorkspace();
    if (await refreshCrdPaths(true)) announceCrds();
    revalidateAll();
  }, rescan ? 'rescan' : 'reindex');
}

const SEVERITY: Record<FileDiagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** LSP forms of findings, kept while the finding is: an unchanged finding is not converted again on each publish. */
const lspForms = new WeakMap<FileDiagnostic, Diagnostic>();
function toLspDiagnostic(d: FileDiagnostic): Diagnostic {
  let l = lspForms.get(d);
  if (!l) {
    l = remember({ range: d.range, severity: SEVERITY[d.severity], source: DIAGNOSTIC_SOURCE, code: d.code ? `${d.rule} (${d.code})` : d.rule, message: d.message });
    lspForms.set(d, l);
  }
  return l;
}

// ---- diagnostics scheduling: coalesce bursts of edits, one pass per document per turn of the event loop
const pending = new Set<string>();
let scheduled = false;
function schedule(uri: string): void {
  pending.add(uri);
  if (scheduled) return;
  scheduled = true;
  setImmediate(flush);
}
function flush(): void {
  scheduled = false;
  const uris = [...pending];
  pending.clear();
  for (const uri of uris) publish(uri);
  collectAfterWork();
}
/** What was last published per document: a file whose diagnostics did not change is not sent again. */
const published = new Map<string, FileDiagnostic[]>();
function publish(uri: string): void {
  if (!documents.get(uri)) return;
  let result: FileDiagnostic[] | undefined;
  const diagnostics = guard('diagnostics', [] as Diagnostic[], () => {
    result = service.diagnostics(uri);
    return published.get(uri) === result ? undefined : result.map(toLspDiagnostic);
  });
  if (diagnostics) {
    void connection.sendDiagnostics({ uri, diagnostics });
    if (result) published.set(uri, result);
    else published.delete(uri);
  }
  const reduced = service.file(uri)?.reduced;
  if (reduced || reportedReduced.has(uri)) {
    if (reduced) reportedReduced.add(uri);
    else reportedReduced.delete(uri);
    void connection.sendNotification(FileStatusNotification, { uri, reduced });
  }
}
const reportedReduced = new Set<string>();
function revalidateAll(): void {
  for (const d of documents.all()) schedule(d.uri);
}

function announceCrds(): void {
  void connection.sendNotification(CrdsLoadedNotification, { sources: service.registry.overrideSources() });
}

function syncDocument(doc: SyncedDocument): void {
  guard('update', false, () => {
    const next = doc.take();
    return 'text' in next ? service.setFile(doc.uri, next.text) : service.editFile(doc.uri, next.changes);
  });
  // Any edit can change another file's findings (a DestinationRule fixes a VirtualService elsewhere).
  schedule(doc.uri);
  revalidateAll();
}

documents.onDidOpen((e) => syncDocument(e.document));
documents.onDidChangeContent((e) => syncDocument(e.document));
documents.onDidClose((e) => {
  const uri = e.document.uri;
  published.delete(uri);
  void connection.sendDiagnostics({ uri, diagnostics: [] });
  // A closed file stays in the workspace as it is on disk (unsaved edits are gone); others are forgotten.
  void enqueue(`close ${uri}`, async () => {
    const file = uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
    if (!file || !(await loadDiskFile(uri))) {
      service.removeFile(uri);
      // a crdPaths file outside the index: its CRDs come from the disk again
      if (file && underCrdPaths(file) && (await refreshCrdPaths(false))) announceCrds();
    }
    revalidateAll();
  });
});
// Files outside the workspace folders are not watched by the editor: a save is the cue to re-read crdPaths.
documents.onDidSave(() => {
  if (settings.crdPaths.length) refreshCrdPathsLater('crdPaths refresh on save');
});

function rootFolder(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return path.resolve(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

connection.onInitialize((params): InitializeResult => {
  hasConfiguration = !!params.capabilities.workspace?.configuration;
  hasProgress = !!params.capabilities.window?.workDoneProgress;
  hasWorkspaceFolders = !!params.capabilities.workspace?.workspaceFolders;
  workspaceRoots = [...new Set((params.workspaceFolders ?? []).map((f) => rootFolder(f.uri)).filter((r): r is string => !!r))];
  if (!workspaceRoots.length && params.rootUri) workspaceRoots = [rootFolder(params.rootUri)].filter((r): r is string => !!r);
  const opts = params.initializationOptions as Partial<MeshSettings> | undefined;
  if (opts && typeof opts === 'object') initSettings = opts;
  settings = normalise(initSettings);
  applySettings();
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      completionProvider: { triggerCharacters: [' ', ':', '-'], resolveProvider: false },
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      documentSymbolProvider: true,
      foldingRangeProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      codeLensProvider: { resolveProvider: false },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'mesh-language-server', version: '0.1.0' },
  };
});

/** Reads meshYaml.* and files.exclude: asked of the client when it can answer, else from the last pushed settings. */
async function loadSettings(): Promise<void> {
  if (hasConfiguration) {
    try {
      const [cfg, files] = (await connection.workspace.getConfiguration([{ section: CONFIG_SECTION }, { section: 'files' }])) as [Partial<MeshSettings> | null, { exclude?: unknown } | null];
      settings = normalise({ ...initSettings, ...(cfg ?? {}) });
      filesExclude = enabledPatterns(files?.exclude);
    } catch (e) {
      log(`could not read settings: ${errorText(e)}`);
    }
  } else if (pushedSettings && typeof pushedSettings === 'object') {
    const pushed = pushedSettings as { meshYaml?: unknown; files?: { exclude?: unknown } };
    if (pushed.meshYaml && typeof pushed.meshYaml === 'object') settings = normalise({ ...initSettings, ...(pushed.meshYaml as Partial<MeshSettings>) });
    if (pushed.files && typeof pushed.files === 'object' && 'exclude' in pushed.files) filesExclude = enabledPatterns(pushed.files.exclude);
  }
  applySettings();
}

function isUnder(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}

function isExcluded(file: string): boolean {
  if (!excludeMatchers.length) return false;
  for (const root of workspaceRoots) {
    const rel = path.relative(root, file);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) continue;
    const posix = rel.split(path.sep).join('/');
    if (excludeMatchers.some((m) => m(posix))) return true;
  }
  return false;
}

function inWorkspace(file: string): boolean {
  return workspaceRoots.some((root) => isUnder(file, root));
}

/** Would the workspace index hold this file (or, with isFolder, the files of this folder)? */
function indexable(file: string, isFolder = false): boolean {
  const roots = workspaceRoots.filter((root) => isUnder(file, root));
  return roots.length > 0 && !isExcluded(file) && roots.some((root) => !inSkippedFolder(root, file, isFolder));
}

function setDiskFile(uri: string, file: string): void {
  if (diskFiles.get(uri) !== file) diskDirs = undefined;
  diskFiles.set(uri, file);
}

/** Forgets a file indexed from disk (an open editor's text stays). */
function dropDiskFile(uri: string): void {
  if (!diskFiles.delete(uri)) return;
  diskDirs = undefined;
  if (!documents.get(uri)) service.removeFile(uri);
}

/** Forgets every disk file at a path or under it (a deleted folder). */
function dropUnder(file: string): number {
  const uri = pathToFileURL(file).href;
  if (diskFiles.has(uri)) {
    dropDiskFile(uri);
    return 1;
  }
  if (!diskDirs) {
    diskDirs = new Set();
    for (const f of diskFiles.values()) {
      for (let d = path.dirname(f); !diskDirs.has(d); d = path.dirname(d)) {
        diskDirs.add(d);
        if (path.dirname(d) === d) break;
      }
    }
  }
  if (!diskDirs.has(file)) return 0;
  let n = 0;
  for (const [u, f] of [...diskFiles]) {
    if (isUnder(f, file)) {
      dropDiskFile(u);
      n++;
    }
  }
  return n;
}

/** (Re)reads a workspace file that is not open in an editor. Returns false when it is not a workspace file on disk. */
async function loadDiskFile(uriOrPath: string): Promise<boolean> {
  const file = uriOrPath.startsWith('file:') ? fileURLToPath(uriOrPath) : uriOrPath;
  const uri = uriOrPath.startsWith('file:') ? uriOrPath : pathToFileURL(file).href;
  if (documents.get(uri)) return true; // the open editor's text wins
  if (!indexable(file)) {
    dropDiskFile(uri);
    return false;
  }
  try {
    const st = await fs.promises.stat(file);
    const max = maxFileBytes();
    if (!st.isFile() || st.size > max) {
      if (st.isFile()) log(`not indexed: ${file}: the file is ${mb(st.size)}, over the ${mb(max)} size limit (meshYaml.maxFileSizeMB)`);
      dropDiskFile(uri);
      return false;
    }
    const text = await fs.promises.readFile(file, 'utf8');
    if (documents.get(uri)) return true; // opened while it was read
    service.setFile(uri, text);
    setDiskFile(uri, file);
    return true;
  } catch {
    dropDiskFile(uri);
    return false;
  }
}

/** Indexes the YAML files of a folder that appeared in the workspace (created, or the new name of a renamed one). */
async function indexFolder(dir: string, onSkip: ScanOptions['onSkip']): Promise<void> {
  if (!indexable(dir, true)) return;
  for (const f of await listYamlFiles(dir, 20000, scanOptions(onSkip))) if (!isExcluded(f)) await loadDiskFile(f);
}

// ---- meshYaml.crdPaths

/** The crdPaths entries as paths: absolute ones as they are, relative ones under each workspace folder. */
function crdPathRoots(): string[] {
  const out = new Set<string>();
  for (const p of settings.crdPaths) for (const r of path.isAbsolute(p) ? [p] : workspaceRoots.map((w) => path.join(w, p))) out.add(path.resolve(r));
  return [...out];
}

/** Is the path a crdPaths entry, inside one, or a folder holding one? */
function underCrdPaths(file: string): boolean {
  return crdPathRoots().some((r) => isUnder(file, r) || isUnder(r, file));
}

/** Reads the CRDs of a crdPaths file unless it is unchanged since it was read (force: read it anyway). */
async function loadCrdFile(file: string, uri: string, force: boolean): Promise<boolean> {
  try {
    const st = await fs.promises.stat(file);
    const stamp = `${st.mtimeMs}:${st.size}`;
    if (!force && crdPathFiles.get(uri) === stamp) return false;
    const text = await fs.promises.readFile(file, 'utf8');
    crdPathFiles.set(uri, stamp);
    return service.updateCrds(uri, text);
  } catch (e) {
    log(`crdPaths: cannot read ${file}: ${errorText(e)}`);
    crdPathFiles.delete(uri);
    return service.registry.setCrdSource(uri, []);
  }
}

/**
 * Brings the CRDs of meshYaml.crdPaths up to date: reads new and changed files (all of them with force), drops those
 * of files no longer listed (the entry was removed, the file deleted or grown over the size limit). A file that is
 * also indexed as a workspace file (or open) gives its CRDs through the index. Returns true when the schemas changed.
 */
async function refreshCrdPaths(force: boolean, onSkip?: ScanOptions['onSkip']): Promise<boolean> {
  const seen = new Set<string>();
  let changed = false;
  for (const root of crdPathRoots()) {
    if (!fs.existsSync(root)) {
      if (force) log(`crdPaths: ${root} does not exist (it is read when it appears, on the next save or settings change)`);
      continue;
    }
    for (const f of await listYamlFiles(root, 20000, scanOptions(onSkip))) {
      const uri = pathToFileURL(f).href;
      if (seen.has(uri)) continue;
      seen.add(uri);
      if (documents.get(uri) || diskFiles.has(uri)) {
        crdPathFiles.delete(uri);
        continue;
      }
      if (await loadCrdFile(f, uri, force)) changed = true;
    }
  }
  for (const uri of [...crdPathFiles.keys()]) {
    if (seen.has(uri)) continue;
    crdPathFiles.delete(uri);
    if (!documents.get(uri) && !diskFiles.has(uri) && service.registry.setCrdSource(uri, [])) changed = true;
  }
  watchCrdPaths();
  return changed;
}

function refreshCrdPathsLater(why: string): void {
  void enqueue(why, async () => {
    const skips = skipLog();
    const changed = await refreshCrdPaths(false, skips.onSkip);
    skips.flush();
    if (!changed) return;
    log(`crdPaths: CRD schemas reloaded (${service.registry.overrideSources().length} file(s))`);
    announceCrds();
    revalidateAll();
  }, 'crdPaths');
}

let crdChangeTimer: NodeJS.Timeout | undefined;
function onCrdPathChange(): void {
  if (crdChangeTimer) clearTimeout(crdChangeTimer);
  crdChangeTimer = setTimeout(() => {
    crdChangeTimer = undefined;
    refreshCrdPathsLater('crdPaths change on disk');
  }, 200);
}

/**
 * Watches the crdPaths entries outside the workspace folders (inside them the editor's file events tell): a folder
 * recursively, a file through its parent folder (editors often save by replacing the file). An entry that does not
 * exist yet, or cannot be watched, is re-read on each save and settings change.
 */
function watchCrdPaths(): void {
  const wanted = new Set(crdPathRoots().filter((r) => !inWorkspace(r) && fs.existsSync(r)));
  for (const [root, w] of crdWatchers) {
    if (wanted.has(root)) continue;
    w.close();
    crdWatchers.delete(root);
  }
  for (const root of wanted) {
    if (crdWatchers.has(root)) continue;
    let w: fs.FSWatcher;
    try {
      if (fs.statSync(root).isDirectory()) {
        try {
          w = fs.watch(root, { recursive: true, persistent: false }, onCrdPathChange);
        } catch {
          w = fs.watch(root, { persistent: false }, onCrdPathChange); // no recursive watching on this platform
        }
      } else {
        const base = path.basename(root);
        w = fs.watch(path.dirname(root), { persistent: false }, (_event, name) => {
          if (!name || name === base) onCrdPathChange();
        });
      }
    } catch (e) {
      log(`crdPaths: cannot watch ${root} (${errorText(e)}): it is re-read on each save and settings change`);
      continue;
    }
    w.on('error', (e: unknown) => {
      log(`crdPaths: stopped watching ${root} (${errorText(e)}): it is re-read on each save and settings change`);
      w.close();
      if (crdWatchers.get(root) === w) crdWatchers.delete(root);
    });
    crdWatchers.set(root, w);
  }
}

/**
 * Indexes every YAML file of the workspace folders (minus excluded ones) so that cross-file rules, navigation and
 * completion see the whole configuration; CRDs among them (and in meshYaml.crdPaths) pin schemas. Files that left
 * the index since the last run (deleted, excluded, in a removed folder, over the size limit) are dropped.
 */
async function indexWorkspace(): Promise<void> {
  const started = Date.now();
  indexedWith = indexSignature();
  const progress = hasProgress ? await connection.window.createWorkDoneProgress() : undefined;
  progress?.begin('Mesh YAML: indexing the workspace', 0, undefined, false);
  const skips = skipLog();
  let count = 0;
  try {
    const found = new Set<string>();
    for (const root of workspaceRoots) for (const f of await listYamlFiles(root, 20000, scanOptions(skips.onSkip))) found.add(f);
    const wanted = [...found].filter((f) => !isExcluded(f));
    const wantedUris = new Set<string>();
    for (const file of wanted) {
      wantedUris.add(pathToFileURL(file).href);
      if (await loadDiskFile(file)) count++;
      if (progress && wantedUris.size % 200 === 0) progress.report(Math.round((100 * wantedUris.size) / wanted.length), `${wantedUris.size}/${wanted.length} files`);
    }
    for (const uri of [...diskFiles.keys()]) if (!wantedUris.has(uri)) dropDiskFile(uri);
    await refreshCrdPaths(true, skips.onSkip);
  } finally {
    progress?.done();
    skips.flush();
  }
  const sources = service.registry.overrideSources();
  if (sources.length) log(`using CRD schemas from ${sources.length} file(s)`);
  const ms = Date.now() - started;
  log(`indexed ${count} YAML file(s) with ${service.index().resources.length} resource(s) in ${ms} ms`);
  announceCrds();
  void connection.sendNotification(WorkspaceIndexedNotification, { files: count, resources: service.index().resources.length, ms });
  revalidateAll();
}

connection.onInitialized(() => {
  if (hasWorkspaceFolders) {
    guard('workspace folders', undefined, () =>
      connection.workspace.onDidChangeWorkspaceFolders((e) =>
        guard('workspace folders', undefined, () => {
          const removed = new Set(e.removed.map((f) => rootFolder(f.uri)));
          const added = e.added.map((f) => rootFolder(f.uri)).filter((r): r is string => !!r);
          workspaceRoots = [...new Set([...workspaceRoots.filter((r) => !removed.has(r)), ...added])];
          log(`workspace folders: ${workspaceRoots.join(', ') || '(none)'}`);
          reindex('re-indexing after a workspace folder change', true);
        }),
      ),
    );
  }
  reindex('workspace indexing', true);
});

connection.onDidChangeConfiguration((params) => {
  pushedSettings = params.settings;
  reindex('settings reload', false);
});

/**
 * File events from the editor. A folder's delete (or rename) arrives as one event for the folder: every indexed
 * file under it is dropped; a created folder is scanned. Events touching crdPaths re-read them.
 */
async function applyFileEvents(changes: FileEvent[]): Promise<void> {
  const skips = skipLog();
  let crdTouched = false;
  for (const c of changes) {
    if (!c.uri.startsWith('file:')) continue;
    const file = path.resolve(fileURLToPath(c.uri));
    if (underCrdPaths(file)) crdTouched = true;
    if (c.type === FileChangeType.Deleted) {
      dropUnder(file);
      continue;
    }
    if (documents.get(c.uri)) continue;
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(file);
    } catch {
      dropUnder(file); // gone again already
      continue;
    }
    if (st.isDirectory()) {
      if (c.type === FileChangeType.Created) await indexFolder(file, skips.onSkip);
    } else if (YAML_NAME.test(file)) {
      await loadDiskFile(file); // by path: the index names files as pathToFileURL does
    }
  }
  const crdsChanged = crdTouched && (await refreshCrdPaths(false, skips.onSkip));
  skips.flush();
  if (crdsChanged) announceCrds();
  revalidateAll();
}

connection.onDidChangeWatchedFiles((params) => {
  const changes = params.changes;
  void enqueue('watched files', () => applyFileEvents(changes));
});

const COMPLETION_KIND: Record<CompletionEntry['kind'], CompletionItemKind> = {
  property: CompletionItemKind.Property,
  value: CompletionItemKind.Value,
  enum: CompletionItemKind.EnumMember,
  kind: CompletionItemKind.Module,
  module: CompletionItemKind.Snippet,
};

connection.onCompletion((params) =>
  guard('completion', [] as CompletionItem[], () => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    return service.complete(doc.uri, params.position).map(
      (e): CompletionItem => ({
        label: e.label,
        kind: COMPLETION_KIND[e.kind],
        detail: e.detail,
        documentation: e.documentation ? { kind: MarkupKind.Markdown, value: e.documentation } : undefined,
        sortText: e.sortText,
        filterText: e.label,
        preselect: e.preselect,
        insertTextFormat: e.snippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
        textEdit: { range: e.range, newText: e.insertText },
      }),
    );
  }),
);

connection.onHover((params) =>
  guard('hover', null, () => {
    const doc = documents.get(params.textDocument.uri);
    // a position past the end of the document (no editor sends one) hovers nothing, rather than the last line
    if (doc && params.position.line >= doc.lineCount) return null;
    const h = service.hover(params.textDocument.uri, params.position);
    return h ? { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: h.range } : null;
  }),
);

connection.onCodeAction((params) =>
  guard('codeAction', [] as CodeAction[], () => {
    const uri = params.textDocument.uri;
    const ours = params.context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
    return service.fixes(uri, params.range).map(({ fix, diagnostic }) => {
      const matching = ours.filter((d) => d.range.start.line === diagnostic.range.start.line && d.message === diagnostic.message);
      const changes: Record<string, Array<{ range: (typeof fix.edits)[number]['range']; newText: string }>> = {};
      for (const e of fix.edits) (changes[e.uri ?? uri] ??= []).push({ range: e.range, newText: e.newText });
      return {
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: matching,
        isPreferred: fix.preferred,
        edit: { changes },
      };
    });
  }),
);

connection.onDefinition((params) =>
  guard('definition', [] as Location[], () => service.definition(params.textDocument.uri, params.position).map((l) => ({ uri: l.uri, range: l.range }))),
);

connection.onReferences((params) =>
  guard('references', [] as Location[], () =>
    service.references(params.textDocument.uri, params.position, params.context.includeDeclaration).map((l) => ({ uri: l.uri, range: l.range })),
  ),
);

connection.onCodeLens((params) =>
  guard('codeLens', [] as CodeLens[], () =>
    service.routeLenses(params.textDocument.uri).map((l) => ({
      range: l.range,
      command: { title: l.title, command: 'meshYaml.previewRouting', arguments: [params.textDocument.uri, l.position] },
    })),
  ),
);

connection.onRequest(RouteGraphRequest, (params: RouteGraphParams) => guard('routeGraph', null as RouteGraphResponse | null, () => service.routeGraph(params)));

connection.onRequest(SimulateRequest, (params: SimulateParams) => guard('simulate', null as SimulateResponse | null, () => service.simulate(params)));

connection.onDocumentSymbol((params) =>
  guard('documentSymbol', [] as DocumentSymbol[], () =>
    service.outline(params.textDocument.uri).map((s) => ({ name: s.name, detail: s.detail, kind: SymbolKind.Class, range: s.range, selectionRange: s.selectionRange })),
  ),
);

connection.onFoldingRanges((params) =>
  guard('foldingRanges', [] as FoldingRange[], () => service.folding(params.textDocument.uri).map((f) => ({ startLine: f.startLine, endLine: f.endLine }))),
);

process.on('uncaughtException', (e) => connection.console.error(`uncaught: ${e.stack ?? e.message}`));
process.on('unhandledRejection', (e) => connection.console.error(`unhandled rejection: ${String(e)}`));

documents.listen(connection);
connection.listen();
