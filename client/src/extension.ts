import * as vscode from 'vscode';
import { FileStatusNotification, SERVER_NAME, WorkspaceIndexedNotification, type FileStatusParams } from '../../server/src/protocol';
import { registerClusterCommands } from './commands/cluster';
import type { LanguageClient } from './lsp';
import type { RestartPolicy } from './restartPolicy';
import { RoutePreviewPanel } from './preview/panel';

let client: LanguageClient | undefined;
let clientReady: Promise<LanguageClient | undefined> | undefined;
let restarts: RestartPolicy | undefined;
let status: vscode.StatusBarItem | undefined;
let running = false;
/** Set when the server crashed too often and is no longer restarted automatically: what the user was told. */
let gaveUp: string | undefined;
/** Files the server analyses only in part, with the reason. */
const reducedFiles = new Map<string, string>();

function setStatus(text: string, tooltip: string, command = 'meshYaml.showOutput'): void {
  if (!status) return;
  status.text = text;
  status.tooltip = tooltip;
  status.command = command;
  status.show();
}

function refreshStatus(): void {
  const uri = vscode.window.activeTextEditor?.document.uri.toString();
  const reason = uri ? reducedFiles.get(uri) : undefined;
  if (!running) return;
  if (reason) setStatus('$(warning) Mesh: reduced', `${SERVER_NAME}: reduced analysis, ${reason}. Limits: meshYaml.maxFileSizeMB, meshYaml.maxDocuments.`);
  else setStatus('$(check) Mesh', `${SERVER_NAME} language server: running`);
}

function showStopped(message: string): void {
  setStatus('$(error) Mesh: stopped', `${message} Click to restart it.`, 'meshYaml.restartServer');
}

/** The server is not restarted any more: say so in the status bar and in a notification with the two ways out. */
function reportGaveUp(message: string, output: vscode.LogOutputChannel): void {
  gaveUp = message;
  showStopped(message);
  void vscode.window.showErrorMessage(message, 'Restart Server', 'Show Output').then(
    (choice) => {
      if (choice === 'Restart Server') void vscode.commands.executeCommand('meshYaml.restartServer');
      else if (choice === 'Show Output') output.show(true);
    },
    (e: unknown) => output.error(`could not show the notification: ${String(e)}`),
  );
}

/** Loads the language client bundle and starts the server; activation does not wait for it. */
async function startClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): Promise<LanguageClient | undefined> {
  const { createClient, State } = await import('./lsp');
  const mesh = createClient(context, output, { onGaveUp: (message) => reportGaveUp(message, output) });
  const c = mesh.client;
  client = c;
  restarts = mesh.restarts;
  context.subscriptions.push(
    c.onDidChangeState((e) => {
      running = e.newState === State.Running;
      if (e.newState === State.Running) {
        gaveUp = undefined;
        refreshStatus();
      } else if (e.newState === State.Starting) setStatus('$(sync~spin) Mesh', `${SERVER_NAME} language server: starting`);
      else if (gaveUp) showStopped(gaveUp);
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

/** Restarts the server by hand: also after it crashed too often, or failed to start. */
async function restartServer(output: vscode.LogOutputChannel): Promise<void> {
  const c = (await clientReady) ?? client;
  if (!c) return;
  restarts?.reset();
  gaveUp = undefined;
  try {
    if (c.isRunning()) await c.restart();
    else await c.start();
    clientReady = Promise.resolve(c);
  } catch (e) {
    const msg = `the language server could not be restarted: ${e instanceof Error ? e.message : String(e)}`;
    output.error(msg);
    showStopped(`${SERVER_NAME}: ${msg}.`);
  }
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
    vscode.commands.registerCommand('meshYaml.restartServer', () => restartServer(output)),
    vscode.commands.registerCommand('meshYaml.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('meshYaml.previewRouting', async (uri?: string | vscode.Uri, position?: { line: number; character: number }) => {
      const c = await clientReady;
      if (!c) return;
      const target = typeof uri === 'string' ? vscode.Uri.parse(uri) : uri;
      RoutePreviewPanel.show(context, c, output, target, position ? new vscode.Position(position.line, position.character) : undefined);
    }),
  );
  registerClusterCommands(context, output);
  // restores an open routing preview after a window reload
  context.subscriptions.push(RoutePreviewPanel.registerSerializer(context, () => clientReady ?? Promise.resolve(undefined), output));
  setStatus('$(sync~spin) Mesh', `${SERVER_NAME} language server: starting`);
  clientReady = startClient(context, output).catch((e: unknown) => {
    output.error(`the language server could not start: ${e instanceof Error ? e.message : String(e)}`);
    setStatus('$(error) Mesh', `${SERVER_NAME} language server: could not start (see the output)`);
    return undefined;
  });
}

export async function deactivate(): Promise<void> {
  await clientReady;
  try {
    if (client?.isRunning()) await client.stop();
  } catch {
    // it stopped on its own meanwhile
  }
  client = undefined;
}
