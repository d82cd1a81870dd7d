import { isMap, isNode, isPair, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import { PARSE_OPTIONS, parseYaml, plainValue, type SegmentedFile } from '../documents';
import type { PathSeg } from '../model';
import { splitApiVersion, type ResolvedKind, type SchemaRegistry } from '../schema/registry';
import type { KindInfo, SchemaNode } from '../schema/types';
import { lineStarts, type Pos, type Rng } from '../text';
import type { WorkspaceIndex } from '../workspace';
import type { DocumentTemplate } from '../snippets';
import { fieldHoverMarkdown, typeLabel } from './hover';
import { docPath, locate, schemaAt } from './locate';
import { destinationPorts, selectorLabelKeys, workspaceValues, type ValueSuggestion } from './workspace-values';

export type CompletionKind = 'property' | 'value' | 'enum' | 'kind' | 'module';

export interface CompletionEntry {
  label: string;
  kind: CompletionKind;
  /** Snippet syntax ($1, ${1|a,b|}) when `snippet` is true. */
  insertText: string;
  snippet: boolean;
  detail?: string;
  documentation?: string;
  sortText: string;
  /** The text the entry replaces (the partial word under the cursor), in file positions. */
  range: Rng;
  preselect?: boolean;
}

const KEY_MARK = '__meshCompletionKey__';
const VALUE_MARK = '__meshCompletionValue__';

function escapeSnippet(s: string): string {
  return s.replace(/[$}\\]/g, (c) => `\\${c}`);
}

function scalarPlaceholder(s: SchemaNode | undefined, n: number): string {
  if (!s) return `$${n}`;
  if (s.enum?.length) {
    const vals = s.enum.map((e) => String(e).replace(/[,|$}\\]/g, (c) => `\\${c}`));
    const d = s.default !== undefined ? String(s.default) : undefined;
    const ordered = d && vals.includes(d) ? [d, ...vals.filter((v) => v !== d)] : vals;
    return `\${${n}|${ordered.join(',')}|}`;
  }
  if (s.type === 'boolean') return s.default === true ? `\${${n}|true,false|}` : `\${${n}|false,true|}`;
  if (s.default !== undefined && typeof s.default !== 'object') return `\${${n}:${escapeSnippet(String(s.default))}}`;
  return `$${n}`;
}

/** Snippet text for a key with skeletons of its required children. `indent` is the child indentation. */
export function keySnippet(name: string, s: SchemaNode | undefined, counter = { n: 1 }, depth = 0): string {
  const isObj = s?.type === 'object' || (!s?.type && s?.properties);
  if (s && isObj && s.properties) {
    const req = (s.required ?? []).filter((r) => s.properties![r]);
    if (!req.length || depth > 2) return `${name}:\n  $${counter.n++}`;
    const body = req.map((r) => keySnippet(r, s.properties![r], counter, depth + 1)).join('\n');
    return `${name}:\n${indentLines(body, '  ')}`;
  }
  if (s && isObj) return `${name}:\n  $${counter.n++}`;
  if (s?.type === 'array') {
    const it = s.items;
    if (it && (it.type === 'object' || it.properties)) {
      const req = (it.required ?? []).filter((r) => it.properties?.[r]);
      if (req.length && depth <= 2) {
        const body = req.map((r) => keySnippet(r, it.properties![r], counter, depth + 1)).join('\n');
        return `${name}:\n${indentLines(body, '    ').replace(/^ {4}/, '  - ')}`;
      }
      return `${name}:\n  - $${counter.n++}`;
    }
    return `${name}:\n  - ${scalarPlaceholder(it, counter.n++)}`;
  }
  return `${name}: ${scalarPlaceholder(s, counter.n++)}`;
}

function indentLines(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

function kindTemplate(registry: SchemaRegistry, info: KindInfo, version: string): string {
  const schema = registry.lookup(`${info.group}/${version}`, info.kind);
  let spec = 'spec:\n  $0';
  if (schema.status === 'ok') {
    const s = schema.kind.schema.properties?.spec;
    if (s?.properties && s.required?.length) spec = keySnippet('spec', s, { n: 2 });
    else if (!s) spec = '$0';
  }
  const ns = info.scope === 'Namespaced' ? '\n  namespace: ${1:default}' : '';
  return `apiVersion: ${info.group}/${version}\nkind: ${info.kind}\nmetadata:\n  name: \${1:name}${ns.replace('${1:default}', '${9:default}')}\n${spec}`;
}

function kindEntries(registry: SchemaRegistry, range: Rng): CompletionEntry[] {
  const out: CompletionEntry[] = [];
  const famOrder: Record<string, number> = { istio: 0, linkerd: 1, 'gateway-api': 2, smi: 3, other: 4 };
  for (const info of registry.kinds()) {
    const preferred = registry.preferredVersion(info);
    for (const v of info.versions.filter((x) => x.served)) {
      const current = v.name === preferred.name;
      out.push({
        label: current ? info.kind : `${info.kind} (${v.name})`,
        kind: 'kind',
        insertText: kindTemplate(registry, info, v.name),
        snippet: true,
        detail: `${info.group}/${v.name}${v.deprecated ? ' (deprecated)' : current ? '' : ' (older)'}`,
        documentation: `A new ${info.kind} (${info.group}/${v.name}).`,
        sortText: `${current ? 0 : 1}${famOrder[info.family] ?? 9}${info.kind}${v.name}`,
        range,
      });
    }
  }
  return out;
}

function apiVersionValues(registry: SchemaRegistry, kind: string | undefined, range: Rng): CompletionEntry[] {
  const out: CompletionEntry[] = [];
  for (const info of registry.kinds()) {
    if (kind && info.kind !== kind) continue;
    const preferred = registry.preferredVersion(info);
    for (const v of info.versions.filter((x) => x.served)) {
      const label = `${info.group}/${v.name}`;
      if (out.some((e) => e.label === label)) continue;
      out.push({ label, kind: 'value', insertText: label, snippet: false, detail: kind ? `${kind}${v.deprecated ? ' (deprecated)' : ''}` : info.family, sortText: `${v.name === preferred.name ? 0 : 1}${label}`, range });
    }
  }
  return out;
}

function kindValues(registry: SchemaRegistry, apiVersion: string | undefined, range: Rng): CompletionEntry[] {
  const group = apiVersion ? splitApiVersion(apiVersion).group : undefined;
  const version = apiVersion ? splitApiVersion(apiVersion).version : undefined;
  return registry
    .kinds()
    .filter((k) => !group || k.group === group)
    .filter((k) => !version || !group || k.versions.some((v) => v.name === version && v.served))
    .map((k) => ({ label: k.kind, kind: 'value' as const, insertText: k.kind, snippet: false, detail: k.group, sortText: `0${k.kind}`, range }));
}

interface Patched {
  path: PathSeg[];
  siblings: Set<string>;
  /** JSON of the i-th mapping enclosing the field, nearest first (0: the field's own mapping, 1: its parent...). */
  enclosing: (i: number) => Record<string, unknown>;
}

/** Documents longer than this are reduced to the lines that can enclose the cursor before completion parses them. */
export const SKELETON_MIN_CHARS = 32 * 1024;

/** Leading spaces of a line, or -1 for a blank or comment-only line. */
function indentOf(line: string): number {
  const m = /^[ ]*/.exec(line)![0].length;
  const c = line[m];
  return c === undefined || c === '#' || c === '\r' || c === '\n' ? -1 : m;
}

/**
 * The text completion parses: the document with the cursor line replaced. In a large document, only the lines
 * that can be the cursor's ancestors, siblings, or siblings of an ancestor are kept (a line is kept when no line
 * between it and the cursor is less indented than it); the children of other entries are dropped, so completion
 * parses a few lines, not a 300 KB document. Returns the text and where the replacement starts in it.
 */
export function completionText(segText: string, line: number, replacement: string, reduce = segText.length >= SKELETON_MIN_CHARS): { text: string; at: number; reduced: boolean } {
  const starts = lineStarts(segText);
  const ls = starts[line] ?? segText.length;
  let le = line + 1 < starts.length ? starts[line + 1] : segText.length;
  while (le > ls && (segText[le - 1] === '\n' || segText[le - 1] === '\r')) le--;
  if (!reduce) return { text: segText.slice(0, ls) + replacement + segText.slice(le), at: ls, reduced: false };
  const lineAt = (i: number): string => segText.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : segText.length).replace(/\r?\n$|\r$/, '');
  const isDash = (t: string): boolean => /^ *-(?:[ \t]|$)/.test(t);
  // Keeps the lines no line between them and the cursor is less indented than. At equal indentation, a `- item`
  // under a key line (a compact sequence: `hosts:` then `- a` at the same column) belongs to that key: dropped.
  const scan = (from: number, step: 1 | -1): string[] => {
    const kept: string[] = [];
    let bound = Math.max(0, indentOf(replacement));
    let boundIsDash = isDash(replacement);
    for (let i = from; i >= 0 && i < starts.length; i += step) {
      const t = lineAt(i);
      const ind = indentOf(t);
      if (ind < 0 || ind > bound) continue;
      const dash = isDash(t);
      if (ind === bound && dash && !boundIsDash) continue;
      kept.push(t);
      bound = ind;
      boundIsDash = dash;
    }
    return kept;
  };
  const before = scan(Math.min(line, starts.length) - 1, -1).reverse();
  const after = line + 1 < starts.length ? scan(line + 1, 1) : [];
  const head = before.length ? before.join('\n') + '\n' : '';
  return { text: head + replacement + (after.length ? '\n' + after.join('\n') : '') + '\n', at: head.length, reduced: true };
}

/** Replaces the cursor line by `replacement`, parses the document, and finds where the marker landed. */
function patchAndLocate(segText: string, line: number, replacement: string, mark: string): Patched | undefined {
  let patched = completionText(segText, line, replacement);
  let doc = parseYaml(patched.text, { ...PARSE_OPTIONS, uniqueKeys: false });
  if (patched.reduced && doc.errors.length) {
    // the reduction broke something (a flow collection spread over lines, say): parse the whole document
    patched = completionText(segText, line, replacement, false);
    doc = parseYaml(patched.text, { ...PARSE_OPTIONS, uniqueKeys: false });
  }
  return locateMark(doc, patched.at + replacement.indexOf(mark) + 1, mark);
}

/** Where the completion marker landed in a patched document: its path, the keys beside it, the enclosing JSON. */
function locateMark(doc: Document.Parsed, markAt: number, mark: string): Patched | undefined {
  const at = locate(doc.contents, markAt);
  if (!at) return undefined;
  const siblings = new Set<string>();
  if (at.parent && isMap(at.parent)) {
    for (const p of at.parent.items as Pair[]) {
      if (isScalar(p.key) && p.key.value !== mark) siblings.add(String(p.key.value));
    }
  }
  const path = at.onKey ? at.path.slice(0, -1) : at.path;
  // JSON of the enclosing mappings, made only when asked: converting the whole document is costly on large ones
  const memo = new Map<number, Record<string, unknown>>();
  const enclosing = (i: number): Record<string, unknown> => {
    const depth = path.length - 1 - i;
    if (depth < 0) return {};
    let v = memo.get(depth);
    if (!v) {
      const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
      const js = isNode(node) ? plainValue(doc, node) : undefined;
      v = js && typeof js === 'object' && !Array.isArray(js) ? (js as Record<string, unknown>) : {};
      memo.set(depth, v);
    }
    return v;
  };
  return { path, siblings, enclosing };
}

/**
 * The innermost flow collection (`{...}` or `[...]`) of the document the offset is inside, if any. A closed
 * collection contains the offsets between its brackets; one left open (`route: [{destination: {` while typing)
 * runs to its end.
 */
export function flowCollectionAt(root: Node | null | undefined, text: string, offset: number): Node | undefined {
  let node: Node | null | undefined = root;
  let found: Node | undefined;
  const contains = (n: Node | null | undefined): boolean => !!n?.range && n.range[0] <= offset && offset <= n.range[1];
  for (let guard = 0; node && guard < 500; guard++) {
    if (!isMap(node) && !isSeq(node)) return found;
    if (node.flow && node.range) {
      const [start, end] = node.range;
      const closed = end > start && /[}\]]/.test(text[end - 1] ?? '');
      if (start < offset && (closed ? offset < end : offset <= end)) found = node;
      else if (found) return found;
    }
    let next: Node | undefined;
    for (const item of node.items as unknown[]) {
      if (isPair(item)) {
        const k = item.key as Node | null;
        const v = item.value as Node | null;
        if ((isMap(k) || isSeq(k)) && contains(k)) next = k;
        else if (contains(v)) next = v ?? undefined;
      } else if (isNode(item) && contains(item)) next = item;
      if (next) break;
    }
    node = next;
  }
  return found;
}

/** A key in flow style; `wrap` (directly in a flow list: `http: [$0]`) makes it a new `{...}` item. */
function flowKeySnippet(name: string, s: SchemaNode | undefined, wrap: boolean): string {
  let text: string;
  if (s?.type === 'object' || (!s?.type && s?.properties)) text = `${name}: {$1}`;
  else if (s?.type === 'array') text = `${name}: [$1]`;
  else text = `${name}: ${scalarPlaceholder(s, 1)}`;
  return wrap ? `{${text}}` : text;
}

/**
 * Completion inside a flow collection (`route: [{destination: {$0}}]`): keys not already present after `{`, `,`
 * or `[` (inserted in flow style, `host: $1`, `headers: {$1}`), values after `key: `, list values in `[a, $0]`.
 * Undefined when the cursor is not in a flow collection (block completion applies).
 */
function flowCompletion(
  registry: SchemaRegistry,
  file: SegmentedFile,
  pos: Pos,
  lineText: string,
  workspace: (() => WorkspaceIndex) | undefined,
): CompletionEntry[] | undefined {
  const seg = file.segmentAtLine(pos.line)!;
  const p = seg.parsed;
  const relLine = pos.line - seg.startLine;
  const offset = (p.lineStarts[relLine] ?? p.text.length) + pos.character;
  const collection = flowCollectionAt(p.doc.contents, p.text, offset);
  if (!collection) return undefined;
  const found = registry.lookup(p.head.apiVersion, p.head.kind);
  if (found.status !== 'ok') return [];
  const kind = found.kind;
  const before = lineText.slice(0, pos.character);
  const after = lineText.slice(pos.character);
  // what precedes the partial word, possibly on an earlier line of a collection spread over lines
  const lead = (partial: string): string => p.text.slice(0, offset - partial.length).trimEnd().slice(-1);
  const rangeOf = (partial: string, rest: string): Rng => ({
    start: { line: pos.line, character: pos.character - partial.length },
    end: { line: pos.line, character: pos.character + rest.length },
  });
  // the cursor line with the partial word replaced by a marker (parsed as completion parses: reduced when large)
  const patch = (partial: string, rest: string, insert: string, mark: string): Patched | undefined =>
    patchAndLocate(p.text, relLine, before.slice(0, before.length - partial.length) + insert + after.slice(rest.length), mark);

  // value position: `{mode: ST$0}`
  const vPartial = /[^\s,[\]{}:]*$/.exec(before)![0];
  if (lead(vPartial) === ':') {
    const vAfter = /^[^\s,[\]{}]*/.exec(after)![0];
    const patched = patch(vPartial, vAfter, VALUE_MARK, VALUE_MARK);
    if (!patched) return [];
    const range = rangeOf(vPartial, vAfter);
    return [...valueEntries(schemaAt(kind.schema, patched.path), range), ...fromWorkspace(kind.info.group, kind.info.kind, p.head.namespace, kind.schema, patched, range, workspace)];
  }

  // key position: `{host: a, $0}`, `[{$0}]`, `[$0]`
  const kPartial = /[\w.\-/]*$/.exec(before)![0];
  const l = lead(kPartial);
  if (l !== '{' && l !== ',' && l !== '[') return [];
  const kAfter = /^[\w.\-/]*/.exec(after)![0];
  const patched = patch(kPartial, kAfter, `${KEY_MARK}: x`, KEY_MARK);
  if (!patched) return [];
  const range = rangeOf(kPartial, kAfter);
  const s = schemaAt(kind.schema, patched.path);
  if (!s) return [];
  if (typeof patched.path[patched.path.length - 1] === 'number' && s.type !== 'object' && !s.properties) {
    // an item of a list of scalars: `hosts: [a, $0]`
    const vpatched = patch(kPartial, kAfter, VALUE_MARK, VALUE_MARK);
    if (!vpatched) return [];
    return [...valueEntries(s, range), ...fromWorkspace(kind.info.group, kind.info.kind, p.head.namespace, kind.schema, vpatched, range, workspace)];
  }
  return keyEntries(registry, kind, s, patched, range, isSeq(collection) ? 'flow-item' : 'flow');
}

/** Entries for the keys of the object at `patched.path` that are not set yet. */
function keyEntries(registry: SchemaRegistry, kind: ResolvedKind, s: SchemaNode, patched: Patched, range: Rng, style: 'block' | 'flow' | 'flow-item' = 'block'): CompletionEntry[] {
  const props = s.properties ?? {};
  const required = new Set(s.required ?? []);
  const out: CompletionEntry[] = [];
  for (const [name, child] of Object.entries(props)) {
    if (patched.siblings.has(name)) continue;
    if (!patched.path.length && name === 'status') continue;
    out.push({
      label: name,
      kind: 'property',
      insertText: style === 'block' ? keySnippet(name, child) : flowKeySnippet(name, child, style === 'flow-item'),
      snippet: true,
      detail: `${typeLabel(child)}${required.has(name) ? ' · required' : ''}`,
      documentation: fieldHoverMarkdown(registry, kind, [...patched.path, name]),
      sortText: `${required.has(name) ? 0 : 1}${name}`,
      range,
    });
  }
  return out;
}

function suggestionEntries(list: ValueSuggestion[], range: Rng): CompletionEntry[] {
  const seen = new Set<string>();
  const out: CompletionEntry[] = [];
  for (const v of list) {
    if (!v.value || seen.has(v.value)) continue;
    seen.add(v.value);
    out.push({ label: v.value, kind: 'value', insertText: v.value, snippet: false, detail: v.detail, sortText: `0${out.length.toString().padStart(4, '0')}`, range });
  }
  return out;
}

/** Completion at a file position. */
export function complete(registry: SchemaRegistry, file: SegmentedFile, pos: Pos, workspace?: () => WorkspaceIndex, templates: DocumentTemplate[] = []): CompletionEntry[] {
  const seg = file.segmentAtLine(pos.line);
  if (!seg) return [];
  const p = seg.parsed;
  const { apiVersion, kind } = p.head;
  if (apiVersion && !registry.isMeshGroup(splitApiVersion(apiVersion).group)) return [];
  const relLine = pos.line - seg.startLine;
  const starts = p.lineStarts;
  const lineStart = starts[relLine] ?? p.text.length;
  const lineEndIdx = relLine + 1 < starts.length ? starts[relLine + 1] : p.text.length;
  const lineText = p.text.slice(lineStart, lineEndIdx).replace(/\r?\n$|\r$/, '');
  const before = lineText.slice(0, pos.character);
  const after = lineText.slice(pos.character);
  if (/^---/.test(lineText) || /#/.test(before)) return [];
  const flow = flowCompletion(registry, file, pos, lineText, workspace);
  if (flow) return flow;

  // Value position: `key: partial`
  const vm = /^(\s*)((?:- +)*)([^\s#:'"][^:#]*?):[ \t]+(\S*)$/.exec(before);
  if (vm) {
    const [, indent, dashes, key, partial] = vm;
    const range = { start: { line: pos.line, character: pos.character - partial.length }, end: { line: pos.line, character: pos.character + (/^\S*/.exec(after)?.[0].length ?? 0) } };
    if (!indent && !dashes && key === 'apiVersion') return apiVersionValues(registry, kind, range);
    if (!indent && !dashes && key === 'kind') return kindValues(registry, apiVersion, range);
    const found = registry.lookup(apiVersion, kind);
    if (found.status !== 'ok') return [];
    const patched = patchAndLocate(p.text, relLine, `${indent}${dashes}${key}: ${VALUE_MARK}`, VALUE_MARK);
    if (!patched) return [];
    const s = schemaAt(found.kind.schema, patched.path);
    return [...valueEntries(s, range), ...fromWorkspace(found.kind.info.group, found.kind.info.kind, p.head.namespace, found.kind.schema, patched, range, workspace)];
  }

  // Key position: `  partial` or `- partial`
  const km = /^(\s*)((?:- +)*)([\w.\-/]*)$/.exec(before);
  if (!km) return [];
  const [, indent, dashes, partial] = km;
  const wordAfter = /^[\w.\-/]*/.exec(after)?.[0] ?? '';
  const range = { start: { line: pos.line, character: pos.character - partial.length }, end: { line: pos.line, character: pos.character + wordAfter.length } };
  const found = registry.lookup(apiVersion, kind);
  const top = !indent && !dashes;
  if (found.status !== 'ok') {
    if (!top) return [];
    const out: CompletionEntry[] = [];
    const present = new Set(isMap(p.doc.contents) ? (p.doc.contents.items as Pair[]).map((x) => (isScalar(x.key) ? String(x.key.value) : '')) : []);
    if (!apiVersion && !kind) {
      out.push(...kindEntries(registry, range));
      for (const t of templates) {
        out.push({ label: t.prefix, kind: 'module', insertText: t.body, snippet: true, detail: t.name, documentation: t.description, sortText: `2${t.prefix}`, range });
      }
    }
    if (!present.has('apiVersion')) out.push({ label: 'apiVersion', kind: 'property', insertText: 'apiVersion: $1', snippet: true, sortText: '1apiVersion', range });
    if (!present.has('kind')) out.push({ label: 'kind', kind: 'property', insertText: 'kind: $1', snippet: true, sortText: '1kind', range });
    return out;
  }
  const patched = patchAndLocate(p.text, relLine, `${indent}${dashes}${KEY_MARK}: x`, KEY_MARK);
  if (!patched) return [];
  const s = schemaAt(found.kind.schema, patched.path);
  if (!s) return [];
  if (dashes && s.type !== 'object' && !s.properties) {
    // `- ` in a list of scalars: complete values.
    const itemPath = patched.path;
    return [...valueEntries(s, range), ...fromWorkspace(found.kind.info.group, found.kind.info.kind, p.head.namespace, found.kind.schema, { ...patched, path: itemPath, enclosing: (i: number) => patched.enclosing(i + 1) }, range, workspace)];
  }
  if (!s.properties && (typeof s.additionalProperties === 'object' || s['x-kubernetes-preserve-unknown-fields']) && workspace) {
    // a map such as a label selector: offer label keys used by workloads
    const dp = docPath(found.kind.schema, [...patched.path, 'x']);
    if (/(matchLabels|selector|labels)\{\}$/.test(dp) && dp !== 'metadata.labels{}') {
      return suggestionEntries(
        selectorLabelKeys(workspace(), `${found.kind.info.group}/${found.kind.info.kind}`, p.head.namespace ?? 'default', dp).filter((k) => !patched.siblings.has(k.value)),
        range,
      ).map((e) => ({ ...e, kind: 'property' as const, insertText: `${e.label}: $1`, snippet: true }));
    }
  }
  return keyEntries(registry, found.kind, s, patched, range);
}

function valueEntries(s: SchemaNode | undefined, range: Rng): CompletionEntry[] {
  if (!s) return [];
  if (s.enum?.length) {
    return s.enum.map((e, i) => ({
      label: String(e),
      kind: 'enum' as const,
      insertText: String(e),
      snippet: false,
      detail: s.default === e ? 'default' : undefined,
      sortText: `${s.default === e ? 0 : 1}${String(i).padStart(3, '0')}`,
      range,
      preselect: s.default === e,
    }));
  }
  if (s.type === 'boolean') {
    return ['true', 'false'].map((b) => ({ label: b, kind: 'value' as const, insertText: b, snippet: false, sortText: b === String(s.default) ? '0' : '1', range }));
  }
  return [];
}

function fromWorkspace(
  group: string,
  kind: string,
  namespace: string | undefined,
  root: SchemaNode,
  patched: Patched,
  range: Rng,
  workspace: (() => WorkspaceIndex) | undefined,
): CompletionEntry[] {
  if (!workspace) return [];
  const index = workspace();
  const dp = docPath(root, patched.path);
  const last = patched.path[patched.path.length - 1];
  const mapKey = dp.endsWith('{}') && typeof last === 'string' ? last : undefined;
  if (/\.destination\.port\.number$/.test(dp)) {
    const dest = patched.enclosing(1);
    return suggestionEntries(destinationPorts(index, namespace ?? 'default', typeof dest.host === 'string' ? dest.host : undefined), range);
  }
  return suggestionEntries(workspaceValues(index, `${group}/${kind}`, namespace ?? 'default', dp, patched.enclosing(0), mapKey), range);
}
