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
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

/**
 * Lists YAML files under a folder (or the file itself), skipping VCS and dependency folders. Bounded: at most
 * `limit` files, 40 folders deep; symbolic-link loops are not followed and each file is listed once (by real path).
 */
export async function listYamlFiles(root: string, limit = 20000, options: ScanOptions = {}): Promise<string[]> {
  const maxBytes = options.maxBytes ?? MAX_FILE_BYTES;
  const skip = options.onSkip ?? ((): void => undefined);
  const out: string[] = [];
  const seen = new Set<string>();
  const seenFiles = new Set<string>();
  let truncated = false;
  async function walk(p: string, depth: number): Promise<void> {
    if (out.length >= limit) {
      if (!truncated) skip(root, `more than ${limit} YAML files: the rest are not checked`);
      truncated = true;
      return;
    }
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
        if (e.isDirectory() && (SKIP_DIRS.has(e.name) || e.name.startsWith('.'))) continue;
        await walk(path.join(p, e.name), depth + 1);
      }
    } else if (YAML_NAME.test(p)) {
      if (!st.isFile()) skip(p, 'not a regular file');
      else if (st.size > maxBytes) skip(p, `the file is ${mb(st.size)}, over the ${mb(maxBytes)} size limit`);
      else {
        let real = p;
        try {
          real = await fs.promises.realpath(p);
        } catch {
          // keep the path as given
        }
        if (seenFiles.has(real)) return;
        seenFiles.add(real);
        out.push(p);
      }
    }
  }
  await walk(root, 0);
  return out;
}
