import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { CONFIG_SECTION, FileStatusNotification, SERVER_NAME, SERVER_NODE_ARGS, WorkspaceIndexedNotification, type FileStatusParams } from '../../server/src/protocol';
import { RoutePreviewPanel } from './preview/panel';
import { registerClusterCommands } from './commands/cluster';

let client: LanguageClient | undefined;
let status: vscode.StatusBarItem | undefined;
let running = false;
/** Files the server analyses only in part, with the reason. */
const reducedFiles = new Map<string, string>();

function refreshStatus(): void {
  const uri = vscode.window.activeTextEditor?.document.uri.toString();
  const reason = uri ? reducedFiles.get(uri) : undefined;
  if (!running) return;
  if (reason) setStatus('$(warning) Mesh: reduced', `${SERVER_NAME}: reduced analysis, ${reason}. Limits: meshYaml.maxFileSizeMB, meshYaml.maxDocuments.`);
  else setStatus('$(check) Mesh', `${SERVER_NAME} language server: running`);
}

/** Documents the extension serves: YAML files on disk or unsaved. */
const SELECTOR = [
  { scheme: 'file', language: 'yaml' },
  { scheme: 'untitled', language: 'yaml' },
];

function setStatus(text: string, tooltip: string): void {
  if (!status) return;
  status.text = text;
  status.tooltip = tooltip;
  status.show();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel(SERVER_NAME, { log: true });
  status = vscode.window.createStatusBarItem('meshYaml.status', vscode.StatusBarAlignment.Right, 100);
  status.name = SERVER_NAME;
  status.command = 'meshYaml.showOutput';
  context.subscriptions.push(output, status);

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
  client = new LanguageClient('meshYaml', SERVER_NAME, serverOptions, clientOptions);
  context.subscriptions.push(
    client.onDidChangeState((e) => {
      running = e.newState === State.Running;
      if (e.newState === State.Running) refreshStatus();
      else if (e.newState === State.Starting) setStatus('$(sync~spin) Mesh', `${SERVER_NAME} language server: starting`);
      else setStatus('$(error) Mesh', `${SERVER_NAME} language server: stopped (see the output)`);
    }),
    client.onNotification(FileStatusNotification, (p: FileStatusParams) => {
      if (p.reduced) reducedFiles.set(p.uri, p.reduced);
      else reducedFiles.delete(p.uri);
      refreshStatus();
    }),
    vscode.window.onDidChangeActiveTextEditor(() => refreshStatus()),
    client.onNotification(WorkspaceIndexedNotification, () => RoutePreviewPanel.refreshIfOpen()),
    vscode.commands.registerCommand('meshYaml.restartServer', async () => {
      await client?.restart();
    }),
    vscode.commands.registerCommand('meshYaml.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('meshYaml.previewRouting', (uri?: string | vscode.Uri, position?: { line: number; character: number }) => {
      if (!client) return;
      const target = typeof uri === 'string' ? vscode.Uri.parse(uri) : uri;
      RoutePreviewPanel.show(context, client, output, target, position ? new vscode.Position(position.line, position.character) : undefined);
    }),
  );
  registerClusterCommands(context, output);
  setStatus('$(sync~spin) Mesh', `${SERVER_NAME} language server: starting`);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
