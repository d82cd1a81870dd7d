import * as fs from 'node:fs';
import * as path from 'node:path';

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'dist', 'out', '.e2e', '.vscode-test']);
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

/** Lists YAML files under a folder (or the file itself), skipping VCS and dependency folders. Bounded. */
export async function listYamlFiles(root: string, limit = 20000): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  async function walk(p: string, depth: number): Promise<void> {
    if (out.length >= limit || depth > 40) return;
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(p);
    } catch {
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
      } catch {
        return;
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        if (e.isDirectory() && (SKIP_DIRS.has(e.name) || e.name.startsWith('.'))) continue;
        await walk(path.join(p, e.name), depth + 1);
      }
    } else if (st.isFile() && /\.ya?ml$/i.test(p) && st.size <= MAX_FILE_BYTES) {
      out.push(p);
    }
  }
  await walk(root, 0);
  return out;
}
