/**
 * Workspace trust for the cluster commands, with no 'vscode' import (tested without VS Code).
 *
 * The commands stay enabled in untrusted workspaces (no `enablement` in package.json) so that
 * running one explains why it refuses, with a button to manage workspace trust. The kube
 * context status item is hidden there, and the kubeconfig is not even read for it, until trust
 * is granted.
 */

export const MANAGE_TRUST_COMMAND = 'workbench.trust.manage';
export const MANAGE_TRUST_BUTTON = 'Manage Workspace Trust';

export const UNTRUSTED_MESSAGE =
  'Mesh cluster commands are disabled in untrusted workspaces: they read your kubeconfig, may run its credential plugins, and send files of this workspace to a cluster. Trust this workspace to use them.';

/** The few VS Code calls the gate needs (vscode.workspace.isTrusted, showWarningMessage, executeCommand). */
export interface TrustUi {
  isTrusted(): boolean;
  warn(message: string, ...buttons: string[]): PromiseLike<string | undefined>;
  execute(command: string): PromiseLike<unknown>;
}

/**
 * Whether a cluster command may run. When the workspace is not trusted it says why, offers
 * "Manage Workspace Trust" (which opens VS Code's trust editor), and returns false.
 */
export async function requireTrust(ui: TrustUi): Promise<boolean> {
  if (ui.isTrusted()) return true;
  const choice = await ui.warn(UNTRUSTED_MESSAGE, MANAGE_TRUST_BUTTON);
  if (choice === MANAGE_TRUST_BUTTON) await ui.execute(MANAGE_TRUST_COMMAND);
  return false;
}

/**
 * Refreshes the kube context status item only in a trusted workspace; otherwise hides it
 * without calling `refresh` (which reads the kubeconfig).
 */
export async function refreshStatusIfTrusted(isTrusted: boolean, hide: () => void, refresh: () => Promise<void>): Promise<void> {
  if (!isTrusted) {
    hide();
    return;
  }
  await refresh();
}
