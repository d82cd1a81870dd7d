// Measures the activation of the extension bundle in a fresh plain Node process, as VS Code's extension host runs
// it, with a stub of the `vscode` module (no editor here). Prints one JSON line:
//   { codeLoadingMs, activateCallMs, activateResolvedMs, serverStarted, stubMisses, error? }
// codeLoadingMs      require() of the bundle (VS Code: codeLoadingTime)
// activateCallMs     the synchronous part of activate(), until it returns its promise (VS Code: activateCallTime);
//                    VS Code shows codeLoadingTime + activateCallTime as "Activation: N ms" in Running Extensions
// activateResolvedMs until the promise of activate() resolves, i.e. the language client has started the server
//                    process and completed the initialize handshake (VS Code: activateResolvedTime)
//
//   node test/bench/activation-probe.js <extension folder>   (the folder holding package.json and dist/)
'use strict';
const t0 = process.hrtime.bigint();
const path = require('node:path');
const Module = require('node:module');

const extRoot = path.resolve(process.argv[2] || path.join(__dirname, '..', '..'));
const pkg = require(path.join(extRoot, 'package.json'));
const misses = new Set();

// ---- a stub of the vscode API: the parts the extension and vscode-languageclient use, plus a catch-all proxy that
// records what else is touched (every unknown member is a no-op function returning another such proxy).
function catchAll(name) {
  const fn = function () {};
  return new Proxy(fn, {
    get(_t, p) {
      if (p === 'then') return undefined; // not a thenable
      if (p === Symbol.iterator) return function* () {};
      if (p === Symbol.toPrimitive) return () => '';
      if (p === 'length') return 0;
      if (p === 'dispose') return () => undefined;
      if (typeof p === 'symbol') return undefined;
      misses.add(`${name}.${p}`);
      return catchAll(`${name}.${p}`);
    },
    apply() {
      return catchAll(`${name}()`);
    },
    construct() {
      return catchAll(`new ${name}`);
    },
  });
}
function withFallback(name, obj) {
  return new Proxy(obj, {
    get(t, p) {
      if (p in t || typeof p === 'symbol' || p === 'then' || p === '__esModule') return t[p];
      if (name === 'languages' && /^register/.test(p)) return () => new Disposable();
      misses.add(`${name}.${String(p)}`);
      return catchAll(`${name}.${String(p)}`);
    },
  });
}
class Disposable {
  constructor(fn) {
    this._fn = fn;
  }
  static from(...ds) {
    return new Disposable(() => ds.forEach((d) => d && d.dispose && d.dispose()));
  }
  dispose() {
    if (this._fn) this._fn();
    this._fn = undefined;
  }
}
class EventEmitter {
  constructor() {
    this._ls = [];
    this.event = (l, thisArg) => {
      const f = thisArg ? l.bind(thisArg) : l;
      this._ls.push(f);
      return new Disposable(() => (this._ls = this._ls.filter((x) => x !== f)));
    };
  }
  fire(e) {
    for (const l of [...this._ls]) l(e);
  }
  dispose() {
    this._ls = [];
  }
}
const noEvent = () => new Disposable();
class Uri {
  constructor(scheme, authority, p, query, fragment) {
    Object.assign(this, { scheme, authority, path: p, query, fragment, fsPath: p });
  }
  static file(p) {
    return new Uri('file', '', p, '', '');
  }
  static parse(s) {
    const u = new URL(s);
    return new Uri(u.protocol.replace(/:$/, ''), u.host, decodeURIComponent(u.pathname), u.search.slice(1), u.hash.slice(1));
  }
  with(c) {
    return new Uri(c.scheme ?? this.scheme, c.authority ?? this.authority, c.path ?? this.path, c.query ?? this.query, c.fragment ?? this.fragment);
  }
  toString() {
    return `${this.scheme}://${this.authority}${this.path}`;
  }
  toJSON() {
    return this.toString();
  }
}
class CancellationTokenSource {
  constructor() {
    this.token = { isCancellationRequested: false, onCancellationRequested: noEvent };
  }
  cancel() {
    this.token.isCancellationRequested = true;
  }
  dispose() {}
}
function logChannel(name) {
  const lines = [];
  const ch = { name, logLevel: 2, onDidChangeLogLevel: noEvent, lines };
  for (const m of ['append', 'appendLine', 'replace', 'clear', 'show', 'hide', 'dispose', 'trace', 'debug', 'info', 'warn', 'error']) {
    ch[m] = (...a) => {
      if (m !== 'show' && m !== 'hide' && m !== 'dispose' && m !== 'clear') lines.push(a.map(String).join(' '));
    };
  }
  return ch;
}
const channels = [];
const config = {
  get: (_k, d) => d,
  has: () => false,
  inspect: () => undefined,
  update: async () => undefined,
};
/** Plain data classes that vscode-languageclient extends at load time (class X extends vscode.CompletionItem). */
const dataClass = (name) =>
  ({
    [name]: class {
      constructor(...args) {
        this.args = args;
      }
    },
  })[name];
const kindOf = (value) => ({ value, append: (p) => kindOf(`${value}.${p}`), contains: () => false, intersects: () => false });
const enumOf = (...names) => Object.fromEntries(names.map((n, i) => [n, i + 1]));
const vscode = withFallback('vscode', {
  version: (pkg.engines && pkg.engines.vscode ? pkg.engines.vscode.replace(/^[\^~>=]+/, '') : '1.100.0'),
  env: withFallback('env', { language: 'en', appName: 'bench', appRoot: extRoot, machineId: 'bench', sessionId: 'bench', uriScheme: 'vscode', uiKind: 1, remoteName: undefined, shell: '/bin/sh' }),
  Disposable,
  EventEmitter,
  Uri,
  CancellationTokenSource,
  ...Object.fromEntries(
    ['CompletionItem', 'CodeLens', 'DocumentLink', 'CodeAction', 'Diagnostic', 'CallHierarchyItem', 'TypeHierarchyItem', 'SymbolInformation', 'InlayHint', 'Position', 'Range', 'Location', 'Hover', 'MarkdownString', 'TextEdit', 'WorkspaceEdit', 'SnippetString', 'FoldingRange', 'DocumentSymbol'].map((n) => [n, dataClass(n)]),
  ),
  CodeActionKind: Object.fromEntries(['Empty', 'QuickFix', 'Refactor', 'RefactorExtract', 'RefactorInline', 'RefactorMove', 'RefactorRewrite', 'Source', 'SourceOrganizeImports', 'SourceFixAll', 'Notebook'].map((k) => [k, kindOf(k)])),
  CancellationError: class CancellationError extends Error {},
  StatusBarAlignment: { Left: 1, Right: 2 },
  ViewColumn: enumOf('One', 'Two', 'Three'),
  DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  FileType: { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 },
  UIKind: { Desktop: 1, Web: 2 },
  LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
  TextDocumentSaveReason: { Manual: 1, AfterDelay: 2, FocusOut: 3 },
  workspace: withFallback('workspace', {
    workspaceFolders: undefined,
    textDocuments: [],
    notebookDocuments: [],
    rootPath: undefined,
    name: undefined,
    isTrusted: true,
    getConfiguration: () => config,
    getWorkspaceFolder: () => undefined,
    createFileSystemWatcher: () => ({ onDidCreate: noEvent, onDidChange: noEvent, onDidDelete: noEvent, dispose() {} }),
    onDidChangeConfiguration: noEvent,
    onDidOpenTextDocument: noEvent,
    onDidCloseTextDocument: noEvent,
    onDidChangeTextDocument: noEvent,
    onDidSaveTextDocument: noEvent,
    onWillSaveTextDocument: noEvent,
    onDidChangeWorkspaceFolders: noEvent,
    onDidOpenNotebookDocument: noEvent,
    onDidCloseNotebookDocument: noEvent,
    onDidChangeNotebookDocument: noEvent,
    onDidSaveNotebookDocument: noEvent,
    onDidCreateFiles: noEvent,
    onDidRenameFiles: noEvent,
    onDidDeleteFiles: noEvent,
    onWillCreateFiles: noEvent,
    onWillRenameFiles: noEvent,
    onWillDeleteFiles: noEvent,
    onDidGrantWorkspaceTrust: noEvent,
  }),
  window: withFallback('window', {
    activeTextEditor: undefined,
    visibleTextEditors: [],
    visibleNotebookEditors: [],
    tabGroups: { all: [], onDidChangeTabs: noEvent, onDidChangeTabGroups: noEvent },
    createOutputChannel: (name) => {
      const ch = logChannel(name);
      channels.push(ch);
      return ch;
    },
    createStatusBarItem: () => ({ text: '', tooltip: '', command: undefined, name: '', show() {}, hide() {}, dispose() {} }),
    showErrorMessage: async (...a) => {
      channels.push({ name: 'showErrorMessage', lines: [a.map(String).join(' ')] });
      return undefined;
    },
    showWarningMessage: async () => undefined,
    showInformationMessage: async () => undefined,
    onDidChangeActiveTextEditor: noEvent,
    onDidChangeVisibleTextEditors: noEvent,
    onDidChangeVisibleNotebookEditors: noEvent,
    onDidChangeTextEditorSelection: noEvent,
    onDidChangeWindowState: noEvent,
  }),
  languages: withFallback('languages', {
    match: () => 10,
    createDiagnosticCollection: (name) => {
      const m = new Map();
      return { name, set: (u, d) => m.set(String(u), d), delete: (u) => m.delete(String(u)), clear: () => m.clear(), get: (u) => m.get(String(u)), has: (u) => m.has(String(u)), forEach: (f) => m.forEach(f), dispose() {} };
    },
    onDidChangeDiagnostics: noEvent,
  }),
  commands: withFallback('commands', {
    registerCommand: () => new Disposable(),
    executeCommand: async () => undefined,
    getCommands: async () => [],
  }),
  extensions: withFallback('extensions', { all: [], getExtension: () => undefined, onDidChange: noEvent }),
});

const origResolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'vscode') return 'vscode';
  return origResolve.call(this, request, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode, children: [], paths: [] };

const context = {
  subscriptions: [],
  extensionPath: extRoot,
  extensionUri: Uri.file(extRoot),
  asAbsolutePath: (p) => path.join(extRoot, p),
  storagePath: undefined,
  globalStoragePath: path.join(extRoot, '.bench-global'),
  logPath: path.join(extRoot, '.bench-log'),
  extensionMode: 1,
  environmentVariableCollection: catchAll('environmentVariableCollection'),
  workspaceState: { get: (_k, d) => d, update: async () => undefined, keys: () => [] },
  globalState: { get: (_k, d) => d, update: async () => undefined, keys: () => [], setKeysForSync() {} },
  secrets: { get: async () => undefined, store: async () => undefined, delete: async () => undefined, onDidChange: noEvent },
};

const ms = (a, b) => Number(b - a) / 1e6;
async function main() {
  const main = path.join(extRoot, pkg.main || 'dist/client/extension.js');
  const tLoad = process.hrtime.bigint();
  const ext = require(main);
  const tLoaded = process.hrtime.bigint();
  const promise = ext.activate(context);
  const tCalled = process.hrtime.bigint();
  const timeout = new Promise((_, rej) => setTimeout(() => rej(new Error('activate() did not resolve within 15 s')), 15000).unref());
  let error;
  try {
    await Promise.race([promise, timeout]);
  } catch (e) {
    error = String(e && e.stack ? e.stack : e);
  }
  const tResolved = process.hrtime.bigint();
  const out = {
    codeLoadingMs: ms(tLoad, tLoaded),
    activateCallMs: ms(tLoaded, tCalled),
    activateResolvedMs: ms(tLoaded, tResolved),
    processStartToLoadMs: ms(t0, tLoad),
    serverStarted: !error,
    stubMisses: [...misses].slice(0, 50),
    log: channels.flatMap((c) => c.lines.map((l) => `[${c.name}] ${l}`)).slice(0, 20),
  };
  if (error) out.error = error;
  try {
    if (ext.deactivate) await Promise.race([ext.deactivate(), new Promise((r) => setTimeout(r, 3000).unref())]);
  } catch {
    // the server is killed with this process anyway
  }
  for (const d of context.subscriptions) {
    try {
      d.dispose();
    } catch {
      // ignore
    }
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}
main().catch((e) => {
  process.stdout.write(JSON.stringify({ error: String(e && e.stack ? e.stack : e), stubMisses: [...misses] }) + '\n');
  process.exit(1);
});
