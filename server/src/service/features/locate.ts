import { isMap, isScalar, isSeq, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { PathSeg } from '../model';
import type { SchemaNode } from '../schema/types';

export interface Located {
  /** Path of the value at the offset (for a key, the path of that key's value). */
  path: PathSeg[];
  /** The key scalar when the offset is on a key. */
  key?: Scalar;
  /** The value node at the offset, when on a value. */
  value?: Node;
  /** The mapping that owns the key/value, if any. */
  parent?: YAMLMap;
  onKey: boolean;
}

function contains(node: Node | null | undefined, offset: number): boolean {
  return !!node?.range && node.range[0] <= offset && offset <= node.range[1];
}

/** Finds the innermost key or value at a segment offset, with its path from the document root. */
export function locate(root: Node | null | undefined, offset: number): Located | undefined {
  let node = root;
  const path: PathSeg[] = [];
  let parent: YAMLMap | undefined;
  for (let guard = 0; node && guard < 500; guard++) {
    if (isMap(node)) {
      let next: Node | undefined;
      for (const pair of node.items as Pair[]) {
        const k = pair.key as Node | null;
        const v = pair.value as Node | null;
        if (isScalar(k) && contains(k, offset)) {
          return { path: [...path, String(k.value)], key: k, parent: node, onKey: true };
        }
        if (v && contains(v, offset) && isScalar(k)) {
          path.push(String(k.value));
          parent = node;
          next = v;
          break;
        }
      }
      if (!next) return undefined;
      node = next;
      if (isScalar(node)) return { path, value: node, parent, onKey: false };
    } else if (isSeq(node)) {
      let next: Node | undefined;
      node.items.forEach((item, i) => {
        if (!next && contains(item as Node, offset)) {
          path.push(i);
          next = item as Node;
        }
      });
      if (!next) return undefined;
      node = next;
      if (isScalar(node)) return { path, value: node, parent: undefined, onKey: false };
    } else {
      return { path, value: node, parent, onKey: false };
    }
  }
  return undefined;
}

/** Walks a schema along a path; array indexes go to `items`, unknown keys to `additionalProperties`. */
export function schemaAt(root: SchemaNode, path: PathSeg[]): SchemaNode | undefined {
  let s: SchemaNode | undefined = root;
  for (const p of path) {
    if (!s) return undefined;
    if (typeof p === 'number') s = s.items;
    else s = s.properties?.[p] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
  }
  return s;
}

/** The docs key of a path: `spec.http[].route[].destination.host`, map values as `{}`. */
export function docPath(root: SchemaNode, path: PathSeg[]): string {
  let s: SchemaNode | undefined = root;
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') {
      out += '[]';
      s = s?.items;
    } else if (s?.properties?.[p]) {
      out += out ? `.${p}` : p;
      s = s.properties[p];
    } else {
      out += '{}';
      s = typeof s?.additionalProperties === 'object' ? s.additionalProperties : undefined;
    }
  }
  return out;
}
