/**
 * Maps a field path named by the API server (`spec.http[0].timeout`, SSA's `.spec.http`,
 * `spec.containers[name="app"].image`) to a range in the YAML text the resource came from,
 * using the `yaml` package's parse tree. Pure: text in, positions out.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Node, type Pair } from 'yaml';
import type { ApiStatus } from './errors';
import type { KubeObject, SourceLocation } from './types';

export type PathSegment = { key: string } | { index: number } | { match: { key: string; value: string } };

/** Parses `a.b[0].c`, `.a.b`, `a[name="x"].b`, `a[name=x]`. Returns undefined for an empty or malformed path. */
export function parseFieldPath(path: string): PathSegment[] | undefined {
  const segs: PathSegment[] = [];
  let i = path.startsWith('.') ? 1 : 0;
  let key = '';
  const flush = (): void => {
    if (key) segs.push({ key });
    key = '';
  };
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      flush();
      i++;
    } else if (c === '[') {
      flush();
      const close = path.indexOf(']', i);
      if (close < 0) return undefined;
      const inner = path.slice(i + 1, close);
      if (/^\d+$/.test(inner)) segs.push({ index: Number(inner) });
      else {
        const eq = inner.indexOf('=');
        if (eq <= 0) segs.push({ key: inner.replace(/^["']|["']$/g, '') });
        else segs.push({ match: { key: inner.slice(0, eq), value: inner.slice(eq + 1).replace(/^["']|["']$/g, '') } });
      }
      i = close + 1;
    } else {
      key += c;
      i++;
    }
  }
  flush();
  return segs.length > 0 ? segs : undefined;
}

export interface Position {
  line: number;
  character: number;
}
export interface TextRange {
  start: Position;
  end: Position;
}

export interface FieldLocation {
  range: TextRange;
  /** True when the whole path was found; false when the range is the deepest ancestor found. */
  exact: boolean;
  /** The part of the path that was found, e.g. `spec.http[0]` when `timeout` is missing. */
  found: string;
}

function segText(s: PathSegment): string {
  if ('key' in s) return `.${s.key}`;
  if ('index' in s) return `[${s.index}]`;
  return `[${s.match.key}="${s.match.value}"]`;
}

function scalarString(n: unknown): string | undefined {
  return isScalar(n) ? String(n.value) : undefined;
}

/**
 * The range of `path` inside the resource at `source` (document `docIndex`, List item `itemIndex`).
 * A scalar value is ranged itself; a mapping entry whose value is a collection is ranged on its key;
 * a sequence item that is a collection is ranged on its first line.
 */
export function locateField(source: Pick<SourceLocation, 'text' | 'docIndex' | 'itemIndex'>, path: string): FieldLocation | undefined {
  const lc = new LineCounter();
  const docs = parseAllDocuments(source.text, { lineCounter: lc, merge: true });
  if (!Array.isArray(docs)) return undefined;
  const doc = docs[source.docIndex];
  if (!doc) return undefined;
  let node: unknown = doc.contents;
  if (source.itemIndex !== undefined) {
    const items = isMap(node) ? node.get('items', true) : undefined;
    node = isSeq(items) ? items.items[source.itemIndex] : undefined;
  }
  if (!node) return undefined;
  const root = node as Node;
  const segs = parseFieldPath(path) ?? [];
  // Walk as deep as the path goes; remember the pair of the last key matched.
  let cur: unknown = root;
  let lastPair: Pair | undefined;
  let found = '';
  let matched = 0;
  for (const seg of segs) {
    let next: unknown;
    let pair: Pair | undefined;
    if ('key' in seg && isMap(cur)) {
      pair = cur.items.find((p) => isPair(p) && scalarString(p.key) === seg.key) as Pair | undefined;
      next = pair?.value;
    } else if ('index' in seg && isSeq(cur)) {
      next = cur.items[seg.index];
    } else if ('match' in seg && isSeq(cur)) {
      next = cur.items.find((it) => isMap(it) && scalarString(it.get(seg.match.key, true)) === seg.match.value);
    }
    if (!pair && next == null) break;
    matched++;
    found += segText(seg);
    lastPair = pair;
    cur = next;
    if (next == null) break; // a key with an empty value
  }
  const exact = segs.length > 0 && matched === segs.length;
  const firstLine = (n: Node): [number, number] | undefined => {
    if (!n.range) return undefined;
    const start = n.range[0];
    const nl = source.text.indexOf('\n', start);
    const end = Math.min(nl < 0 ? source.text.length : nl, n.range[1]);
    return [start, Math.max(end, start + 1)];
  };
  const range = ((): [number, number] | undefined => {
    if (cur && isScalar(cur) && cur.range) return [cur.range[0], cur.range[1]];
    if (lastPair && isScalar(lastPair.key) && lastPair.key.range) return [lastPair.key.range[0], lastPair.key.range[1]];
    if (cur && typeof cur === 'object') return firstLine(cur as Node);
    return firstLine(root);
  })();
  if (!range) return undefined;
  const a = lc.linePos(range[0]);
  const b = lc.linePos(range[1]);
  return {
    range: { start: { line: a.line - 1, character: a.col - 1 }, end: { line: b.line - 1, character: b.col - 1 } },
    exact,
    found: found.replace(/^\./, ''),
  };
}

/** Value at a path in a plain object (undefined when absent). */
export function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const seg of parseFieldPath(path) ?? []) {
    if (cur == null) return undefined;
    if ('key' in seg) cur = (cur as Record<string, unknown>)[seg.key];
    else if ('index' in seg) cur = Array.isArray(cur) ? cur[seg.index] : undefined;
    else cur = Array.isArray(cur) ? cur.find((it) => it && String((it as Record<string, unknown>)[seg.match.key]) === seg.match.value) : undefined;
  }
  return cur;
}

/**
 * Istio's validation webhook mostly answers in prose without a path. For its common messages,
 * find the field the message is about in the object that was sent.
 */
export function inferFieldPaths(message: string, obj: KubeObject): string[] {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const out: string[] = [];
  const weight = /total destination weight (-?\d+) != 100/.exec(message);
  if (weight) {
    const total = Number(weight[1]);
    for (const proto of ['http', 'tcp', 'tls']) {
      const routes = Array.isArray(spec[proto]) ? (spec[proto] as Record<string, unknown>[]) : [];
      routes.forEach((r, i) => {
        const dests = Array.isArray(r?.route) ? (r.route as Record<string, unknown>[]) : [];
        const sum = dests.reduce((s, d) => s + (typeof d?.weight === 'number' ? d.weight : 0), 0);
        if (dests.length > 1 && sum === total) {
          const j = dests.findIndex((d) => typeof d?.weight === 'number');
          out.push(`spec.${proto}[${i}].route[${Math.max(j, 0)}].weight`);
        }
      });
    }
  }
  if (/HTTP route, redirect or direct_response is required|HTTP route or redirect is required/.test(message)) {
    const http = Array.isArray(spec.http) ? (spec.http as Record<string, unknown>[]) : [];
    http.forEach((r, i) => {
      if (r && !r.route && !r.redirect && !r.directResponse && !r.delegate) out.push(`spec.http[${i}]`);
    });
  }
  const host = /short names? \(non FQDN\) (?:is|are) not allowed|wildcard.*not allowed in/i.exec(message);
  if (host && Array.isArray(spec.hosts)) out.push('spec.hosts');
  return out;
}

export interface FieldDiagnostic {
  /** File the diagnostic belongs to (SourceLocation.file). */
  file: string;
  range: TextRange;
  message: string;
  /** The path it is about, or undefined when it is on the resource as a whole. */
  path?: string;
}

/**
 * Diagnostics for an API error about a resource: one per field path the server named (or that
 * could be inferred from its message), else one on the resource's name.
 */
export function diagnosticsFor(
  source: SourceLocation,
  object: KubeObject,
  message: string,
  fieldPaths: string[],
  status?: ApiStatus,
): FieldDiagnostic[] {
  const paths = fieldPaths.length > 0 ? fieldPaths : inferFieldPaths(status?.message ?? message, object);
  const out: FieldDiagnostic[] = [];
  for (const p of paths) {
    const loc = locateField(source, p);
    if (!loc) continue;
    const cause = status?.details?.causes?.find((c) => c.field && c.field.replace(/^\./, '') === p)?.message;
    const text = cause ? `${p}: ${cause}` : message;
    out.push({ file: source.file, range: loc.range, message: loc.exact ? text : `${text} (at ${loc.found || 'the resource'}; ${p} is not in the file)`, path: p });
  }
  if (out.length === 0) {
    const loc = locateField(source, 'metadata.name') ?? locateField(source, 'kind');
    const range = loc?.range ?? { start: { line: source.line, character: 0 }, end: { line: source.line, character: 1 } };
    out.push({ file: source.file, range, message });
  }
  return out;
}
