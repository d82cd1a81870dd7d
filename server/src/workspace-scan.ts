import * as fs from 'node:fs';
import * as path from 'node:path';

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'dist', 'out', '.e2e', '.vscode-test']);
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
const MAX_DEPTH = 40;
const YAML_NAME = /\.ya?ml$/i;

export interface ScanOptions {
  /** YAML files larger than this are skipped (default MAX_FILE_BYTES). */
  maxBytes?: number;
  /** Told about every YAML file (or folder) left out, and why: too large, not a regular file, broken link... */
  onSkip?: (file: string, reason: string) => void;
  /** Appended, in parentheses, to the reason a file is too large (the setting that sets the limit, say). */
  sizeLimitHint?: string;
}

/** Folders the scan never enters: VCS, dependency and build folders, and hidden ones. */
export function isSkippedFolderName(name: string): boolean {
  return SKIP_DIRS.has(name) || name.startsWith('.');
}

/**
 * True when a path under `root` lies inside a folder the scan skips (or, when `isFolder`, is one): such files are
 * not part of the workspace index. False for paths outside `root` and for `root` itself.
 */
export function inSkippedFolder(root: string, p: string, isFolder = false): boolean {
  const rel = path.relative(root, p);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return false;
  const parts = rel.split(path.sep);
  if (!isFolder) parts.pop();
  return parts.some(isSkippedFolderName);
}

/** Megabytes with one decimal (two under 0.1 MB, so that a small limit does not read "0.0 MB"). */
export function mb(bytes: number): string {
  const v = bytes / 1048576;
  return `${v.toFixed(v < 0.1 ? 2 : 1)} MB`;
}

/**
 * Lists YAML files under a folder (or the file itself), skipping VCS and dependency folders. Bounded: at most
 * `limit` files, 40 folders deep; symbolic-link loops are not followed and each file is listed once (by real path).
 */
export async function listYamlFiles(root: string, limit = 20000, options: ScanOptions = {}): Promise<string[]> {
  const maxBytes = options.maxBytes ?? MAX_FILE_BYTES;
  const skip = options.onSkip ?? ((): void => undefined);
  const hint = options.sizeLimitHint ? ` (${options.sizeLimitHint})` : '';
  const out: string[] = [];
  const seen = new Set<string>();
  const seenFiles = new Set<string>();
  let truncated = false;
  async function walk(p: string, depth: number): Promise<void> {
    if (truncated) return;
    if (depth > MAX_DEPTH) {
      skip(p, `nested more than ${MAX_DEPTH} folders deep`);
      return;
    }
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(p);
    } catch (e) {
      if (YAML_NAME.test(p)) {
        const code = (e as NodeJS.ErrnoException).code;
        skip(p, code === 'ELOOP' ? 'symbolic link loop' : code === 'ENOENT' ? 'broken symbolic link' : `cannot read (${code ?? String(e)})`);
      }
      return;
    }
    if (st.isDirectory()) {
      let real: string;
      try {
        real = await fs.promises.realpath(p);
      } catch {
        return;
      }
      if (seen.has(real)) return;
      seen.add(real);
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(p, { withFileTypes: true });
      } catch (e) {
        skip(p, `cannot read the folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
        return;
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        if (e.isDirectory() && isSkippedFolderName(e.name)) continue;
        await walk(path.join(p, e.name), depth + 1);
      }
    } else if (YAML_NAME.test(p)) {
      if (!st.isFile()) skip(p, 'not a regular file');
      else if (st.size > maxBytes) skip(p, `the file is ${mb(st.size)}, over the ${mb(maxBytes)} size limit${hint}`);
      else {
        let real = p;
        try {
          real = await fs.promises.realpath(p);
        } catch {
          // keep the path as given
        }
        if (seenFiles.has(real)) return;
        if (out.length >= limit) {
          // only a YAML file past the limit is "more": exactly `limit` of them, then other entries, is not
          truncated = true;
          skip(root, `more than ${limit} YAML files: the rest are not checked`);
          return;
        }
        seenFiles.add(real);
        out.push(p);
      }
    }
  }
  await walk(root, 0);
  return out;
}
