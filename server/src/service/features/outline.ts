import { isMap, isSeq, type Node, type Pair } from 'yaml';
import { segRange, shiftRange, type SegmentedFile } from '../documents';
import type { Rng } from '../text';

export interface OutlineSymbol {
  name: string;
  detail: string;
  range: Rng;
  selectionRange: Rng;
}

/** One symbol per non-empty document: "Kind name", with apiVersion and namespace as detail. */
export function outline(file: SegmentedFile): OutlineSymbol[] {
  const out: OutlineSymbol[] = [];
  for (const s of file.segments) {
    const p = s.parsed;
    if (p.empty) continue;
    const h = p.head;
    const contents = p.doc.contents as Node | null;
    if (!contents?.range) continue;
    const range = shiftRange(segRange(p, contents.range[0], contents.range[1]), s.startLine);
    const sel = h.kindNode?.range ? shiftRange(segRange(p, h.kindNode.range[0], h.kindNode.range[1]), s.startLine) : { start: range.start, end: range.start };
    const name = `${h.kind ?? 'document'}${h.name ? ` ${h.name}` : ''}`;
    const detail = [h.namespace ? `ns ${h.namespace}` : '', h.apiVersion ?? ''].filter(Boolean).join(' · ');
    out.push({ name, detail, range, selectionRange: sel });
  }
  return out;
}

export interface Fold {
  startLine: number;
  endLine: number;
}

/** Folding: every document, and every block mapping or list that spans several lines. */
export function folding(file: SegmentedFile): Fold[] {
  const out: Fold[] = [];
  for (const s of file.segments) {
    const p = s.parsed;
    if (p.empty) continue;
    const docEnd = p.lineStarts.length - 1;
    let last = docEnd;
    while (last > 0 && p.lineStarts[last] >= p.text.length) last--;
    if (last > 0) out.push({ startLine: s.startLine, endLine: s.startLine + last - (p.text.endsWith('\n') ? 0 : 0) });
    const visit = (node: Node | null | undefined, keyLine: number | undefined, depth: number): void => {
      if (!node || depth > 100) return;
      if (isMap(node) || isSeq(node)) {
        if (node.range && keyLine !== undefined) {
          const endOff = Math.max(node.range[0], (node.range[1] || node.range[0]) - 1);
          const end = segRange(p, endOff, endOff).start.line;
          if (end > keyLine) out.push({ startLine: s.startLine + keyLine, endLine: s.startLine + end });
        }
        const items = node.items as Array<Pair | Node>;
        for (const it of items) {
          if (isMap(node)) {
            const pair = it as Pair;
            const k = pair.key as Node | null;
            const line = k?.range ? segRange(p, k.range[0], k.range[0]).start.line : undefined;
            visit(pair.value as Node, line, depth + 1);
          } else {
            const n = it as Node;
            const line = n.range ? segRange(p, n.range[0], n.range[0]).start.line : undefined;
            visit(n, isMap(n) ? undefined : line, depth + 1);
          }
        }
      }
    };
    visit(p.doc.contents as Node, undefined, 0);
  }
  return out.filter((f) => f.endLine > f.startLine);
}
