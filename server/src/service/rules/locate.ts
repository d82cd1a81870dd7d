import { isMap, isScalar, isSeq, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { segRange, shiftRange } from '../documents';
import type { PathSeg } from '../model';
import type { Rng } from '../text';
import type { Resource } from '../workspace';

export interface PathNode {
  /** The deepest node reached along the path (the value), and the key that led to it. */
  value?: Node;
  key?: Scalar;
  /** True when the whole path was found. */
  complete: boolean;
  /** How many path segments were found. */
  depth: number;
}

/** Walks a resource's YAML tree along a path. */
export function nodeAtPath(res: Resource, path: PathSeg[]): PathNode {
  let node = res.seg.doc.contents as Node | null;
  let key: Scalar | undefined;
  let depth = 0;
  for (const p of path) {
    if (typeof p === 'number') {
      if (!isSeq(node) || !node.items[p]) break;
      node = node.items[p] as Node;
      key = undefined;
    } else {
      if (!isMap(node)) break;
      const pair = (node.items as Pair[]).find((x) => isScalar(x.key) && String(x.key.value) === p);
      if (!pair) break;
      key = pair.key as Scalar;
      node = pair.value as Node | null;
    }
    depth++;
  }
  return { value: node ?? undefined, key, complete: depth === path.length, depth };
}

function firstLine(res: Resource, node: Node): Rng {
  const [start, end] = node.range!;
  const text = res.seg.text;
  let stop = text.indexOf('\n', start);
  if (stop < 0 || stop > end) stop = end;
  if (isMap(node) && node.items.length && isScalar(node.items[0].key) && node.items[0].key.range) {
    const k = node.items[0].key.range;
    return segRange(res.seg, k[0], k[1]);
  }
  return segRange(res.seg, start, Math.max(start, stop));
}

/** File range of a finding: the key or value at the path (or the nearest existing ancestor). */
export function findingRange(res: Resource, path: PathSeg[], on: 'key' | 'value' | undefined): Rng {
  const at = nodeAtPath(res, path);
  let r: Rng | undefined;
  const wantValue = on === 'value' || (on === undefined && !at.key);
  if (wantValue && at.value?.range && at.complete) {
    r = isMap(at.value) || isSeq(at.value) ? firstLine(res, at.value) : segRange(res.seg, at.value.range[0], at.value.range[1]);
  } else if (at.key?.range) {
    r = segRange(res.seg, at.key.range[0], at.key.range[1]);
  } else if (at.value?.range) {
    r = firstLine(res, at.value);
  }
  if (!r) {
    const kindNode = res.seg.head.kindNode;
    r = kindNode?.range ? segRange(res.seg, kindNode.range[0], kindNode.range[1]) : segRange(res.seg, 0, 0);
  }
  return shiftRange(r, res.startLine);
}

/** Column of the keys of a block mapping (for inserting a sibling), or undefined for flow/empty maps. */
export function mapKeyColumn(res: Resource, map: YAMLMap): number | undefined {
  if (map.flow || !map.items.length) return undefined;
  const k = map.items[0].key as Node | null;
  if (!k?.range) return undefined;
  const text = res.seg.text;
  const lineStart = text.lastIndexOf('\n', k.range[0] - 1) + 1;
  return k.range[0] - lineStart;
}
