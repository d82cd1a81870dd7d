import * as vscode from 'vscode';
import { FileStatusNotification, SERVER_NAME, WorkspaceIndexedNotification, type FileStatusParams } from '../../server/src/protocol';
import { registerClusterCommands } from './commands/cluster';
import type { LanguageClient } from './lsp';
import { RoutePreviewPanel } from './preview/panel';

let client: LanguageClient | undefined;
let clientReady: Promise<LanguageClient | undefined> | undefined;
let status: vscode.StatusBarItem | undefined;
let running = false;
/** Files the server analyses only in part, with the reason. */
const reducedFiles = new Map<string, string>();

function setStatus(text: string, tooltip: string): void {
  if (!status) return;
  status.text = text;
  status.tooltip = tooltip;
  status.show();
}

function refreshStatus(): void {
  const uri = vscode.window.activeTextEditor?.document.uri.toString();
  const reason = uri ? reducedFiles.get(uri) : undefined;
  if (!running) return;
  if (reason) setStatus('$(warning) Mesh: reduced', `${SERVER_NAME}: reduced analysis, ${reason}. Limits: meshYaml.maxFileSizeMB, meshYaml.maxDocuments.`);
  else setStatus('$(check) Mesh', `${SERVER_NAME} language server: running`);
}

/** Loads the language client bundle and starts the server; activation does not wait for it. */
async function startClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): Promise<LanguageClient | undefined> {
  const { createClient, State } = await import('./lsp');
  const c = createClient(context, output);
  client = c;
  context.subscriptions.push(
    c.onDidChangeState((e) => {
      running = e.newState === State.Running;
      if (e.newState === State.Running) refreshStatus();
      else if (e.newState === State.Starting) setStatus('$(sync~spin) Mesh', `${SERVER_NAME} language server: starting`);
      else setStatus('$(error) Mesh', `${SERVER_NAME} language server: stopped (see the output)`);
    }),
    c.onNotification(FileStatusNotification, (p: FileStatusParams) => {
      if (p.reduced) reducedFiles.set(p.uri, p.reduced);
      else reducedFiles.delete(p.uri);
      refreshStatus();
    }),
    c.onNotification(WorkspaceIndexedNotification, () => RoutePreviewPanel.refreshIfOpen()),
  );
  await c.start();
  return c;
}

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel(SERVER_NAME, { log: true });
  status = vscode.window.createStatusBarItem('meshYaml.status', vscode.StatusBarAlignment.Right, 100);
  status.name = SERVER_NAME;
  status.command = 'meshYaml.showOutput';
  context.subscriptions.push(
    output,
    status,
    vscode.window.onDidChangeActiveTextEditor(() => refreshStatus()),
    vscode.commands.registerCommand('meshYaml.restartServer', async () => {
      await (await clientReady)?.restart();
    }),
    vscode.commands.registerCommand('meshYaml.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('meshYaml.previewRouting', async (uri?: string | vscode.Uri, position?: { line: number; character: number }) => {
      const c = await clientReady;
      if (!c) return;
      const target = typeof uri === 'string' ? vscode.Uri.parse(uri) : uri;
      RoutePreviewPanel.show(context, c, output, target, position ? new vscode.Position(position.line, position.character) : undefined);
    }),
  );
  registerClusterCommands(context, output);
  setStatus('$(sync~spin) Mesh', `${SERVER_NAME} language server: starting`);
  clientReady = startClient(context, output).catch((e: unknown) => {
    output.error(`the language server could not start: ${e instanceof Error ? e.message : String(e)}`);
    setStatus('$(error) Mesh', `${SERVER_NAME} language server: could not start (see the output)`);
    return undefined;
  });
}

export async function deactivate(): Promise<void> {
  await clientReady;
  await client?.stop();
  client = undefined;
}
