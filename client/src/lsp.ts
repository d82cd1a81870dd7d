/**
 * The language client: loaded by extension.ts after activation returns (its own bundle, dist/client/lsp.js), so
 * that activating the extension costs only the small extension bundle.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { CONFIG_SECTION, SERVER_NAME, SERVER_NODE_ARGS } from '../../server/src/protocol';

export { State };
export type { LanguageClient };

/** Documents the extension serves: YAML files on disk or unsaved. */
const SELECTOR = [
  { scheme: 'file', language: 'yaml' },
  { scheme: 'untitled', language: 'yaml' },
];

export function createClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LanguageClient {
  const serverModule = context.asAbsolutePath(path.join('dist', 'server', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.stdio, options: { execArgv: SERVER_NODE_ARGS } },
    debug: { module: serverModule, transport: TransportKind.stdio, options: { execArgv: [...SERVER_NODE_ARGS, '--nolazy', '--inspect=6011'] } },
  };
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const clientOptions: LanguageClientOptions = {
    documentSelector: SELECTOR,
    outputChannel: output,
    initializationOptions: {
      maxFileSizeMB: config.get<number>('maxFileSizeMB', 8),
      maxDocuments: config.get<number>('maxDocuments', 10000),
      crdPaths: config.get<string[]>('crdPaths', []),
      disabledRules: config.get<string[]>('disabledRules', []),
      rules: config.get<Record<string, string>>('rules', {}),
      productionNamespaces: config.get<string[]>('productionNamespaces', ['*prod*']),
      exclude: config.get<string[]>('exclude', []),
      celValidation: config.get<boolean>('celValidation', true),
    },
    synchronize: {
      configurationSection: CONFIG_SECTION,
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml}'),
    },
  };
  return new LanguageClient('meshYaml', SERVER_NAME, serverOptions, clientOptions);
}
