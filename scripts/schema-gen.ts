import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { convertCrd, compareVersions, type ConvertedCrd } from '../server/src/service/schema/crd';
import type { KindInfo } from '../server/src/service/schema/types';

function listYaml(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listYaml(p));
    else if (/\.ya?ml$/.test(entry.name)) out.push(p);
  }
  return out;
}

/**
 * Reads every CRD below crdDir and returns the generated files (path relative to schemas/ -> text).
 * Where two files define the same kind (Linkerd bundles an older Gateway API), versions from the
 * primary file win and the other only adds versions the primary lacks.
 */
export function generateSchemaFiles(crdDir: string): Map<string, string> {
  const merged = new Map<string, ConvertedCrd>();
  // Files under a "*-bundled" folder are secondary copies.
  const files = listYaml(crdDir).sort((a, b) => Number(a.includes('-bundled')) - Number(b.includes('-bundled')) || a.localeCompare(b));
  for (const file of files) {
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      const converted = convertCrd(doc.toJSON());
      if (!converted) continue;
      const id = `${converted.info.group}/${converted.info.kind}`;
      const existing = merged.get(id);
      if (!existing) {
        merged.set(id, converted);
        continue;
      }
      for (const v of converted.info.versions) {
        if (existing.info.versions.some((x) => x.name === v.name)) continue;
        existing.info.versions.push(v);
        const key = converted.schemas.versions[v.name];
        existing.schemas.versions[v.name] = key;
        existing.schemas.schemas[key] = converted.schemas.schemas[key];
      }
    }
  }
  const out = new Map<string, string>();
  const index: KindInfo[] = [];
  for (const id of [...merged.keys()].sort()) {
    const c = merged.get(id)!;
    c.info.versions.sort((a, b) => compareVersions(a.name, b.name));
    const file = `${c.info.group}_${c.info.kind}.json`;
    index.push({ ...c.info, file });
    out.set(`kinds/${file}`, JSON.stringify(c.schemas) + '\n');
  }
  out.set('index.json', JSON.stringify(index, null, 1) + '\n');
  return out;
}
