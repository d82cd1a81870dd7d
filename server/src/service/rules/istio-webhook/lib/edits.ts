import { isMap, type Node } from 'yaml';
import { segRange, shiftRange } from '../../../documents';
import type { Fix, PathSeg } from '../../../model';
import type { Pos } from '../../../text';
import type { Resource } from '../../../workspace';
import { nodeAtPath } from '../../locate';

/**
 * Fix helpers the shared `fixes.ts` builders do not cover: removing a map entry, and merging the edits of
 * several builders into one fix. Like the shared builders they return undefined when the YAML shape is not
 * a plain block mapping, so a rule only offers a fix it can apply safely.
 */

type Edit = Fix['edits'][number];

/** Removes the `key: value` entry at `path` (whole lines). When it is the only entry of its map, removes the map's own entry. */
export function removeEntry(res: Resource, path: PathSeg[]): Edit | undefined {
  if (!path.length || typeof path[path.length - 1] !== 'string') return undefined;
  const parent = nodeAtPath(res, path.slice(0, -1));
  if (!parent.complete || !isMap(parent.value) || parent.value.flow) return undefined;
  if (parent.value.items.length === 1 && path.length >= 2 && typeof path[path.length - 2] === 'string') {
    return removeEntry(res, path.slice(0, -1));
  }
  const at = nodeAtPath(res, path);
  if (!at.complete || !at.key?.range) return undefined;
  const text = res.seg.text;
  const keyStart = at.key.range[0];
  const lineStart = text.lastIndexOf('\n', keyStart - 1) + 1;
  if (text.slice(lineStart, keyStart).trim() !== '') return undefined; // `- key: v` or a flow map: not a whole line
  let end = (at.value as Node | undefined)?.range?.[1] ?? at.key.range[1];
  while (end > keyStart && /\s/.test(text[end - 1])) end--;
  const nl = text.indexOf('\n', end);
  end = nl < 0 ? text.length : nl + 1;
  return { range: shiftRange(segRange(res.seg, lineStart, end), res.startLine), newText: '' };
}

function before(a: Pos, b: Pos): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

/** One fix made of the edits of several parts; undefined when a part is missing or two edits touch. */
export function combine(title: string, parts: Array<Edit | Fix | undefined>): Fix | undefined {
  const edits: Edit[] = [];
  for (const p of parts) {
    if (!p) return undefined;
    if ('edits' in p) edits.push(...p.edits);
    else edits.push(p);
  }
  for (let i = 0; i < edits.length; i++) {
    for (let j = i + 1; j < edits.length; j++) {
      const a = edits[i].range;
      const b = edits[j].range;
      // edits must be strictly apart: a ends before b starts, or b ends before a starts
      if (!before(a.end, b.start) && !before(b.end, a.start)) return undefined;
    }
  }
  return { title, edits };
}
