/**
 * The language client: loaded by extension.ts after activation returns (its own bundle, dist/client/lsp.js), so
 * that activating the extension costs only the small extension bundle.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CloseAction, ErrorAction, LanguageClient, State, TransportKind, type ErrorHandler, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { CONFIG_SECTION, SERVER_NAME, SERVER_NODE_ARGS } from '../../server/src/protocol';
import { onConnectionError, RestartPolicy } from './restartPolicy';
import { forwardFileEvent, SYNCED_SECTIONS, WATCH_GLOB } from './sync';

export { State };
export type { LanguageClient };

/** Documents the extension serves: YAML files on disk or unsaved. */
const SELECTOR = [
  { scheme: 'file', language: 'yaml' },
  { scheme: 'untitled', language: 'yaml' },
];

export interface ClientHooks {
  /** The server crashed too often and is not restarted: tell the user. */
  onGaveUp(message: string): void;
}

export interface MeshClient {
  client: LanguageClient;
  /** Crash bookkeeping; reset when the user restarts the server. */
  restarts: RestartPolicy;
}

/** The settings the server starts with (read again at each start, so a restart sees the current ones). */
function initializationOptions(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  return {
    maxFileSizeMB: config.get<number>('maxFileSizeMB', 8),
    maxDocuments: config.get<number>('maxDocuments', 10000),
    crdPaths: config.get<string[]>('crdPaths', []),
    disabledRules: config.get<string[]>('disabledRules', []),
    rules: config.get<Record<string, string>>('rules', {}),
    productionNamespaces: config.get<string[]>('productionNamespaces', ['*prod*']),
    exclude: config.get<string[]>('exclude', []),
    celValidation: config.get<boolean>('celValidation', true),
  };
}

/** Restarts a crashed server a few times; past that, stops and lets the extension tell the user. */
function errorHandler(restarts: RestartPolicy, output: vscode.LogOutputChannel, hooks: ClientHooks): ErrorHandler {
  return {
    error: (error, _message, count) => {
      const action = onConnectionError(count);
      output.error(`connection to the language server: ${error.message}${action === 'shutdown' ? ' (too many errors: shutting it down)' : ''}`);
      return { action: action === 'continue' ? ErrorAction.Continue : ErrorAction.Shutdown };
    },
    closed: () => {
      const d = restarts.crashed(SERVER_NAME);
      if (d.restart) {
        output.warn(d.message);
        return { action: CloseAction.Restart, message: d.message, handled: true };
      }
      output.error(d.message);
      try {
        hooks.onGaveUp(d.message);
      } catch (e) {
        output.error(`could not report the stopped server: ${e instanceof Error ? e.message : String(e)}`);
      }
      return { action: CloseAction.DoNotRestart, message: d.message, handled: true };
    },
  };
}

export function createClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel, hooks: ClientHooks): MeshClient {
  const serverModule = context.asAbsolutePath(path.join('dist', 'server', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.stdio, options: { execArgv: SERVER_NODE_ARGS } },
    debug: { module: serverModule, transport: TransportKind.stdio, options: { execArgv: [...SERVER_NODE_ARGS, '--nolazy', '--inspect=6011'] } },
  };
  const restarts = new RestartPolicy();
  const clientOptions: LanguageClientOptions = {
    documentSelector: SELECTOR,
    outputChannel: output,
    initializationOptions,
    errorHandler: errorHandler(restarts, output, hooks),
    synchronize: {
      // files.exclude too: the server's workspace index leaves those files out
      configurationSection: SYNCED_SECTIONS,
      fileEvents: vscode.workspace.createFileSystemWatcher(WATCH_GLOB),
    },
    middleware: {
      workspace: {
        didChangeWatchedFile: (event, next) => {
          const rel = vscode.workspace.asRelativePath(vscode.Uri.parse(event.uri), false);
          return forwardFileEvent(rel, event.type) ? next(event) : Promise.resolve();
        },
      },
    },
  };
  return { client: new LanguageClient('meshYaml', SERVER_NAME, serverOptions, clientOptions), restarts };
}
