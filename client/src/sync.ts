/**
 * What the language client forwards to the server besides documents: settings sections and file events. Pure (no
 * 'vscode'), so it is unit-tested alone.
 */
import { CONFIG_SECTION } from '../../server/src/protocol';
import { isSkippedFolderName } from '../../server/src/workspace-scan';

/** Settings whose change the server must hear of: its own, and files.exclude (the workspace index honours it). */
export const SYNCED_SECTIONS = [CONFIG_SECTION, 'files.exclude'];

/**
 * Glob of the file watcher: every path, since a folder's delete or rename is reported as one event for the folder
 * (a `*.yaml` glob never matches it). forwardFileEvent trims what reaches the server.
 */
export const WATCH_GLOB = '**/*';

/** The LSP FileChangeType values. */
export const FILE_CREATED = 1;
export const FILE_CHANGED = 2;
export const FILE_DELETED = 3;

const YAML_NAME = /\.ya?ml$/i;

/**
 * Is a file event worth sending to the server? Any event on a YAML file; a create or delete of anything else (it
 * may be a folder: the server scans a created one, forgets the files under a deleted one); never a change of a
 * non-YAML file, nor anything inside a folder the index skips. `path` is the URI's path ('/' separated).
 */
export function forwardFileEvent(path: string, type: number): boolean {
  const parts = path.split('/').filter(Boolean);
  const name = parts.pop() ?? '';
  // the folders the server's scan never enters
  if (parts.some(isSkippedFolderName)) return false;
  if (YAML_NAME.test(name)) return true;
  if (type === FILE_CHANGED) return false;
  return !isSkippedFolderName(name);
}
