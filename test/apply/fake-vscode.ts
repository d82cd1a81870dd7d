/**
 * TEST DOUBLE: a fake of the few parts of the 'vscode' API that client/src/commands/cluster.ts
 * uses, so the UI layer of "Apply to Cluster" runs under node:test (no VS Code). It is not VS Code.
 *
 * It records everything the UI shows or writes (`shown`: notifications and their buttons, quick
 * picks, input boxes, progress titles, output channel lines, status bar text and tooltip,
 * diagnostics, diff documents) and answers prompts through `answer`, a script the test sets.
 *
 * `loadCluster()` makes `require('vscode')` return this fake, then imports cluster.ts.
 */
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';

type Listener<T> = (e: T) => unknown;

class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (l: Listener<T>): { dispose(): void } => {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
    readonly query: string,
  ) {}
  static file(p: string): Uri {
    return new Uri('file', p, '');
  }
  static from(c: { scheme: string; path?: string; query?: string }): Uri {
    return new Uri(c.scheme, c.path ?? '', c.query ?? '');
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}://${this.path}${this.query ? `?${this.query}` : ''}`;
  }
}

class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}
class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(sl: number, sc: number, el: number, ec: number) {
    this.start = new Position(sl, sc);
    this.end = new Position(el, ec);
  }
}
class Diagnostic {
  source?: string;
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity: number,
  ) {}
}

export interface Prompt {
  kind: 'info' | 'warning' | 'error' | 'quickPick' | 'inputBox';
  message: string;
  /** Buttons of a message, or labels of quick pick items. */
  items: string[];
  modal?: boolean;
  detail?: string;
}

export interface StatusItem {
  id: string;
  text: string;
  tooltip?: string;
  visible: boolean;
  /** How many times show() was called. */
  shows: number;
}

/** A document open in the fake editor. */
export interface FakeEditor {
  file: string;
  text: string;
  selection?: [number, number];
}

export class FakeVscodeState {
  /** Everything shown to the user or written to the output channel, in order. */
  readonly shown: string[] = [];
  readonly prompts: Prompt[] = [];
  readonly output: string[] = [];
  readonly executed: { command: string; args: unknown[] }[] = [];
  readonly statusItems: StatusItem[] = [];
  readonly diagnostics = new Map<string, string[]>();
  /** Contents of the documents opened in the diff editor (left, right). */
  readonly diffs: { title: string; left: string; right: string }[] = [];
  /** Settings of section meshYaml, and every key read. */
  settings: Record<string, unknown> = {};
  readonly settingsRead: string[] = [];
  isTrusted = true;
  editor?: FakeEditor;
  workspaceRoot = '/';
  /** How prompts are answered: a button / item label (matched by prefix after the codicon), or undefined to dismiss. */
  answer: (p: Prompt) => string | undefined = () => undefined;
  readonly commands = new Map<string, (...args: unknown[]) => unknown>();
  readonly providers = new Map<string, { provideTextDocumentContent(u: Uri): string }>();
  readonly grantTrust = new EventEmitter<void>();
  readonly configChanged = new EventEmitter<{ affectsConfiguration(s: string): boolean }>();
  readonly workspaceState = new Map<string, unknown>();
  readonly subscriptions: { dispose(): void }[] = [];

  show(...texts: (string | undefined)[]): void {
    for (const t of texts) if (t) this.shown.push(t);
  }

  /** Runs a registered command as VS Code would (the palette passes no arguments). */
  async run(command: string, ...args: unknown[]): Promise<void> {
    const fn = this.commands.get(command);
    if (!fn) throw new Error(`fake vscode: command ${command} is not registered`);
    await fn(...args);
  }

  /** Lets queued work (the status bar's first refresh) run. */
  async settle(ms = 50): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
  }

  /** Waits until `cond` holds (work started by an event, such as the status bar refresh, is not awaited by anyone). */
  async until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`fake vscode: timed out waiting for ${what}`);
      await this.settle(20);
    }
  }

  dispose(): void {
    for (const s of this.subscriptions.splice(0)) s.dispose();
  }
}

let state = new FakeVscodeState();

/** A fresh state (settings, trust, records) for the next test. */
export function resetFakeVscode(): FakeVscodeState {
  state.dispose();
  state = new FakeVscodeState();
  return state;
}

function pick(p: Prompt, items: string[]): string | undefined {
  state.prompts.push(p);
  state.show(p.message, p.detail, ...items);
  const a = state.answer(p);
  if (a === undefined) return undefined;
  const strip = (s: string): string => s.replace(/^\$\([\w~-]+\)\s*/, '');
  return items.find((i) => i === a || strip(i) === a || strip(i).startsWith(a));
}

function message(kind: 'info' | 'warning' | 'error') {
  return (msg: string, ...rest: unknown[]): Promise<string | undefined> => {
    let opts: { modal?: boolean; detail?: string } = {};
    if (rest.length && typeof rest[0] === 'object' && rest[0] !== null) opts = rest.shift() as typeof opts;
    const buttons = rest.filter((x): x is string => typeof x === 'string');
    return Promise.resolve(pick({ kind, message: msg, items: buttons, modal: opts.modal, detail: opts.detail }, buttons));
  };
}

const api = {
  EventEmitter,
  Uri,
  Range,
  Position,
  Diagnostic,
  DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  FileType: { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 },
  languages: {
    createDiagnosticCollection: (name: string) => ({
      name,
      set: (uri: Uri, diags: Diagnostic[]) => {
        state.diagnostics.set(uri.fsPath, diags.map((d) => d.message));
        state.show(...diags.map((d) => d.message));
      },
      delete: (uri: Uri) => state.diagnostics.delete(uri.fsPath),
      has: (uri: Uri) => state.diagnostics.has(uri.fsPath),
      dispose: () => undefined,
    }),
  },
  window: {
    get activeTextEditor() {
      const e = state.editor;
      if (!e) return undefined;
      const sel = e.selection ?? [0, 0];
      const pos = (offset: number): Position => {
        const before = e.text.slice(0, offset).split('\n');
        return new Position(before.length - 1, before[before.length - 1].length);
      };
      return {
        document: {
          uri: Uri.file(e.file),
          getText: () => e.text,
          offsetAt: (p: Position) => e.text.split('\n').slice(0, p.line).join('\n').length + (p.line ? 1 : 0) + p.character,
        },
        selection: { isEmpty: sel[0] === sel[1], start: pos(sel[0]), end: pos(sel[1]) },
      };
    },
    createStatusBarItem: (id: string) => {
      const item: StatusItem = { id, text: '', visible: false, shows: 0 };
      state.statusItems.push(item);
      return {
        name: '',
        command: '',
        get text() {
          return item.text;
        },
        set text(t: string) {
          item.text = t;
          state.show(t);
        },
        get tooltip() {
          return item.tooltip;
        },
        set tooltip(t: string | undefined) {
          item.tooltip = t;
          state.show(t);
        },
        show: () => {
          item.visible = true;
          item.shows++;
        },
        hide: () => (item.visible = false),
        dispose: () => (item.visible = false),
      };
    },
    showInformationMessage: message('info'),
    showWarningMessage: message('warning'),
    showErrorMessage: message('error'),
    showQuickPick: (items: { label: string; description?: string; detail?: string }[], opts: { title?: string; placeHolder?: string } = {}) => {
      state.show(opts.title, opts.placeHolder, ...items.flatMap((i) => [i.description, i.detail]));
      const label = pick({ kind: 'quickPick', message: opts.placeHolder ?? opts.title ?? '', items: items.map((i) => i.label), detail: items.map((i) => i.detail ?? '').join('\n') }, items.map((i) => i.label));
      return Promise.resolve(items.find((i) => i.label === label));
    },
    showInputBox: (opts: { title?: string; prompt?: string; placeHolder?: string } = {}) => {
      state.prompts.push({ kind: 'inputBox', message: opts.title ?? '', items: [], detail: opts.prompt });
      state.show(opts.title, opts.prompt, opts.placeHolder);
      return Promise.resolve(state.answer(state.prompts[state.prompts.length - 1]));
    },
    withProgress: async <T>(opts: { title?: string }, task: (p: { report(v: { message?: string }): void }, t: { onCancellationRequested(l: () => void): void }) => Promise<T>) => {
      state.show(opts.title);
      return task({ report: (v) => state.show(v.message) }, { onCancellationRequested: () => undefined });
    },
    onDidChangeWindowState: () => ({ dispose: () => undefined }),
  },
  workspace: {
    get isTrusted() {
      return state.isTrusted;
    },
    get textDocuments() {
      return [];
    },
    getConfiguration: (section: string) => ({
      get: <T>(key: string, dflt?: T): T | undefined => {
        state.settingsRead.push(`${section}.${key}`);
        return (state.settings[key] as T | undefined) ?? dflt;
      },
      inspect: <T>(key: string): { defaultValue?: T; globalValue?: T } => {
        state.settingsRead.push(`${section}.${key}`);
        return { globalValue: state.settings[key] as T | undefined };
      },
    }),
    asRelativePath: (p: string | Uri) => {
      const s = typeof p === 'string' ? p : p.fsPath;
      return s.startsWith(state.workspaceRoot) ? path.relative(state.workspaceRoot, s) : s;
    },
    fs: {
      stat: (u: Uri) => Promise.resolve({ type: fs.statSync(u.fsPath).isDirectory() ? 2 : 1 }),
    },
    registerTextDocumentContentProvider: (scheme: string, p: { provideTextDocumentContent(u: Uri): string }) => {
      state.providers.set(scheme, p);
      return { dispose: () => state.providers.delete(scheme) };
    },
    onDidChangeTextDocument: () => ({ dispose: () => undefined }),
    onDidCloseTextDocument: () => ({ dispose: () => undefined }),
    onDidChangeConfiguration: (l: Listener<{ affectsConfiguration(s: string): boolean }>) => state.configChanged.event(l),
    onDidGrantWorkspaceTrust: (l: Listener<void>) => state.grantTrust.event(l),
  },
  commands: {
    registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
      state.commands.set(id, fn);
      return { dispose: () => state.commands.delete(id) };
    },
    executeCommand: (id: string, ...args: unknown[]): Promise<unknown> => {
      state.executed.push({ command: id, args });
      if (id === 'vscode.diff') {
        const [l, r, title] = args as [Uri, Uri, string];
        const provider = state.providers.get(l.scheme);
        const d = { title, left: provider?.provideTextDocumentContent(l) ?? '', right: provider?.provideTextDocumentContent(r) ?? '' };
        state.diffs.push(d);
        state.show(title, d.left, d.right);
        return Promise.resolve(undefined);
      }
      const fn = state.commands.get(id);
      return Promise.resolve(fn ? fn(...args) : undefined);
    },
  },
};

/** A LogOutputChannel that records its lines (into `output` and `shown`). */
export function fakeOutput(): { info(m: string): void; warn(m: string): void; error(m: string): void; show(): void; appendLine(m: string): void } {
  const add = (level: string) => (m: string) => {
    state.output.push(`[${level}] ${m}`);
    state.show(m);
  };
  return { info: add('info'), warn: add('warning'), error: add('error'), appendLine: add('info'), show: () => undefined };
}

/** An ExtensionContext with workspaceState and subscriptions. */
export function fakeContext(): { subscriptions: { dispose(): void }[]; workspaceState: { get<T>(k: string): T | undefined; update(k: string, v: unknown): Promise<void> } } {
  return {
    subscriptions: state.subscriptions,
    workspaceState: {
      get: <T>(k: string) => state.workspaceState.get(k) as T | undefined,
      update: (k: string, v: unknown) => {
        state.workspaceState.set(k, v);
        return Promise.resolve();
      },
    },
  };
}

let installed = false;
/** Makes `require('vscode')` return the fake (once per process). */
export function installFakeVscode(): void {
  if (installed) return;
  installed = true;
  const M = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = M._load;
  M._load = function (this: unknown, request: string, ...rest: unknown[]) {
    if (request === 'vscode') return api;
    return original.call(this, request, ...rest);
  };
}

/** client/src/commands/cluster.ts, loaded against the fake. */
export async function loadCluster(): Promise<typeof import('../../client/src/commands/cluster')> {
  installFakeVscode();
  return import('../../client/src/commands/cluster');
}

/**
 * Registers the cluster commands on a fresh fake state and returns it. The state's settings and
 * trust can be set through `setup` before the commands (and the status bar's first refresh) run.
 */
export async function startUi(setup: (s: FakeVscodeState) => void = () => undefined): Promise<FakeVscodeState> {
  const cluster = await loadCluster();
  const s = resetFakeVscode();
  setup(s);
  cluster.registerClusterCommands(fakeContext() as never, fakeOutput() as never);
  await s.settle();
  return s;
}
export { Uri as FakeUri };
