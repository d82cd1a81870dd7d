import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  CompletionItemKind,
  DiagnosticSeverity,
  InsertTextFormat,
  MarkupKind,
  ProposedFeatures,
  SymbolKind,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
  type CodeAction,
  type CodeLens,
  type CompletionItem,
  type Diagnostic,
  type DocumentSymbol,
  type FoldingRange,
  type InitializeResult,
  type Location,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import picomatch from 'picomatch';
import { RouteGraphRequest, SimulateRequest, type RouteGraphParams, type RouteGraphResponse, type SimulateParams, type SimulateResponse } from './protocol';
import { CONFIG_SECTION, CrdsLoadedNotification, DEFAULT_SETTINGS, DIAGNOSTIC_SOURCE, FileStatusNotification, WorkspaceIndexedNotification, type MeshSettings } from './protocol';
import { MeshService, type CompletionEntry, type FileDiagnostic } from './service';
import { findSchemasDir, SchemaRegistry } from './service/schema/registry';
import { listYamlFiles, MAX_FILE_BYTES } from './workspace-scan';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const service = new MeshService(new SchemaRegistry(findSchemasDir(__dirname)));
let settings: MeshSettings = { ...DEFAULT_SETTINGS };
let workspaceRoots: string[] = [];
let hasConfiguration = false;
let hasProgress = false;
/** Glob patterns from files.exclude (enabled ones) and meshYaml.exclude. */
let excludeGlobs: string[] = [];
/** Files indexed from disk (not open in an editor). */
const diskFiles = new Set<string>();

service.onRuleError = (rule, res, e) => connection.console.error(`rule ${rule.id} failed on ${res.kind} ${res.namespace}/${res.name}: ${String(e)}`);

function applyAnalysisSettings(): void {
  const rules = { ...settings.rules };
  for (const id of settings.disabledRules) rules[id] = 'off';
  if (!settings.celValidation) rules['schema/cel'] = 'off';
  service.settings = { rules, productionNamespaces: settings.productionNamespaces };
  service.limits = { maxFileSize: Math.max(0.01, settings.maxFileSizeMB) * 1024 * 1024, maxDocuments: Math.max(1, Math.floor(settings.maxDocuments)) };
}

function log(msg: string): void {
  connection.console.log(msg);
}

/** Runs a handler; any exception is logged and the fallback is returned, so bad input never kills the server. */
function guard<T>(name: string, fallback: T, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    connection.console.error(`${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return fallback;
  }
}

const SEVERITY: Record<FileDiagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

function toLspDiagnostic(d: FileDiagnostic): Diagnostic {
  return {
    range: d.range,
    severity: SEVERITY[d.severity],
    source: DIAGNOSTIC_SOURCE,
    code: d.code ? `${d.rule} (${d.code})` : d.rule,
    message: d.message,
    data: { rule: d.rule },
  };
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
}
function publish(uri: string): void {
  if (!documents.get(uri)) return;
  const diagnostics = guard('diagnostics', [] as Diagnostic[], () =>
    service.diagnostics(uri).map(toLspDiagnostic),
  );
  void connection.sendDiagnostics({ uri, diagnostics });
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

function syncDocument(doc: TextDocument): void {
  guard('update', false, () => service.setFile(doc.uri, doc.getText()));
  // Any edit can change another file's findings (a DestinationRule fixes a VirtualService elsewhere).
  schedule(doc.uri);
  revalidateAll();
}

documents.onDidOpen((e) => syncDocument(e.document));
documents.onDidChangeContent((e) => syncDocument(e.document));
documents.onDidClose((e) => {
  const uri = e.document.uri;
  void connection.sendDiagnostics({ uri, diagnostics: [] });
  // A closed file stays in the workspace as it is on disk (unsaved edits are gone); others are forgotten.
  void (async () => {
    if (!(await loadDiskFile(uri))) guard('close', false, () => service.removeFile(uri));
    revalidateAll();
  })().catch((err: unknown) => log(`close failed: ${String(err)}`));
});

connection.onInitialize((params): InitializeResult => {
  hasConfiguration = !!params.capabilities.workspace?.configuration;
  hasProgress = !!params.capabilities.window?.workDoneProgress;
  workspaceRoots = (params.workspaceFolders ?? []).map((f) => f.uri).filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
  if (!workspaceRoots.length && params.rootUri?.startsWith('file:')) workspaceRoots = [fileURLToPath(params.rootUri)];
  const opts = params.initializationOptions as Partial<MeshSettings> | undefined;
  if (opts) settings = { ...settings, ...opts };
  applyAnalysisSettings();
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: [' ', ':', '-'], resolveProvider: false },
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      documentSymbolProvider: true,
      foldingRangeProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      codeLensProvider: { resolveProvider: false },
    },
    serverInfo: { name: 'mesh-language-server', version: '0.1.0' },
  };
});

async function loadSettings(): Promise<void> {
  if (!hasConfiguration) return;
  try {
    const [cfg, files] = (await connection.workspace.getConfiguration([{ section: CONFIG_SECTION }, { section: 'files' }])) as [Partial<MeshSettings> | null, { exclude?: Record<string, boolean> } | null];
    settings = { ...DEFAULT_SETTINGS, ...(cfg ?? {}) };
    excludeGlobs = [...Object.entries(files?.exclude ?? {}).filter(([, on]) => on).map(([g]) => g), ...settings.exclude];
  } catch (e) {
    log(`could not read settings: ${String(e)}`);
  }
  applyAnalysisSettings();
}

function isExcluded(file: string): boolean {
  for (const root of workspaceRoots) {
    const rel = path.relative(root, file);
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
    const posix = rel.split(path.sep).join('/');
    if (excludeGlobs.some((g) => picomatch.isMatch(posix, g, { dot: true }) || picomatch.isMatch(posix, `${g.replace(/\/$/, '')}/**`, { dot: true }))) return true;
  }
  return false;
}

function inWorkspace(file: string): boolean {
  return workspaceRoots.some((root) => {
    const rel = path.relative(root, file);
    return !rel.startsWith('..') && !path.isAbsolute(rel);
  });
}

/** (Re)reads a workspace file that is not open in an editor. Returns false when it is not a workspace file on disk. */
async function loadDiskFile(uriOrPath: string): Promise<boolean> {
  const file = uriOrPath.startsWith('file:') ? fileURLToPath(uriOrPath) : uriOrPath;
  const uri = uriOrPath.startsWith('file:') ? uriOrPath : pathToFileURL(file).href;
  if (documents.get(uri)) return true; // the open editor's text wins
  if (!inWorkspace(file) || isExcluded(file)) return false;
  try {
    const st = await fs.promises.stat(file);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return false;
    service.setFile(uri, await fs.promises.readFile(file, 'utf8'));
    diskFiles.add(uri);
    return true;
  } catch {
    if (diskFiles.delete(uri)) service.removeFile(uri);
    return false;
  }
}

/** Loads the CRDs of a file outside the workspace folders (meshYaml.crdPaths). */
async function loadCrdFile(file: string): Promise<boolean> {
  const uri = pathToFileURL(file).href;
  try {
    const st = await fs.promises.stat(file);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return false;
    return service.updateCrds(uri, await fs.promises.readFile(file, 'utf8'));
  } catch {
    return service.registry.setCrdSource(uri, []);
  }
}

/**
 * Indexes every YAML file of the workspace folders (minus excluded ones) so that cross-file rules, navigation and
 * completion see the whole configuration; CRDs among them (and in meshYaml.crdPaths) pin schemas.
 */
async function indexWorkspace(): Promise<void> {
  const started = Date.now();
  const progress = hasProgress ? await connection.window.createWorkDoneProgress() : undefined;
  progress?.begin('Mesh YAML: indexing the workspace', 0, undefined, false);
  let count = 0;
  try {
    const files: string[] = [];
    for (const root of workspaceRoots) files.push(...(await listYamlFiles(root)));
    const wanted = files.filter((f) => !isExcluded(f));
    for (const file of wanted) {
      await loadDiskFile(file);
      count++;
      if (progress && count % 200 === 0) progress.report(Math.round((100 * count) / wanted.length), `${count}/${wanted.length} files`);
    }
    // files that disappeared or became excluded since the last indexing
    for (const uri of [...diskFiles]) {
      const f = fileURLToPath(uri);
      if (!wanted.includes(f)) {
        diskFiles.delete(uri);
        if (!documents.get(uri)) service.removeFile(uri);
      }
    }
    for (const p of settings.crdPaths) {
      const roots = path.isAbsolute(p) ? [p] : workspaceRoots.map((r) => path.join(r, p));
      for (const r of roots) for (const f of await listYamlFiles(r)) if (!inWorkspace(f)) await loadCrdFile(f);
    }
  } finally {
    progress?.done();
  }
  const sources = service.registry.overrideSources();
  if (sources.length) log(`using CRD schemas from ${sources.length} file(s)`);
  const ms = Date.now() - started;
  log(`indexed ${count} YAML file(s) with ${service.index().resources.length} resource(s) in ${ms} ms`);
  void connection.sendNotification(CrdsLoadedNotification, { sources });
  void connection.sendNotification(WorkspaceIndexedNotification, { files: count, resources: service.index().resources.length, ms });
  revalidateAll();
}

connection.onInitialized(() => {
  void (async () => {
    await loadSettings();
    await indexWorkspace();
  })().catch((e: unknown) => log(`workspace indexing failed: ${String(e)}`));
});

connection.onDidChangeConfiguration(() => {
  void (async () => {
    await loadSettings();
    await indexWorkspace();
  })().catch((e: unknown) => log(`settings reload failed: ${String(e)}`));
});

connection.onDidChangeWatchedFiles((params) => {
  void (async () => {
    for (const c of params.changes) {
      if (!/\.ya?ml$/i.test(c.uri) || !c.uri.startsWith('file:') || documents.get(c.uri)) continue;
      if (c.type === 3) {
        diskFiles.delete(c.uri);
        service.removeFile(c.uri);
      } else if (!(await loadDiskFile(c.uri))) {
        const f = fileURLToPath(c.uri);
        if (!inWorkspace(f)) await loadCrdFile(f);
      }
    }
    revalidateAll();
  })().catch((e: unknown) => log(`watched files failed: ${String(e)}`));
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
