/**
 * Reads the resources to apply out of YAML text: every `---` document (and every item of a
 * `kind: List`), mesh and plain Kubernetes alike. A folder is scanned for the YAML files that
 * hold at least one mesh resource; all resources of those files are taken.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, isSeq, parseAllDocuments, type Document } from 'yaml';
import { KubeError } from './errors';
import type { KubeObject, ManifestResource } from './types';
import { splitApiVersion } from './types';

/** API groups of the meshes this extension knows. */
export function isMeshApiVersion(apiVersion: string): boolean {
  const { group } = splitApiVersion(apiVersion);
  return (
    group === 'istio.io' ||
    group.endsWith('.istio.io') ||
    group === 'linkerd.io' ||
    group.endsWith('.linkerd.io') ||
    group.endsWith('.smi-spec.io') ||
    group === 'gateway.networking.k8s.io' ||
    group === 'gateway.networking.x-k8s.io'
  );
}

export interface ManifestSet {
  resources: ManifestResource[];
  /** Problems that forbid applying (YAML errors, documents without a name, duplicates). */
  errors: KubeError[];
  /** Files that were looked at and left out, with why (folder scans only). */
  skipped: { file: string; reason: string }[];
}

function lineOf(text: string, offset: number): number {
  let n = 0;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

export interface ParseOptions {
  /** Only the documents that overlap this [start, end) offset range (the editor selection). */
  range?: [number, number];
}

function docRange(doc: Document.Parsed): [number, number] {
  const c = doc.contents;
  if (c && c.range) return [c.range[0], c.range[2]];
  return [doc.range[0], doc.range[2]];
}

/** Parses one file's text into resources; errors name the file and line. */
export function parseManifests(text: string, file: string, opts: ParseOptions = {}): ManifestSet {
  const out: ManifestSet = { resources: [], errors: [], skipped: [] };
  const docs = parseAllDocuments(text, { merge: true, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, docIndex) => {
    const [start, end] = docRange(doc);
    if (opts.range) {
      const [s, e] = opts.range;
      // Overlap, counting a caret (empty selection) inside or at the end of the document.
      const overlaps = s === e ? s >= start && s <= end : s < end && e > start;
      if (!overlaps) return;
    }
    const line = lineOf(text, start);
    const where = `${file}:${line + 1}`;
    if (doc.errors.length > 0) {
      out.errors.push(new KubeError('manifest', `${where}: YAML error: ${doc.errors[0].message.split('\n')[0]}`));
      return;
    }
    if (doc.contents == null) return; // empty document or comments only
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      out.errors.push(new KubeError('manifest', `${where}: ${(e as Error).message}`));
      return;
    }
    if (value == null) return;
    if (typeof value !== 'object' || Array.isArray(value)) {
      out.errors.push(new KubeError('manifest', `${where}: a Kubernetes resource must be a mapping`));
      return;
    }
    const obj = value as KubeObject;
    if (obj.kind === 'List' || (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items))) {
      const items = Array.isArray(obj.items) ? obj.items : [];
      const seq = isMap(doc.contents) ? doc.contents.get('items', true) : undefined;
      items.forEach((item, itemIndex) => {
        const node = isSeq(seq) ? (seq.items[itemIndex] as { range?: [number, number, number] } | undefined) : undefined;
        const itemStart = node?.range ? node.range[0] : start;
        take(item, docIndex, itemIndex, lineOf(text, itemStart));
      });
      return;
    }
    take(obj, docIndex, undefined, line);
  });

  function take(v: unknown, docIndex: number, itemIndex: number | undefined, line: number): void {
    const where = `${file}:${line + 1}`;
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      out.errors.push(new KubeError('manifest', `${where}: a Kubernetes resource must be a mapping`));
      return;
    }
    const obj = v as KubeObject;
    const meta = (obj.metadata ?? {}) as Record<string, unknown>;
    const apiVersion = obj.apiVersion;
    const kind = obj.kind;
    if (typeof apiVersion !== 'string' || !apiVersion || typeof kind !== 'string' || !kind) {
      out.errors.push(new KubeError('manifest', `${where}: the document has no apiVersion and kind, so it is not a Kubernetes resource`));
      return;
    }
    if (typeof meta.name !== 'string' || !meta.name) {
      const hint = typeof meta.generateName === 'string' ? ' (generateName cannot be used with server-side apply)' : '';
      out.errors.push(new KubeError('manifest', `${where}: ${kind} has no metadata.name${hint}`));
      return;
    }
    out.resources.push({
      apiVersion,
      kind,
      name: meta.name,
      namespace: typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : undefined,
      object: obj,
      source: { file, text, docIndex, itemIndex, line },
    });
  }
  return out;
}

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'out']);

/** YAML files under `dir`, recursively, skipping node_modules, .git and hidden folders. Sorted. */
export function findYamlFiles(dir: string, limit = 5000): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (out.length >= limit) return;
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(p);
      } else if (e.isFile() && /\.ya?ml$/i.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * Every resource of the mesh files in a folder: files with at least one mesh resource are taken
 * whole (their Namespaces, Services, Deployments too); from the other YAML files only the
 * Namespaces that those resources live in are taken (a `00-namespace.yaml` beside the mesh
 * files); the rest is left out and listed in `skipped`. Template files (`{{ }}`) are skipped.
 * A YAML error in a file that mentions a mesh API group is an error (nothing is applied), so a
 * broken mesh file is never silently dropped.
 */
export function collectFolder(dir: string, read: (file: string) => string = (f) => fs.readFileSync(f, 'utf8')): ManifestSet {
  const out: ManifestSet = { resources: [], errors: [], skipped: [] };
  const others: { file: string; set: ManifestSet }[] = [];
  for (const file of findYamlFiles(dir)) {
    let text: string;
    try {
      text = read(file);
    } catch (e) {
      out.errors.push(new KubeError('manifest', `${file}: cannot read: ${(e as Error).message}`));
      continue;
    }
    if (/\{\{[\s\S]*?\}\}/.test(text)) {
      out.skipped.push({ file, reason: 'template ({{ }})' });
      continue;
    }
    const set = parseManifests(text, file);
    const mesh = set.resources.some((r) => isMeshApiVersion(r.apiVersion));
    const mentionsMesh = /apiVersion:\s*["']?[\w.-]*(istio\.io|linkerd\.io|smi-spec\.io|gateway\.networking\.(x-)?k8s\.io)\//.test(text);
    if (set.errors.length > 0 && (mesh || mentionsMesh)) {
      out.errors.push(...set.errors);
      continue;
    }
    if (!mesh) {
      if (set.errors.length > 0) out.skipped.push({ file, reason: 'not a mesh file (and has YAML errors)' });
      else others.push({ file, set });
      continue;
    }
    out.resources.push(...set.resources);
  }
  const needed = new Set(out.resources.map((r) => r.namespace).filter((n): n is string => !!n));
  for (const r of out.resources) if (r.kind === 'Namespace' && r.apiVersion === 'v1') needed.delete(r.name);
  for (const { file, set } of others) {
    const namespaces = set.resources.filter((r) => r.kind === 'Namespace' && r.apiVersion === 'v1' && needed.has(r.name));
    for (const r of namespaces) needed.delete(r.name);
    out.resources.push(...namespaces);
    const rest = set.resources.length - namespaces.length;
    if (rest > 0 || namespaces.length === 0)
      out.skipped.push({ file, reason: namespaces.length ? `no mesh resource (only its Namespace ${namespaces.map((n) => n.name).join(', ')} is applied)` : 'no mesh resource' });
  }
  return out;
}

/** Errors for resources defined twice in one batch (same apiVersion group, kind, namespace, name). */
export function duplicateErrors(resources: ManifestResource[], defaultNamespace: (r: ManifestResource) => string | undefined): KubeError[] {
  const seen = new Map<string, ManifestResource>();
  const errors: KubeError[] = [];
  for (const r of resources) {
    const key = `${splitApiVersion(r.apiVersion).group}/${r.kind}/${defaultNamespace(r) ?? ''}/${r.name}`;
    const prev = seen.get(key);
    if (prev) {
      errors.push(
        new KubeError(
          'manifest',
          `${r.kind} ${r.name} is defined twice: ${prev.source.file}:${prev.source.line + 1} and ${r.source.file}:${r.source.line + 1}`,
        ),
      );
    } else seen.set(key, r);
  }
  return errors;
}

/**
 * Several sets as one (an explorer multi-selection of files and folders): a document reached
 * twice (a file selected and inside a selected folder) counts once, and a file skipped by a
 * folder scan but selected by itself is not reported as skipped.
 */
export function mergeManifestSets(sets: ManifestSet[]): ManifestSet {
  const seen = new Set<string>();
  const out: ManifestSet = { resources: [], errors: [], skipped: [] };
  for (const s of sets) {
    for (const r of s.resources) {
      const key = `${r.source.file}\u0000${r.source.docIndex}\u0000${r.source.itemIndex ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.resources.push(r);
    }
    out.errors.push(...s.errors.filter((e) => !out.errors.some((x) => x.message === e.message)));
  }
  const taken = new Set(out.resources.map((r) => r.source.file));
  for (const s of sets) for (const k of s.skipped) if (!taken.has(k.file) || /only its Namespace/.test(k.reason)) out.skipped.push(k);
  return out;
}
