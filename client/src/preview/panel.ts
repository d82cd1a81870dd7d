import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { RouteGraphRequest, SimulateRequest, type RouteGraphParams, type RouteGraphResponse, type SimulateParams, type SimulateResponse } from '../../../server/src/protocol';
import { newNonce, previewHtml } from './html';
import { parseSavedState, parseWebviewMessage, type ToWebview } from './messages';

/**
 * The routing preview: one webview panel beside the editor that draws where traffic goes for the YAML in the
 * active editor and answers simulated requests. Follows the DESIGN.md webview rules: a nonce-based CSP, no
 * remote content, local resources limited to the webview bundle, typed and validated messages, state kept by
 * the page (getState/setState: the form, the last answer and its highlight), restored after a window reload by
 * the serializer (registerSerializer), VS Code theme colours. The page itself is built by ./html.ts.
 */
export class RoutePreviewPanel {
  static readonly viewType = 'meshYaml.routePreview';
  private static current: RoutePreviewPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private response: RouteGraphResponse | undefined;
  private source: { uri: string; position?: vscode.Position } | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** Redraws the open preview, if any (after the workspace was indexed or files changed on disk). */
  static refreshIfOpen(): void {
    RoutePreviewPanel.current?.refresh();
  }

  private static options(context: vscode.ExtensionContext): vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview')] };
  }

  static show(context: vscode.ExtensionContext, client: LanguageClient, output: vscode.LogOutputChannel, uri?: vscode.Uri, position?: vscode.Position): RoutePreviewPanel {
    const editor = vscode.window.activeTextEditor;
    const target = uri ?? editor?.document.uri;
    const pos = position ?? (editor && target && editor.document.uri.toString() === target.toString() ? editor.selection.active : undefined);
    if (RoutePreviewPanel.current) {
      RoutePreviewPanel.current.panel.reveal(vscode.ViewColumn.Beside, true);
    } else {
      const panel = vscode.window.createWebviewPanel(RoutePreviewPanel.viewType, 'Mesh routing', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, RoutePreviewPanel.options(context));
      RoutePreviewPanel.current = new RoutePreviewPanel(panel, context, client, output);
    }
    const p = RoutePreviewPanel.current;
    p.source = target ? { uri: target.toString(), position: pos } : undefined;
    p.refresh();
    return p;
  }

  /**
   * Restores the preview after a window reload. VS Code calls the serializer with the page's last setState()
   * value; the page then restores its form and answer itself, and the panel redraws the document it showed.
   * Call from activate(); package.json needs the activation event `onWebviewPanel:meshYaml.routePreview`.
   */
  static registerSerializer(context: vscode.ExtensionContext, client: () => Promise<LanguageClient | undefined>, output: vscode.LogOutputChannel): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(RoutePreviewPanel.viewType, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
        const c = await client();
        if (!c) {
          panel.dispose();
          return;
        }
        panel.webview.options = RoutePreviewPanel.options(context);
        RoutePreviewPanel.current?.dispose();
        const p = new RoutePreviewPanel(panel, context, c, output);
        RoutePreviewPanel.current = p;
        const { source } = parseSavedState(state);
        if (source) p.source = { uri: source.uri, position: source.line !== undefined ? new vscode.Position(source.line, source.character ?? 0) : undefined };
        else {
          const editor = vscode.window.activeTextEditor;
          if (editor?.document.languageId === 'yaml') p.source = { uri: editor.document.uri.toString(), position: editor.selection.active };
        }
        p.refresh();
      },
    });
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly client: LanguageClient,
    private readonly output: vscode.LogOutputChannel,
  ) {
    panel.webview.html = this.html();
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
    panel.webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(raw), null, this.disposables);
    vscode.window.onDidChangeActiveTextEditor(
      (e) => {
        // follow YAML files the user edits, not virtual documents such as the apply diff
        if (e && e.document.languageId === 'yaml' && (e.document.uri.scheme === 'file' || e.document.uri.scheme === 'untitled')) {
          this.source = { uri: e.document.uri.toString(), position: e.selection.active };
          this.refresh();
        }
      },
      null,
      this.disposables,
    );
    vscode.workspace.onDidChangeTextDocument(
      (e) => {
        if (e.document.languageId !== 'yaml') return;
        // debounce: typing updates the picture once the user pauses
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => this.refresh(), 300);
      },
      null,
      this.disposables,
    );
  }

  private html(): string {
    const webview = this.panel.webview;
    const dir = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
    return previewHtml({
      cspSource: webview.cspSource,
      nonce: newNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dir, 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dir, 'style.css')).toString(),
    });
  }

  private graphMessage(res: RouteGraphResponse): ToWebview {
    const src = this.source;
    return {
      type: 'graph',
      title: res.title,
      graph: res.graph,
      host: res.host,
      source: src ? { uri: src.uri, line: src.position?.line, character: src.position?.character } : undefined,
    };
  }

  private post(message: ToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  private refresh(): void {
    const src = this.source;
    const params: RouteGraphParams = { uri: src?.uri, position: src?.position ? { line: src.position.line, character: src.position.character } : undefined };
    this.client.sendRequest<RouteGraphResponse | null>(RouteGraphRequest, params).then(
      (res) => {
        if (!res) {
          this.post({ type: 'error', message: 'No routing information for this file.' });
          return;
        }
        this.response = res;
        this.panel.title = res.title;
        this.post(this.graphMessage(res));
      },
      (e: unknown) => {
        this.output.error(`route graph failed: ${String(e)}`);
        this.post({ type: 'error', message: 'Could not compute the routing (see the Mesh YAML output).' });
      },
    );
  }

  private async onMessage(raw: unknown): Promise<void> {
    const { message, error } = parseWebviewMessage(raw);
    if (!message) {
      this.output.warn(`ignored a malformed message from the routing preview: ${error ?? ''}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        if (this.response) this.post(this.graphMessage(this.response));
        else this.refresh();
        break;
      case 'reveal': {
        const loc = this.response?.locations[message.id];
        if (!loc) return;
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(loc.uri));
        const r = loc.range;
        const range = new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
        await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: range, preserveFocus: false });
        break;
      }
      case 'simulate': {
        const params: SimulateParams = { request: message.request, graph: { host: this.response?.host } };
        try {
          const res = await this.client.sendRequest<SimulateResponse>(SimulateRequest, params);
          this.post({ type: 'simulation', result: res.result, highlight: res.highlight });
        } catch (e) {
          this.output.error(`simulation failed: ${String(e)}`);
          this.post({ type: 'error', message: 'The simulation failed (see the Mesh YAML output).' });
        }
        break;
      }
      case 'export': {
        const target = await vscode.window.showSaveDialog({
          filters: message.format === 'svg' ? { SVG: ['svg'] } : { PNG: ['png'] },
          defaultUri: vscode.workspace.workspaceFolders?.[0] ? vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, `routing.${message.format}`) : undefined,
        });
        if (!target) return;
        const bytes = message.format === 'svg' ? Buffer.from(message.data, 'utf8') : Buffer.from(message.data.slice('data:image/png;base64,'.length), 'base64');
        await vscode.workspace.fs.writeFile(target, bytes);
        void vscode.window.showInformationMessage(`Saved the routing picture to ${target.fsPath}`);
        break;
      }
    }
  }

  dispose(): void {
    RoutePreviewPanel.current = undefined;
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
