import type { YAMLError } from 'yaml';
import { segRange, shiftRange, type ParsedSegment, type SegmentedFile } from '../documents';
import type { Fix, MeshDiagnostic, ResourceRef } from '../model';
import type { ResolvedKind, SchemaRegistry } from '../schema/registry';
import type { KindInfo } from '../schema/types';
import { validateDocument } from '../schema/validate';
import { suggest, type Rng } from '../text';

export interface FileDiagnostic extends MeshDiagnostic {
  resource: ResourceRef;
}

/**
 * Is this document one of ours: a mesh group (with or without a version), or a kind only mesh groups define under
 * a group that certainly does not define it (`apiVersion: v1` with `kind: VirtualService`, see
 * SchemaRegistry.misplacedKind)? Plain Kubernetes objects (Deployment, Service...) and other CRDs are not.
 */
export function isMeshDocument(registry: SchemaRegistry, seg: ParsedSegment): boolean {
  let { apiVersion, kind } = seg.head;
  // A syntax error can hide the head from the parser: read apiVersion and kind from the text instead.
  if (!apiVersion && seg.doc.errors.length) apiVersion = /^apiVersion:[ \t]*["']?([^\s"'#]+)/m.exec(seg.text)?.[1];
  if (!kind && seg.doc.errors.length) kind = /^kind:[ \t]*["']?([^\s"'#]+)/m.exec(seg.text)?.[1];
  if (!apiVersion) return false;
  return registry.isMeshApiVersion(apiVersion) || registry.lookup(apiVersion, kind).status === 'wrong-group';
}

function yamlErrorDiagnostic(seg: ParsedSegment, e: YAMLError, severity: 'error' | 'warning'): MeshDiagnostic {
  const [start, end] = e.pos;
  const dup = e.code === 'DUPLICATE_KEY';
  let range = segRange(seg, start, Math.max(end, start + 1));
  if (range.end.line > range.start.line) range = { start: range.start, end: { line: range.start.line, character: range.start.character + 1 } };
  const message = dup ? 'Duplicate key: this key is already set above in the same mapping (the last one would silently win).' : e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return { range, severity, rule: dup ? 'yaml/duplicate-key' : 'yaml/syntax', message };
}

function apiVersionFix(range: Rng, group: string, version: string, preferred = true): Fix {
  return { title: `Change to ${group}/${version}`, edits: [{ range, newText: `${group}/${version}` }], preferred };
}

const FAMILY_LABEL: Record<string, string> = { istio: 'Istio', linkerd: 'Linkerd', 'gateway-api': 'Gateway API', smi: 'SMI', other: 'custom' };

function quoteList(items: string[], conj = 'or'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conj} ${items[items.length - 1]}`;
}

/**
 * A mesh kind under a group that does not define it (`apiVersion: v1`, `networking.k8s.io/v1`, `istio.io/v1`
 * with `kind: VirtualService`): reported on apiVersion, with a fix to each group that defines the kind.
 */
function wrongGroupDiagnostic(registry: SchemaRegistry, apiVersion: string, group: string, kind: string, candidates: KindInfo[], range: Rng): MeshDiagnostic {
  const targets = candidates.map((c) => ({ info: c, version: registry.preferredVersion(c).name }));
  const where = group ? `The API group ${group}` : `"${apiVersion}" (the core Kubernetes API group)`;
  const at =
    targets.length === 1
      ? `${kind} is ${/^(Istio|SMI)$/.test(FAMILY_LABEL[targets[0].info.family] ?? '') ? 'an' : 'a'} ${FAMILY_LABEL[targets[0].info.family] ?? ''} kind, served at ${targets[0].info.group}/${targets[0].version}`
      : `${kind} is served at ${quoteList(targets.map((t) => `${t.info.group}/${t.version} (${FAMILY_LABEL[t.info.family] ?? t.info.family})`))}`;
  return {
    range,
    severity: 'error',
    rule: 'schema/wrong-api-group',
    message: `${where} has no kind ${kind}, so the cluster would reject this document ("no matches for kind"): ${at.replace(/ {2,}/g, ' ')}.`,
    fixes: targets.map((t) => apiVersionFix(range, t.info.group, t.version, targets.length === 1)),
  };
}

/** The kind a wrong or incomplete apiVersion most likely meant, at its current version, when there is one. */
function assumedKind(registry: SchemaRegistry, info: KindInfo | undefined): ResolvedKind | undefined {
  if (!info) return undefined;
  const found = registry.lookup(`${info.group}/${registry.preferredVersion(info).name}`, info.kind);
  return found.status === 'ok' ? found.kind : undefined;
}

/**
 * Diagnostics of one document, in segment-relative positions. Cached on the parsed segment per schema
 * generation, so unchanged documents cost nothing on an edit elsewhere in the file.
 */
export function segmentDiagnostics(registry: SchemaRegistry, seg: ParsedSegment): MeshDiagnostic[] {
  const cacheKey = `diag:${registry.generation}`;
  const cached = seg.cache.get(cacheKey) as MeshDiagnostic[] | undefined;
  if (cached) return cached;
  if (seg.cache.size) for (const k of [...seg.cache.keys()]) if (k.startsWith('diag:')) seg.cache.delete(k);
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
  if (seg.doc.errors.length || seg.doc.warnings.length) {
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
  }
  const { apiVersion, kind, apiVersionNode, kindNode } = seg.head;
  const found = registry.lookup(apiVersion, kind);
  const avRange = apiVersionNode?.range ? segRange(seg, apiVersionNode.range[0], apiVersionNode.range[1]) : segRange(seg, 0, 0);
  const kindRange = kindNode?.range ? segRange(seg, kindNode.range[0], kindNode.range[1]) : avRange;
  const body = (kind: ResolvedKind | undefined): MeshDiagnostic[] => {
    // not push(...list): a document can have more findings than a call can take arguments (a stack overflow)
    if (kind) for (const d of validateDocument(seg, kind.schema, { maxDiagnostics: Math.max(1, MAX_DOCUMENT_DIAGNOSTICS - out.length) })) out.push(d);
    return out;
  };
  switch (found.status) {
    case 'not-mesh':
      if (!kind && apiVersion) {
        out.push({ range: avRange, severity: 'error', rule: 'schema/required', message: 'Missing required field "kind".' });
      }
      return out;
    case 'wrong-group': {
      out.push(wrongGroupDiagnostic(registry, apiVersion!, found.group, found.kind, found.candidates, avRange));
      // the body is checked as the kind it most likely is, when that is clear
      return body(found.candidates.length === 1 ? assumedKind(registry, found.candidates[0]) : undefined);
    }
    case 'missing-version': {
      const info = found.info;
      if (!info) {
        const inGroup = registry.kinds().filter((k) => k.group === found.group).map((k) => k.kind);
        const known = inGroup.length ? ` Known kinds: ${inGroup.join(', ')}.` : '';
        out.push({ range: avRange, severity: 'error', rule: 'schema/unknown-version', message: `apiVersion "${apiVersion}" has no version (group/version), and ${found.group} has no kind "${kind}".${known}` });
        return out;
      }
      const preferred = registry.preferredVersion(info);
      const served = info.versions.filter((v) => v.served).map((v) => v.name);
      out.push({
        range: avRange,
        severity: 'error',
        rule: 'schema/unknown-version',
        message: `apiVersion "${apiVersion}" has no version: write ${info.group}/${preferred.name} (the current version of ${info.kind}; served: ${served.join(', ')}).`,
        fixes: [apiVersionFix(avRange, info.group, preferred.name)],
      });
      return body(assumedKind(registry, info));
    }
    case 'unknown-kind': {
      if (found.elsewhere.length) {
        const sorted = [...found.elsewhere].sort((a, b) => (a.family === 'gateway-api' ? -1 : b.family === 'gateway-api' ? 1 : a.group.localeCompare(b.group)));
        out.push(wrongGroupDiagnostic(registry, apiVersion!, found.group, kind!, sorted, avRange));
        return body(sorted.length === 1 ? assumedKind(registry, sorted[0]) : undefined);
      }
      const best = suggest(kind ?? '', found.suggestions, 3);
      const fixes: Fix[] = best.map((b, i) => ({ title: `Change to ${b}`, edits: [{ range: kindRange, newText: b }], preferred: i === 0 }));
      const dym = best.length ? ` Did you mean "${best[0]}"?` : '';
      let known = ` Known kinds: ${found.suggestions.join(', ')}.`;
      if (!found.suggestions.length) {
        // a group of a mesh family that defines no kind (istio.io): name the groups that do
        const family = registry.kinds().find((k) => k.group.endsWith('.' + found.group) || found.group.endsWith('.' + k.group))?.family;
        const groups = [...new Set(registry.kinds().filter((k) => family && k.family === family).map((k) => k.group))].sort();
        known = ` No mesh schema defines a kind in ${found.group}${groups.length ? `; the ${FAMILY_LABEL[family!]} groups are ${groups.join(', ')}` : ''}.`;
      }
      out.push({
        range: kindRange,
        severity: 'error',
        rule: 'schema/unknown-kind',
        message: `${found.group} has no kind "${kind}".${known}${dym}`,
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
  const { info, version } = found.kind;
  const preferred = registry.preferredVersion(info);
  if (version.deprecated) {
    // Our own words, naming the version the fix moves to: the CRD's deprecationWarning can name a version that is
    // itself deprecated (Linkerd's v1alpha1 Server says "use v1beta1", deprecated as well).
    const current = preferred.name !== version.name && !preferred.deprecated;
    out.push({
      range: avRange,
      severity: 'warning',
      rule: 'schema/deprecated-version',
      message: current
        ? `${info.group}/${version.name} ${info.kind} is deprecated: use ${info.group}/${preferred.name}, the current version.`
        : `${info.group}/${version.name} ${info.kind} is deprecated, and no newer version is served.`,
      ...(current ? { fixes: [apiVersionFix(avRange, info.group, preferred.name)] } : {}),
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
  return body(found.kind);
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
