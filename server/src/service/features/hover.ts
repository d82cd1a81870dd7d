import { isMap, isScalar, type Pair } from 'yaml';
import type { SegmentedFile } from '../documents';
import { segRange, shiftRange } from '../documents';
import type { PathSeg } from '../model';
import { findFieldDoc, type KindDocs, type ResolvedKind, type SchemaRegistry } from '../schema/registry';
import type { SchemaNode } from '../schema/types';
import { typeName } from '../schema/validate';
import { offsetAt, suggest, type Pos, type Rng } from '../text';
import { isMeshDocument } from './diagnostics';
import { docPath, locate, schemaAt } from './locate';

export interface HoverResult {
  markdown: string;
  range: Rng;
}

const FAMILY_REFERENCE: Record<string, string> = {
  istio: 'https://istio.io/latest/docs/reference/config/',
  linkerd: 'https://linkerd.io/2-edge/reference/',
  'gateway-api': 'https://gateway-api.sigs.k8s.io/reference/spec/',
  smi: 'https://github.com/servicemeshinterface/smi-spec',
  other: 'https://kubernetes.io/docs/reference/',
};

export function referenceUrl(registry: SchemaRegistry, kind: ResolvedKind, anchor?: string): string {
  const docs = registry.kindDocs(kind.info.group, kind.info.kind);
  const base = docs?.reference ?? FAMILY_REFERENCE[kind.info.family];
  return anchor ? `${base}#${anchor}` : base;
}

export function typeLabel(s: SchemaNode): string {
  if (s['x-kubernetes-int-or-string']) return 'integer | string';
  if (s.type === 'array') return s.items ? `${typeLabel(s.items)}[]` : 'array';
  if (s.type === 'object' && !s.properties && typeof s.additionalProperties === 'object') return `map<string, ${typeLabel(s.additionalProperties)}>`;
  if (s.format && (s.type === 'string' || s.type === 'integer' || s.type === 'number')) return `${s.type} (${s.format})`;
  return s.type ?? (s['x-kubernetes-preserve-unknown-fields'] ? 'any' : 'object');
}

function limits(s: SchemaNode): string[] {
  const out: string[] = [];
  if (s.minimum !== undefined) out.push(`${s.exclusiveMinimum ? '>' : '≥'} ${s.minimum}`);
  if (s.maximum !== undefined) out.push(`${s.exclusiveMaximum ? '<' : '≤'} ${s.maximum}`);
  if (s.minLength !== undefined) out.push(`length ≥ ${s.minLength}`);
  if (s.maxLength !== undefined) out.push(`length ≤ ${s.maxLength}`);
  if (s.minItems !== undefined) out.push(`≥ ${s.minItems} items`);
  if (s.maxItems !== undefined) out.push(`≤ ${s.maxItems} items`);
  if (s.pattern) out.push(`pattern \`${s.pattern}\``);
  return out;
}

/** Is the field at `path` required by its parent object? */
function isRequired(root: SchemaNode, path: PathSeg[]): boolean {
  if (!path.length) return false;
  const last = path[path.length - 1];
  if (typeof last === 'number') return false;
  const parent = schemaAt(root, path.slice(0, -1));
  return !!parent?.required?.includes(last);
}

function servedIn(registry: SchemaRegistry, kind: ResolvedKind, path: PathSeg[]): string {
  const served = kind.info.versions.filter((v) => v.served && registry.schemaAt(kind.info, v.name) && schemaAt(registry.schemaAt(kind.info, v.name)!, path));
  return `Served in: ${served.map((v) => `${v.name}${v.deprecated ? ' (deprecated)' : ''}`).join(', ')} · \`${kind.info.group}\``;
}

/** The facts of a value schema, in a line or two: its fields, allowed values, limits, rules. */
function valueFacts(s: SchemaNode): string[] {
  const lines: string[] = [];
  const fields = Object.keys(s.properties ?? {});
  if (fields.length) lines.push(`Fields of the value: ${fields.slice(0, 12).map((f) => `\`${f}\``).join(', ')}${fields.length > 12 ? ', …' : ''}`, '');
  if (s.enum?.length) lines.push(`Allowed values: ${s.enum.map((e) => `\`${String(e)}\``).join(', ')}`, '');
  const lim = limits(s);
  if (lim.length) lines.push(`Limits: ${lim.join(', ')}`, '');
  const rules = s['x-kubernetes-validations'] ?? [];
  if (rules.length) lines.push(`Rules: ${rules.map((r) => r.message ?? `\`${r.rule}\``).join('; ')}`, '');
  return lines;
}

/**
 * An entry of a map field (a header name under `headers:`, a label under `labels:`): the key is the user's, so
 * there is no field doc for it. Says what the entry is, what its value must be, and what the map is for.
 */
function mapEntryHoverMarkdown(registry: SchemaRegistry, kind: ResolvedKind, path: PathSeg[], value: SchemaNode): string {
  const key = String(path[path.length - 1]);
  const mapPath = path.slice(0, -1);
  const mapName = [...mapPath].reverse().find((p) => typeof p === 'string') ?? kind.info.kind;
  const docs = registry.kindDocs(kind.info.group, kind.info.kind);
  const common = registry.kindDocs('', '_common');
  const entryDoc = findFieldDoc(docs, common, docPath(kind.schema, path));
  const mapDoc = findFieldDoc(docs, common, docPath(kind.schema, mapPath));
  const lines: string[] = [`**${key}** · an entry of the map \`${String(mapName)}\` · value \`${typeLabel(value)}\``, ''];
  lines.push(`An entry of \`${String(mapName)}\`, not a field: the key is yours to choose, and its value is ${typeName(value, true)}.`, '');
  if (entryDoc?.doc) lines.push(entryDoc.doc.trim(), '');
  if (mapDoc?.doc) lines.push(`**${String(mapName)}**: ${mapDoc.doc.trim()}`, '');
  if (value.description) lines.push(`*From your CRD (${kind.source}):* ${value.description.trim()}`, '');
  const example = entryDoc?.example ?? mapDoc?.example;
  if (example) lines.push('```yaml', example, '```', '');
  lines.push(...valueFacts(value));
  lines.push(servedIn(registry, kind, mapPath), '');
  lines.push(`[Reference](${referenceUrl(registry, kind, entryDoc?.anchor ?? mapDoc?.anchor)})`);
  return lines.join('\n');
}


const STATUS_NOTE =
  'Set by the controller, not by you: it reports what the controller did with this resource (conditions, accepted parents, observed generation). Leave it out of your manifests; what you write here is ignored or overwritten.';

function statusHoverMarkdown(registry: SchemaRegistry, kind: ResolvedKind): string {
  return [`**status** · set by the controller`, '', STATUS_NOTE, '', `[Reference](${referenceUrl(registry, kind)})`].join('\n');
}

/** Renders the hover text for the field at `path` of a resolved kind. */
export function fieldHoverMarkdown(registry: SchemaRegistry, kind: ResolvedKind, path: PathSeg[]): string | undefined {
  const s = schemaAt(kind.schema, path);
  if (!s) return undefined;
  if (path.length === 1 && path[0] === 'status') return statusHoverMarkdown(registry, kind);
  const dp = docPath(kind.schema, path);
  const last = path[path.length - 1];
  if (typeof last === 'string' && dp.endsWith('{}')) return mapEntryHoverMarkdown(registry, kind, path, s);
  const docs: KindDocs | undefined = registry.kindDocs(kind.info.group, kind.info.kind);
  const common = registry.kindDocs('', '_common');
  const field = findFieldDoc(docs, common, dp);
  const name = [...path].reverse().find((p) => typeof p === 'string') ?? kind.info.kind;
  const lines: string[] = [];
  const req = isRequired(kind.schema, path);
  lines.push(`**${String(name)}** \`${typeLabel(s)}\` · ${req ? 'required' : 'optional'}${s.default !== undefined ? ` · default \`${JSON.stringify(s.default)}\`` : ''}`);
  lines.push('');
  if (field?.doc) lines.push(field.doc.trim(), '');
  if (s.description) lines.push(`*From your CRD (${kind.source}):* ${s.description.trim()}`, '');
  if (!field?.doc && !s.description) lines.push(`\`${dp}\` of ${kind.info.kind}.`, '');
  if (field?.example) lines.push('```yaml', field.example, '```', '');
  if (s.enum?.length) lines.push(`Allowed values: ${s.enum.map((e) => `\`${String(e)}\``).join(', ')}`, '');
  const lim = limits(s);
  if (lim.length) lines.push(`Limits: ${lim.join(', ')}`, '');
  const rules = s['x-kubernetes-validations'] ?? [];
  if (rules.length) lines.push(`Rules: ${rules.map((r) => r.message ?? `\`${r.rule}\``).join('; ')}`, '');
  lines.push(servedIn(registry, kind, path));
  lines.push('');
  lines.push(`[Reference](${referenceUrl(registry, kind, field?.anchor)})`);
  return lines.join('\n');
}

/**
 * A key the schema does not know (a misspelling, a field of another version or kind): says so, with the nearest
 * field, instead of no hover at all. Inside a free-form object (x-kubernetes-preserve-unknown-fields), says that
 * the value is kept as written. `present`: the keys beside the hovered key. Undefined when the path is known.
 */
export function unknownKeyHoverMarkdown(kind: ResolvedKind, path: PathSeg[], present: Set<string> = new Set()): string | undefined {
  let s: SchemaNode | undefined = kind.schema;
  for (let i = 0; i < path.length; i++) {
    const p = path[i];
    const next = schemaAt(s, [p]);
    if (next) {
      s = next;
      continue;
    }
    if (typeof p !== 'string') return undefined;
    if (path[0] === 'status') return [`**${String(path[path.length - 1])}** · part of \`status\``, '', STATUS_NOTE].join('\n');
    const where = i ? `\`${docPath(kind.schema, path.slice(0, i))}\`` : 'the top level';
    const hovered = String(path[path.length - 1]);
    const inside = i < path.length - 1 ? ` (inside \`${p}\`)` : '';
    if (s['x-kubernetes-preserve-unknown-fields'] || s.additionalProperties === true) {
      return [`**${hovered}**${inside} · free-form`, '', `${where} of ${kind.info.kind} accepts any field: this is kept as written and not checked against a schema.`].join('\n');
    }
    // the keys beside the hovered one are known only when it is the unknown key itself
    const beside = inside ? new Set<string>() : present;
    const candidates = Object.keys(s.properties ?? {}).filter((k) => !beside.has(k));
    const best = suggest(p, candidates, 1);
    const dym = best.length ? ` Did you mean \`${best[0]}\`?` : '';
    const known = candidates.length ? `\n\nOther fields at ${where}: ${candidates.slice(0, 15).map((k) => `\`${k}\``).join(', ')}${candidates.length > 15 ? ', …' : ''}` : '';
    return [
      `**${hovered}**${inside} · not a field of ${kind.info.kind}`,
      '',
      `${kind.info.kind} (\`${kind.info.group}/${kind.version.name}\`) has no field \`${p}\` at ${where}: the API server drops it, with everything below it.${dym}${known}`,
    ].join('\n');
  }
  return undefined;
}

function kindHoverMarkdown(registry: SchemaRegistry, kind: ResolvedKind): string {
  const preferred = registry.preferredVersion(kind.info);
  const versions = kind.info.versions
    .filter((v) => v.served)
    .map((v) => `${v.name}${v.name === preferred.name ? ' (current)' : ''}${v.deprecated ? ' (deprecated)' : ''}`);
  return [
    `**${kind.info.kind}** · \`${kind.info.group}/${kind.version.name}\` · ${kind.info.scope === 'Namespaced' ? 'namespaced' : 'cluster-scoped'}`,
    '',
    `Served versions: ${versions.join(', ')}`,
    `Schema: ${kind.source === 'bundled' ? 'bundled with the extension' : `from ${kind.source}`}`,
    '',
    `[Reference](${referenceUrl(registry, kind)})`,
  ].join('\n');
}

/** Hover at a file position. */
export function hover(registry: SchemaRegistry, file: SegmentedFile, pos: Pos): HoverResult | undefined {
  const seg = file.segmentAtLine(pos.line);
  if (!seg || seg.parsed.empty || !isMeshDocument(registry, seg.parsed)) return undefined;
  const p = seg.parsed;
  const found = registry.lookup(p.head.apiVersion, p.head.kind);
  if (found.status !== 'ok') return undefined;
  const offset = offsetAt(p.lineStarts, { line: pos.line - seg.startLine, character: pos.character }, p.text.length);
  const at = locate(p.doc.contents, offset);
  if (!at || !at.path.length) return undefined;
  const node = at.onKey ? at.key : at.value;
  if (!node?.range) return undefined;
  const range = shiftRange(segRange(p, node.range[0], node.range[1]), seg.startLine);
  if (at.path.length === 1 && (at.path[0] === 'kind' || at.path[0] === 'apiVersion')) {
    return { markdown: kindHoverMarkdown(registry, found.kind), range };
  }
  let md = fieldHoverMarkdown(registry, found.kind, at.path);
  if (!md) {
    const present = new Set(at.parent && isMap(at.parent) ? (at.parent.items as Pair[]).map((x) => (isScalar(x.key) ? String(x.key.value) : '')) : []);
    md = unknownKeyHoverMarkdown(found.kind, at.path, present);
    return md ? { markdown: md, range } : undefined;
  }
  if (!at.onKey && isScalar(node) && typeof node.value === 'string') {
    const s = schemaAt(found.kind.schema, at.path);
    if (s?.enum?.includes(node.value)) md = `Value \`${node.value}\` of:\n\n` + md;
  }
  return { markdown: md, range };
}
