// Extension-host tests of Mesh YAML through the VS Code API: the same
// providers the editor calls (completion, hover, code actions) and the
// diagnostics the language server publishes. The workspace is a copy of
// test/e2e/workspace/ (VirtualService, a `timout:` mistake, a plain Deployment).
import * as vscode from 'vscode';
import { assert, eventually, test } from './harness';

const EXTENSION_ID = 'mesh-yaml.mesh-yaml';
const SOURCE = 'mesh';

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert(folder, 'no workspace folder is open (pass the fixture folder to VS Code)');
  return vscode.Uri.joinPath(folder.uri, name);
}

async function open(name: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(workspaceFile(name));
  await vscode.window.showTextDocument(doc, { preview: false });
  assert(doc.languageId === 'yaml', `${name} opened as ${doc.languageId}, not yaml`);
  return doc;
}

const meshDiagnostics = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);

function positionOf(doc: vscode.TextDocument, re: RegExp): vscode.Position {
  const m = re.exec(doc.getText());
  assert(m, `${doc.uri.path} has no match for ${re}`);
  return doc.positionAt(m.index);
}

const labelOf = (item: vscode.CompletionItem) => (typeof item.label === 'string' ? item.label : item.label.label);

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

test('the extension is installed and activates', async () => {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert(ext, `extension ${EXTENSION_ID} not found`);
  await open('virtualservice.yaml');
  await ext.activate();
  assert(ext.isActive, 'extension did not activate');
});

test('a misspelled key gets a diagnostic from source mesh', async () => {
  const doc = await open('mistake.yaml');
  const diags = await eventually(
    'a mesh diagnostic in mistake.yaml',
    () => meshDiagnostics(doc.uri),
    (d) => d.length > 0,
  );
  const d = diags.find((x) => /Unknown field "timout"/.test(x.message));
  assert(d, `no "Unknown field "timout"" diagnostic; got ${JSON.stringify(diags.map((x) => x.message))}`);
  assert(/Did you mean "timeout"\?/.test(d.message), `message lacks the suggestion: ${d.message}`);
  assert(doc.getText(d.range) === 'timout', `diagnostic range covers "${doc.getText(d.range)}", not "timout"`);
});

test('completion in a VirtualService http route offers timeout and retries', async () => {
  const doc = await open('virtualservice.yaml');
  // The fixture's empty line sits inside the first spec.http[] item, above `route:`.
  const blank = positionOf(doc, /^$/m);
  const indent = /^\s*/.exec(doc.lineAt(blank.line + 1).text)![0];
  const edit = new vscode.WorkspaceEdit();
  edit.insert(doc.uri, blank, indent);
  assert(await vscode.workspace.applyEdit(edit), 'could not type the indentation');
  const at = new vscode.Position(blank.line, indent.length);
  const list = await eventually(
    'completion items including "timeout"',
    () => vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, at),
    (l) => !!l && l.items.some((i) => labelOf(i) === 'timeout'),
  );
  const labels = list.items.map(labelOf);
  for (const key of ['timeout', 'retries']) assert(labels.includes(key), `completion lacks "${key}": ${labels.join(', ')}`);
  assert(!labels.includes('apiVersion'), 'top-level keys offered inside spec.http[]');
  await vscode.commands.executeCommand('workbench.action.files.revert');
});

test('hover over a key shows its type and docs', async () => {
  const doc = await open('virtualservice.yaml');
  const at = positionOf(doc, /hosts:/).translate(0, 2);
  const hovers = await eventually(
    'a hover over "hosts"',
    () => vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, at),
    (h) => !!h && hoverText(h).length > 0,
  );
  const text = hoverText(hovers);
  assert(/hosts/i.test(text), `hover does not mention hosts: ${text.slice(0, 200)}`);
  assert(text.length > 20, `hover too short to hold docs: ${text}`);
});

test('the quick fix renames "timout" to "timeout" and the diagnostic goes', async () => {
  const doc = await open('mistake.yaml');
  const diag = (await eventually('the timout diagnostic', () => meshDiagnostics(doc.uri), (d) => d.length > 0)).find((x) =>
    x.message.includes('timout'),
  );
  assert(diag, 'no timout diagnostic');
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
    'vscode.executeCodeActionProvider',
    doc.uri,
    diag.range,
    vscode.CodeActionKind.QuickFix.value,
  );
  const fix = actions?.find((a) => a.title === 'Rename "timout" to "timeout"');
  assert(fix, `no such quick fix; got ${JSON.stringify(actions?.map((a) => a.title))}`);
  if (fix.edit) assert(await vscode.workspace.applyEdit(fix.edit), 'applying the fix failed');
  if (fix.command) await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
  assert(/^\s*timeout: 5s$/m.test(doc.getText()), `document not fixed:\n${doc.getText()}`);
  await eventually('no mesh diagnostics in mistake.yaml', () => meshDiagnostics(doc.uri), (d) => d.length === 0);
  await vscode.commands.executeCommand('workbench.action.files.revert');
});

test('a plain Deployment gets no diagnostics from mesh', async () => {
  const deployment = await open('deployment.yaml');
  // Positive control: once the mesh file opened after it has its diagnostic,
  // the server has processed the Deployment too.
  const sentinel = await open('sentinel.yaml');
  await eventually('the control diagnostic in sentinel.yaml', () => meshDiagnostics(sentinel.uri), (d) => d.length > 0);
  const got = meshDiagnostics(deployment.uri);
  assert(got.length === 0, `deployment.yaml has mesh diagnostics: ${JSON.stringify(got.map((d) => d.message))}`);
});
