/**
 * The VS Code layer of "Apply to cluster": commands, quick picks, the diff editor, progress,
 * the status bar item, diagnostics and the output channel. All logic is in ../kube (no 'vscode'
 * there); it is loaded on first use, so activation does not load it nor @kubernetes/client-node.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type * as Kube from '../kube';
import { refreshStatusIfTrusted, requireTrust } from './trust';

export const COMMANDS = {
  apply: 'meshYaml.applyToCluster',
  diff: 'meshYaml.diffAgainstCluster',
  selectContext: 'meshYaml.selectKubeContext',
  selectNamespace: 'meshYaml.selectKubeNamespace',
} as const;

const SECTION = 'meshYaml';
const STATE_KEY = 'meshYaml.kube.selection';
const DIFF_SCHEME = 'mesh-apply';
const DEFAULT_PROTECTED = ['*prod*'];

export { UNTRUSTED_MESSAGE } from './trust';

interface Picked {
  context?: string;
  namespace?: string;
}

const loadKube = (): Promise<typeof Kube> => import('../kube');

/** Settings, read when a command runs. */
function settings(): { kubeconfig: string; fieldManager: string; timeoutMs: number; protectedContexts: string[] } {
  const c = vscode.workspace.getConfiguration(SECTION);
  // A workspace can add protected patterns but never remove the user's (or the default).
  const p = c.inspect<string[]>('protectedContexts');
  const base = p?.globalValue ?? p?.defaultValue ?? DEFAULT_PROTECTED;
  const protectedContexts = [...new Set([...base, ...(p?.workspaceValue ?? []), ...(p?.workspaceFolderValue ?? [])])];
  return {
    kubeconfig: c.get<string>('kubeconfig', '') ?? '',
    fieldManager: (c.get<string>('fieldManager', 'mesh-yaml') || 'mesh-yaml').trim(),
    timeoutMs: Math.max(1, c.get<number>('requestTimeoutSeconds', 30) ?? 30) * 1000,
    protectedContexts,
  };
}

class DiffDocuments implements vscode.TextDocumentContentProvider {
  private readonly docs = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private n = 0;
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString()) ?? '';
  }
  /** Two new virtual documents; the `.yaml` name gives them YAML highlighting. */
  pair(context: string, left: string, right: string): [vscode.Uri, vscode.Uri] {
    const id = ++this.n;
    const safe = context.replace(/[^\w.-]+/g, '_');
    const l = vscode.Uri.from({ scheme: DIFF_SCHEME, path: `/${safe}/cluster.yaml`, query: `${id}` });
    const r = vscode.Uri.from({ scheme: DIFF_SCHEME, path: `/${safe}/after-apply.yaml`, query: `${id}` });
    this.docs.set(l.toString(), left);
    this.docs.set(r.toString(), right);
    this.changed.fire(l);
    this.changed.fire(r);
    return [l, r];
  }
  dispose(): void {
    this.changed.dispose();
  }
}

export function registerClusterCommands(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): void {
  const diagnostics = vscode.languages.createDiagnosticCollection('mesh-apply');
  const diffDocs = new DiffDocuments();
  const status = vscode.window.createStatusBarItem('meshYaml.kubeContext', vscode.StatusBarAlignment.Right, 99);
  status.name = 'Mesh: kube context';
  status.command = COMMANDS.selectContext;
  let redact: (s: string) => string = (s) => s;
  const logger: Kube.Logger = {
    info: (m) => output.info(redact(m)),
    warn: (m) => output.warn(redact(m)),
    error: (m) => output.error(redact(m)),
  };

  const picked = (): Picked => context.workspaceState.get<Picked>(STATE_KEY) ?? {};

  /** Reads the kubeconfig (only ever called in a trusted workspace) and shows the context and namespace. */
  const readStatus = async (): Promise<void> => {
    try {
      const k = await loadKube();
      const light = k.readContextsLight({ setting: settings().kubeconfig });
      const p = picked();
      const name = p.context && light.contexts.some((c) => c.name === p.context) ? p.context : light.currentContext;
      const ctx = light.contexts.find((c) => c.name === name);
      if (!light.files.some((f) => fs.existsSync(f))) {
        status.hide(); // no kubeconfig at all: nothing to show until there is one
        return;
      }
      if (!ctx) {
        status.text = '$(cloud) no kube context';
        status.tooltip = light.contexts.length ? 'Mesh: no kube context selected. Click to pick one.' : `Mesh: no kubeconfig found (${light.files.join(', ')}).`;
      } else {
        const ns = p.namespace || ctx.namespace || 'default';
        const prot = k.protectedBy(ctx.name, settings().protectedContexts);
        status.text = `$(cloud) ${ctx.name} / ${ns}${prot ? ' $(shield)' : ''}`;
        status.tooltip = `Mesh: Apply/Diff use context "${ctx.name}" (cluster "${ctx.cluster}", ${ctx.server}), namespace "${ns}" for documents without one.${
          prot ? ` Protected (matches ${prot.pattern}): applying needs the context name typed.` : ''
        }${p.context ? '' : ' Follows the kubeconfig current context.'} Click to change.`;
      }
      status.show();
    } catch (e) {
      output.warn(`kube context status: ${redact((e as Error).message)}`);
    }
  };
  /** In an untrusted workspace the item is hidden and the kubeconfig is not read (not even its context names). */
  const updateStatus = (): Promise<void> => refreshStatusIfTrusted(vscode.workspace.isTrusted, () => status.hide(), readStatus);

  /** Loads the kubeconfig and connects to the picked (or current) context. */
  const connectPicked = async (k: typeof Kube): Promise<Kube.KubeConnection> => {
    const s = settings();
    const loaded = await k.loadKubeconfig({ setting: s.kubeconfig });
    redact = (m) => loaded.redactor.redact(m);
    const p = picked();
    const contextName = p.context && loaded.contexts.some((c) => c.name === p.context) ? p.context : undefined;
    return k.connect(loaded, { contextName, namespace: p.namespace, timeoutMs: s.timeoutMs, logger });
  };

  const trusted = (): Promise<boolean> =>
    requireTrust({
      isTrusted: () => vscode.workspace.isTrusted,
      warn: (message, ...buttons) => vscode.window.showWarningMessage(message, ...buttons),
      execute: (command) => vscode.commands.executeCommand(command),
    });

  const showError = async (message: string): Promise<void> => {
    const choice = await vscode.window.showErrorMessage(redact(message), 'Show Output');
    if (choice) output.show(true);
  };

  /** Resources from the explorer selection, a file, a folder, or the active editor (its selection if any). */
  const collect = async (k: typeof Kube, uri?: vscode.Uri, uris?: vscode.Uri[]): Promise<{ set: Kube.ManifestSet; label: string; files: Map<string, vscode.Uri> }> => {
    const files = new Map<string, vscode.Uri>();
    const openText = (file: string): string | undefined => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file)?.getText();
    const read = (file: string): string => openText(file) ?? fs.readFileSync(file, 'utf8');
    const editor = vscode.window.activeTextEditor;
    const targets = uris && uris.length > 1 ? uris : uri ? [uri] : [];
    if (targets.length === 0 || (targets.length === 1 && editor && targets[0].toString() === editor.document.uri.toString())) {
      if (!editor) throw new Error('Open a YAML file, or pick a file or folder in the explorer.');
      const doc = editor.document;
      const key = doc.uri.scheme === 'file' ? doc.uri.fsPath : doc.uri.toString();
      files.set(key, doc.uri);
      const sel = editor.selection;
      const range: [number, number] | undefined = sel.isEmpty ? undefined : [doc.offsetAt(sel.start), doc.offsetAt(sel.end)];
      const set = k.parseManifests(doc.getText(), key, { range });
      return { set, label: `${path.basename(key)}${range ? ' (selection)' : ''}`, files };
    }
    const sets: Kube.ManifestSet[] = [];
    for (const t of targets) {
      const stat = await vscode.workspace.fs.stat(t);
      if (stat.type & vscode.FileType.Directory) {
        const set = k.collectFolder(t.fsPath, read);
        for (const r of set.resources) files.set(r.source.file, vscode.Uri.file(r.source.file));
        sets.push(set);
      } else {
        files.set(t.fsPath, t);
        sets.push(k.parseManifests(read(t.fsPath), t.fsPath));
      }
    }
    const label = targets.length === 1 ? path.basename(targets[0].fsPath) : `${targets.length} items`;
    const set = k.mergeManifestSets(sets);
    for (const sk of set.skipped) output.info(`skipped ${sk.file}: ${sk.reason}`);
    return { set, label, files };
  };

  const showDiagnostics = (files: Map<string, vscode.Uri>, list: Kube.FieldDiagnostic[]): void => {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const d of list) {
      const diag = new vscode.Diagnostic(
        new vscode.Range(d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character),
        redact(d.message),
        vscode.DiagnosticSeverity.Error,
      );
      diag.source = 'mesh-apply';
      byFile.set(d.file, [...(byFile.get(d.file) ?? []), diag]);
    }
    for (const [file, diags] of byFile) diagnostics.set(files.get(file) ?? vscode.Uri.file(file), diags);
  };

  const progressOf = (progress: vscode.Progress<{ message?: string; increment?: number }>) => {
    let last = 0;
    return (done: number, total: number, label: string): void => {
      const pct = total ? (done / total) * 100 : 100;
      progress.report({ message: label ? `${done + 1}/${total} ${label}` : undefined, increment: pct - last });
      last = pct;
    };
  };

  const planWithProgress = (k: typeof Kube, conn: Kube.KubeConnection, set: Kube.ManifestSet, force: boolean, skipped: Kube.SkippedFile[]): Thenable<Kube.Plan> =>
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Mesh: dry run against "${conn.target.contextName}"`, cancellable: true },
      async (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        return k.planApply(conn, set.resources, {
          fieldManager: settings().fieldManager,
          force,
          manifestErrors: set.errors,
          skipped,
          signal: ac.signal,
          onProgress: progressOf(progress),
        });
      },
    );

  type Choice = 'all' | 'firstStep' | undefined;

  /** Asks before writing: a modal when some resources could not be dry-run in advance (with "step 1 only"), else a quick pick; a typed name for protected contexts. */
  const confirm = async (k: typeof Kube, c: Kube.Confirmation, ctx: string, label: string): Promise<Choice> => {
    for (const d of c.details) output.info(redact(d));
    let choice: Choice = 'all';
    if (c.firstStep) {
      const all = `Apply All to "${ctx}"`;
      const picked = await vscode.window.showWarningMessage(
        redact(c.message),
        { modal: true, detail: redact([...c.details, `"${c.firstStep.label}": ${c.firstStep.detail}`].join('\n\n')) },
        all,
        c.firstStep.label,
      );
      if (picked === undefined) {
        void vscode.window.showInformationMessage('Not applied.');
        return undefined;
      }
      choice = picked === all ? 'all' : 'firstStep';
    } else if (c.kind === 'button') {
      const yes: vscode.QuickPickItem = { label: `$(cloud-upload) Apply to "${ctx}"`, detail: redact(c.details.length ? c.details.join(' ') : c.message) };
      const no: vscode.QuickPickItem = { label: '$(close) Cancel' };
      const picked = await vscode.window.showQuickPick([yes, no], { title: `Mesh: apply ${label}`, placeHolder: redact(c.message), ignoreFocusOut: true });
      if (picked !== yes) {
        void vscode.window.showInformationMessage('Not applied.');
        return undefined;
      }
    }
    if (c.kind === 'typeContextName') {
      if (c.invalidPattern) output.warn(`meshYaml.protectedContexts: ${c.matchedPattern} is not a valid regular expression (${c.invalidPattern}); it protects every context.`);
      const typed = await vscode.window.showInputBox({
        title: redact(choice === 'firstStep' && c.firstStep ? `${c.firstStep.label} (step 1 of 2) in context "${ctx}"?` : c.message),
        prompt: redact([c.prompt, ...(choice === 'all' ? c.details : [])].join(' ')),
        placeHolder: c.expected,
        ignoreFocusOut: true,
        validateInput: (v) => (v === '' || k.typedConfirmationOk(v, c.expected) ? undefined : `Type "${c.expected}" exactly.`),
      });
      if (!k.typedConfirmationOk(typed, c.expected)) {
        void vscode.window.showWarningMessage(`Not applied: the context name was not confirmed.`);
        return undefined;
      }
    }
    return choice;
  };

  const showReport = async (report: Kube.ApplyReport): Promise<void> => {
    for (const line of report.lines) output.info(redact(line));
    if (report.ok) {
      const choice = await vscode.window.showInformationMessage(redact(report.summary), 'Show Output');
      if (choice) output.show(true);
    } else if (report.unknown && !report.failed) {
      output.warn(redact(report.summary));
      const choice = await vscode.window.showWarningMessage(redact(report.summary), 'Show Output');
      if (choice) output.show(true);
    } else {
      output.error(redact(report.summary));
      await showError(report.summary);
    }
  };

  const run = async (mode: 'apply' | 'diff', uri?: vscode.Uri, uris?: vscode.Uri[]): Promise<void> => {
    if (!(await trusted())) return;
    const k = await loadKube();
    try {
      const { set, label, files } = await collect(k, uri instanceof vscode.Uri ? uri : undefined, Array.isArray(uris) ? uris : undefined);
      for (const u of files.values()) diagnostics.delete(u);
      const skipped: Kube.SkippedFile[] = set.skipped.map((sk) => ({ file: vscode.workspace.asRelativePath(sk.file), reason: sk.reason }));
      const skippedNote = skipped.length ? ` ${k.skippedSummary(skipped)}` : '';
      if (set.resources.length === 0) {
        await showError(set.errors.length ? set.errors.map((e) => e.message).join('\n') : `No Kubernetes resources found in ${label}.${skippedNote}`);
        return;
      }
      const conn = await connectPicked(k);
      const ctx = conn.target.contextName;
      output.info(`${mode === 'apply' ? 'Apply' : 'Diff'} ${label}: ${set.resources.length} resource(s) -> context "${ctx}" (cluster "${conn.target.clusterName}", ${conn.target.server})`);
      /** Labels of what step 1 applied, when the user chose to apply the Namespaces/CRDs first. */
      let firstStepApplied: string[] = [];
      for (;;) {
        let plan = await planWithProgress(k, conn, set, false, skipped);
        if (!plan.ok && k.onlyConflicts(plan)) {
          const conflicts = plan.entries.filter((e) => e.error).map((e) => e.error!.message);
          const choice = await vscode.window.showWarningMessage(
            redact(`Field-manager conflict in context "${ctx}": ${conflicts[0]}${conflicts.length > 1 ? ` (and ${conflicts.length - 1} more)` : ''}`),
            { modal: false },
            'Force',
            'Show Output',
          );
          if (choice === 'Show Output') output.show(true);
          if (choice !== 'Force') {
            showDiagnostics(files, plan.entries.flatMap((e) => e.diagnostics));
            return;
          }
          plan = await planWithProgress(k, conn, set, true, skipped);
        }
        const earlier = firstStepApplied.length ? ` (step 1 applied ${firstStepApplied.join(', ')}; they stay applied)` : '';
        if (!plan.ok) {
          showDiagnostics(files, plan.entries.flatMap((e) => e.diagnostics));
          const first = plan.errors[0] ?? plan.entries.find((e) => e.action === 'failed')?.error;
          const more = plan.counts.failed + plan.errors.length - 1;
          await showError(`Dry run failed; nothing ${earlier ? 'more ' : ''}was applied${earlier}. ${first?.message ?? ''}${more > 0 ? ` (${more} more problem(s) in the output)` : ''}`);
          return;
        }
        const docs = k.planDiffDocuments(plan);
        if (docs.shown > 0) {
          const [l, r] = diffDocs.pair(ctx, docs.left, docs.right);
          await vscode.commands.executeCommand('vscode.diff', l, r, `${label}: "${ctx}" ↔ after apply (dry run)`, { preview: true });
        }
        const c = plan.counts;
        const changes = c.create + c.update + c.deferred;
        if (mode === 'diff') {
          void vscode.window.showInformationMessage(
            redact(`Diff against "${ctx}": ${c.create} to create, ${c.update} to update, ${c.deferred} not dry-run yet (their Namespace/CRD is created by the apply), ${c.unchanged} unchanged.${skippedNote}`),
          );
          return;
        }
        if (changes === 0) {
          void vscode.window.showInformationMessage(`Nothing ${earlier ? 'more ' : ''}to apply: all ${c.unchanged} resource(s) are unchanged in "${ctx}"${earlier}.${skippedNote}`);
          return;
        }
        const confirmation = k.confirmationFor(plan.target, plan.counts, settings().protectedContexts, plan.force, { deferred: k.deferredInfo(plan), skipped });
        const choice = await confirm(k, confirmation, ctx, label);
        if (!choice) return;
        const firstStep = choice === 'firstStep';
        const report = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Mesh: applying to "${ctx}"${firstStep ? ' (step 1: Namespaces/CRDs)' : ''}`, cancellable: true },
          async (progress, token) => {
            const ac = new AbortController();
            token.onCancellationRequested(() => ac.abort());
            const opts = { signal: ac.signal, onProgress: progressOf(progress) };
            return firstStep ? k.applyFirstStep(conn, plan, opts) : k.executeApply(conn, plan, opts);
          },
        );
        showDiagnostics(files, report.diagnostics);
        if (firstStep && report.ok) {
          for (const line of report.lines) output.info(redact(line));
          output.info(redact(report.summary));
          void vscode.window.showInformationMessage(redact(report.summary));
          firstStepApplied = report.applied.map((e) => k.refLabel(e.ref));
          continue; // dry-run everything again, now that the Namespaces/CRDs exist, and ask again
        }
        await showReport(report);
        return;
      }
    } catch (e) {
      const msg = redact(e instanceof Error ? e.message : String(e));
      output.error(msg);
      await showError(msg);
    } finally {
      void updateStatus();
    }
  };

  const pickNamespace = async (k: typeof Kube): Promise<void> => {
    const conn = await connectPicked(k);
    const ctxDefault = (await k.loadKubeconfig({ setting: settings().kubeconfig })).contexts.find((c) => c.name === conn.target.contextName)?.namespace ?? 'default';
    let names: string[] = [];
    let why = '';
    try {
      names = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Mesh: listing namespaces' }, () => k.listNamespaces(conn));
    } catch (e) {
      why = redact((e as Error).message);
      output.warn(`listing namespaces: ${why}`);
    }
    type Item = vscode.QuickPickItem & { ns?: string; other?: boolean };
    const items: Item[] = [
      { label: '$(discard) Context default', description: ctxDefault },
      ...names.map((n) => ({ label: n, ns: n, description: n === conn.target.namespace ? 'current' : undefined })),
      { label: '$(edit) Other…', other: true },
    ];
    const choice = await vscode.window.showQuickPick(items, {
      title: `Mesh: namespace for documents without one (context "${conn.target.contextName}")`,
      placeHolder: why ? `Could not list namespaces: ${why}` : 'Pick a namespace',
      ignoreFocusOut: true,
    });
    if (!choice) return;
    let ns = choice.ns;
    if (choice.other) {
      ns = await vscode.window.showInputBox({
        title: 'Mesh: namespace',
        prompt: 'Namespace for documents without metadata.namespace',
        validateInput: (v) => (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) ? undefined : 'A namespace is a DNS label: lowercase letters, digits and "-".'),
      });
      if (!ns) return;
    }
    await context.workspaceState.update(STATE_KEY, { ...picked(), namespace: ns });
  };

  context.subscriptions.push(
    diagnostics,
    diffDocs,
    status,
    vscode.workspace.registerTextDocumentContentProvider(DIFF_SCHEME, diffDocs),
    vscode.commands.registerCommand(COMMANDS.apply, (uri?: vscode.Uri, uris?: vscode.Uri[]) => run('apply', uri, uris)),
    vscode.commands.registerCommand(COMMANDS.diff, (uri?: vscode.Uri, uris?: vscode.Uri[]) => run('diff', uri, uris)),
    vscode.commands.registerCommand(COMMANDS.selectContext, async () => {
      if (!(await trusted())) return;
      const k = await loadKube();
      try {
        const loaded = await k.loadKubeconfig({ setting: settings().kubeconfig });
        redact = (m) => loaded.redactor.redact(m);
        const p = picked();
        const FOLLOW = `$(sync) Follow the kubeconfig's current context`;
        const items: vscode.QuickPickItem[] = [
          { label: FOLLOW, description: loaded.currentContext ?? '(none)' },
          ...loaded.contexts.map((c) => ({
            label: c.name,
            description: `${c.name === (p.context ?? loaded.currentContext) ? '$(check) ' : ''}cluster ${c.cluster}${c.namespace ? ` · namespace ${c.namespace}` : ''}${k.protectedBy(c.name, settings().protectedContexts) ? ' · protected' : ''}`,
            detail: c.server,
          })),
        ];
        const choice = await vscode.window.showQuickPick(items, { title: 'Mesh: kube context for Apply and Diff', placeHolder: `From ${loaded.files.join(', ')}`, matchOnDescription: true });
        if (!choice) return;
        await context.workspaceState.update(STATE_KEY, { context: choice.label === FOLLOW ? undefined : choice.label, namespace: undefined });
        void updateStatus();
        await pickNamespace(k);
      } catch (e) {
        await showError(e instanceof Error ? e.message : String(e));
      } finally {
        void updateStatus();
      }
    }),
    vscode.commands.registerCommand(COMMANDS.selectNamespace, async () => {
      if (!(await trusted())) return;
      const k = await loadKube();
      try {
        await pickNamespace(k);
      } catch (e) {
        await showError(e instanceof Error ? e.message : String(e));
      } finally {
        void updateStatus();
      }
    }),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0 && diagnostics.has(e.document.uri)) diagnostics.delete(e.document.uri);
    }),
    vscode.workspace.onDidCloseTextDocument((d) => diagnostics.delete(d.uri)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION)) void updateStatus();
    }),
    vscode.window.onDidChangeWindowState((s) => {
      if (s.focused) void updateStatus();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void updateStatus()),
  );
  // Off the activation path: the status bar fills in once the event loop is free.
  setTimeout(() => void updateStatus(), 0);
}
