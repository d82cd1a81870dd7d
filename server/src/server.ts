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
  type CompletionItem,
  type Diagnostic,
  type DocumentSymbol,
  type FoldingRange,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CONFIG_SECTION, CrdsLoadedNotification, DEFAULT_SETTINGS, DIAGNOSTIC_SOURCE, type MeshSettings } from './protocol';
import { MeshService, type CompletionEntry, type FileDiagnostic } from './service';
import { findSchemasDir, SchemaRegistry } from './service/schema/registry';
import { listYamlFiles, MAX_FILE_BYTES } from './workspace-scan';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const service = new MeshService(new SchemaRegistry(findSchemasDir(__dirname)));
let settings: MeshSettings = { ...DEFAULT_SETTINGS };
let workspaceRoots: string[] = [];
let hasConfiguration = false;

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
    service
      .diagnostics(uri)
      .filter((d) => !settings.disabledRules.includes(d.rule) && (settings.celValidation || d.rule !== 'schema/cel'))
      .map(toLspDiagnostic),
  );
  void connection.sendDiagnostics({ uri, diagnostics });
}
function revalidateAll(): void {
  for (const d of documents.all()) schedule(d.uri);
}

function syncDocument(doc: TextDocument): void {
  const crdsChanged = guard('update', false, () => service.setFile(doc.uri, doc.getText()));
  if (crdsChanged) revalidateAll();
  else schedule(doc.uri);
}

documents.onDidOpen((e) => syncDocument(e.document));
documents.onDidChangeContent((e) => syncDocument(e.document));
documents.onDidClose((e) => {
  const uri = e.document.uri;
  const crdsChanged = guard('close', false, () => service.removeFile(uri));
  void connection.sendDiagnostics({ uri, diagnostics: [] });
  // A CRD file that is closed still pins schemas when it is on disk in the workspace.
  if (crdsChanged) void loadCrdFile(uri).then(revalidateAll);
});

connection.onInitialize((params): InitializeResult => {
  hasConfiguration = !!params.capabilities.workspace?.configuration;
  workspaceRoots = (params.workspaceFolders ?? []).map((f) => f.uri).filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
  if (!workspaceRoots.length && params.rootUri?.startsWith('file:')) workspaceRoots = [fileURLToPath(params.rootUri)];
  const opts = params.initializationOptions as Partial<MeshSettings> | undefined;
  if (opts) settings = { ...settings, ...opts };
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: [' ', ':', '-'], resolveProvider: false },
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      documentSymbolProvider: true,
      foldingRangeProvider: true,
    },
    serverInfo: { name: 'mesh-language-server', version: '0.1.0' },
  };
});

async function loadSettings(): Promise<void> {
  if (!hasConfiguration) return;
  try {
    const cfg = (await connection.workspace.getConfiguration(CONFIG_SECTION)) as Partial<MeshSettings> | null;
    settings = { ...DEFAULT_SETTINGS, ...(cfg ?? {}) };
  } catch (e) {
    log(`could not read settings: ${String(e)}`);
  }
}

async function loadCrdFile(uriOrPath: string): Promise<boolean> {
  const file = uriOrPath.startsWith('file:') ? fileURLToPath(uriOrPath) : uriOrPath;
  const uri = uriOrPath.startsWith('file:') ? uriOrPath : pathToFileURL(file).href;
  if (documents.get(uri)) return false; // the open editor's text wins
  try {
    const st = await fs.promises.stat(file);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return service.registry.setCrdSource(uri, []);
    return service.updateCrds(uri, await fs.promises.readFile(file, 'utf8'));
  } catch {
    return service.registry.setCrdSource(uri, []);
  }
}

/** Finds CRD files in the workspace folders and the configured crdPaths; their schemas replace bundled ones. */
async function scanCrds(): Promise<void> {
  const roots = [...workspaceRoots];
  for (const p of settings.crdPaths) {
    if (path.isAbsolute(p)) roots.push(p);
    else for (const r of workspaceRoots) roots.push(path.join(r, p));
  }
  let changed = false;
  for (const root of roots) {
    for (const file of await listYamlFiles(root)) {
      if (await loadCrdFile(file)) changed = true;
    }
  }
  const sources = service.registry.overrideSources();
  if (sources.length) log(`using CRD schemas from ${sources.length} file(s)`);
  void connection.sendNotification(CrdsLoadedNotification, { sources });
  if (changed) revalidateAll();
}

connection.onInitialized(() => {
  void (async () => {
    await loadSettings();
    await scanCrds();
  })().catch((e: unknown) => log(`workspace scan failed: ${String(e)}`));
});

connection.onDidChangeConfiguration(() => {
  void (async () => {
    await loadSettings();
    await scanCrds();
    revalidateAll();
  })().catch((e: unknown) => log(`settings reload failed: ${String(e)}`));
});

connection.onDidChangeWatchedFiles((params) => {
  void (async () => {
    let changed = false;
    for (const c of params.changes) {
      if (!/\.ya?ml$/i.test(c.uri) || !c.uri.startsWith('file:')) continue;
      if (await loadCrdFile(c.uri)) changed = true;
    }
    if (changed) revalidateAll();
  })().catch((e: unknown) => log(`watched files failed: ${String(e)}`));
});

const COMPLETION_KIND: Record<CompletionEntry['kind'], CompletionItemKind> = {
  property: CompletionItemKind.Property,
  value: CompletionItemKind.Value,
  enum: CompletionItemKind.EnumMember,
  kind: CompletionItemKind.Module,
  module: CompletionItemKind.Module,
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
      return {
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: matching,
        isPreferred: fix.preferred,
        edit: { changes: { [uri]: fix.edits } },
      };
    });
  }),
);

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
