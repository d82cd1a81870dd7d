import type { YAMLError } from 'yaml';
import { segRange, shiftRange, type ParsedSegment, type SegmentedFile } from '../documents';
import type { Fix, MeshDiagnostic, ResourceRef } from '../model';
import { splitApiVersion, type SchemaRegistry } from '../schema/registry';
import { validateDocument } from '../schema/validate';
import { suggest, type Rng } from '../text';

export interface FileDiagnostic extends MeshDiagnostic {
  resource: ResourceRef;
}

/** Is this document one of ours (a mesh group, or a kind only mesh groups define)? */
export function isMeshDocument(registry: SchemaRegistry, seg: ParsedSegment): boolean {
  let { apiVersion } = seg.head;
  // A syntax error can hide the head from the parser: read apiVersion from the text instead.
  if (!apiVersion && seg.doc.errors.length) apiVersion = /^apiVersion:[ \t]*["']?([^\s"'#]+)/m.exec(seg.text)?.[1];
  if (apiVersion) {
    const { group } = splitApiVersion(apiVersion);
    return !!group && registry.isMeshGroup(group);
  }
  return false;
}

function yamlErrorDiagnostic(seg: ParsedSegment, e: YAMLError, severity: 'error' | 'warning'): MeshDiagnostic {
  const [start, end] = e.pos;
  const dup = e.code === 'DUPLICATE_KEY';
  let range = segRange(seg, start, Math.max(end, start + 1));
  if (range.end.line > range.start.line) range = { start: range.start, end: { line: range.start.line, character: range.start.character + 1 } };
  const message = dup ? 'Duplicate key: this key is already set above in the same mapping (the last one would silently win).' : e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return { range, severity, rule: dup ? 'yaml/duplicate-key' : 'yaml/syntax', message };
}

function apiVersionFix(range: Rng, group: string, version: string): Fix {
  return { title: `Change to ${group}/${version}`, edits: [{ range, newText: `${group}/${version}` }], preferred: true };
}

/**
 * Diagnostics of one document, in segment-relative positions. Cached on the parsed segment per schema
 * generation, so unchanged documents cost nothing on an edit elsewhere in the file.
 */
export function segmentDiagnostics(registry: SchemaRegistry, seg: ParsedSegment): MeshDiagnostic[] {
  const cacheKey = `diag:${registry.generation}`;
  const cached = seg.cache.get(cacheKey) as MeshDiagnostic[] | undefined;
  if (cached) return cached;
  for (const k of [...seg.cache.keys()]) if (k.startsWith('diag:')) seg.cache.delete(k);
  const out = computeSegmentDiagnostics(registry, seg);
  seg.cache.set(cacheKey, out);
  return out;
}

/**
 * At most this many problems are reported per document (then one diagnostic says the rest are not shown): a
 * generated file can have hundreds of thousands, which no editor can show and which make a message of tens of MB.
 */
export const MAX_DOCUMENT_DIAGNOSTICS = 1000;

function computeSegmentDiagnostics(registry: SchemaRegistry, seg: ParsedSegment): MeshDiagnostic[] {
  if (seg.empty || !isMeshDocument(registry, seg)) return [];
  const out: MeshDiagnostic[] = [];
  const problems = [...seg.doc.errors.map((e) => [e, 'error'] as const), ...seg.doc.warnings.map((w) => [w, 'warning'] as const)];
  for (const [e, severity] of problems.slice(0, MAX_DOCUMENT_DIAGNOSTICS)) out.push(yamlErrorDiagnostic(seg, e, severity));
  if (problems.length > MAX_DOCUMENT_DIAGNOSTICS) {
    out.push({
      range: segRange(seg, 0, 0),
      severity: 'info',
      rule: 'limits/reduced-analysis',
      message: `Reduced analysis: this document has ${problems.length} YAML problems; only the first ${MAX_DOCUMENT_DIAGNOSTICS} are shown.`,
    });
  }
  // Syntax errors make the tree unreliable: report them alone (duplicate keys are not syntax errors).
  if (out.some((d) => d.rule === 'yaml/syntax')) return out;
  const { apiVersion, kind, apiVersionNode, kindNode } = seg.head;
  const found = registry.lookup(apiVersion, kind);
  const avRange = apiVersionNode?.range ? segRange(seg, apiVersionNode.range[0], apiVersionNode.range[1]) : segRange(seg, 0, 0);
  const kindRange = kindNode?.range ? segRange(seg, kindNode.range[0], kindNode.range[1]) : avRange;
  switch (found.status) {
    case 'not-mesh':
      if (!kind && apiVersion) {
        out.push({ range: avRange, severity: 'error', rule: 'schema/required', message: 'Missing required field "kind".' });
      }
      return out;
    case 'unknown-kind': {
      const best = suggest(kind ?? '', found.suggestions, 3);
      const fixes: Fix[] = best.map((b, i) => ({ title: `Change to ${b}`, edits: [{ range: kindRange, newText: b }], preferred: i === 0 }));
      const dym = best.length ? ` Did you mean "${best[0]}"?` : '';
      out.push({
        range: kindRange,
        severity: 'error',
        rule: 'schema/unknown-kind',
        message: `${found.group} has no kind "${kind}". Known kinds: ${found.suggestions.join(', ')}.${dym}`,
        fixes,
      });
      return out;
    }
    case 'unknown-version': {
      const served = found.info.versions.filter((v) => v.served).map((v) => v.name);
      const preferred = registry.preferredVersion(found.info);
      out.push({
        range: avRange,
        severity: 'error',
        rule: 'schema/unknown-version',
        message: `${found.info.group}/${found.version} does not serve ${found.info.kind}. Served versions: ${served.join(', ')}.`,
        fixes: [apiVersionFix(avRange, found.info.group, preferred.name)],
      });
      return out;
    }
    case 'ok':
      break;
  }
  const { info, version, schema } = found.kind;
  const preferred = registry.preferredVersion(info);
  if (version.deprecated) {
    const msg = version.deprecationWarning ?? `${info.group}/${version.name} ${info.kind} is deprecated`;
    out.push({
      range: avRange,
      severity: 'warning',
      rule: 'schema/deprecated-version',
      message: /\buse\b/i.test(msg) ? msg : `${msg.replace(/\.$/, '')}. Use ${info.group}/${preferred.name}.`,
      fixes: [apiVersionFix(avRange, info.group, preferred.name)],
    });
  } else if (preferred.name !== version.name && info.family === 'istio') {
    out.push({
      range: avRange,
      severity: 'info',
      rule: 'schema/superseded-version',
      message: `${info.kind} is served at ${info.group}/${preferred.name}; ${version.name} is an older version kept for compatibility.`,
      fixes: [apiVersionFix(avRange, info.group, preferred.name)],
    });
  }
  // not push(...list): a document can have more findings than a call can take arguments (a stack overflow)
  for (const d of validateDocument(seg, schema, { maxDiagnostics: Math.max(1, MAX_DOCUMENT_DIAGNOSTICS - out.length) })) out.push(d);
  return out;
}

export function resourceRef(seg: ParsedSegment): ResourceRef {
  const h = seg.head;
  return { apiVersion: h.apiVersion ?? null, kind: h.kind ?? null, namespace: h.namespace ?? null, name: h.name ?? null };
}

/** Diagnostics of a whole file in file positions. */
export function fileDiagnostics(registry: SchemaRegistry, file: SegmentedFile): FileDiagnostic[] {
  const out: FileDiagnostic[] = [];
  for (const s of file.segments) {
    const diags = segmentDiagnostics(registry, s.parsed);
    if (!diags.length) continue;
    const resource = resourceRef(s.parsed);
    for (const d of diags) {
      const shifted: FileDiagnostic = { ...d, range: shiftRange(d.range, s.startLine), resource };
      if (d.fixes) {
        shifted.fixes = d.fixes.map((f) => ({ ...f, edits: f.edits.map((e) => ({ range: shiftRange(e.range, s.startLine), newText: e.newText })) }));
      }
      out.push(shifted);
    }
  }
  return out;
}
