/**
 * The JSON value of a YAML tree in one walk, for the trees most documents are made of: what the yaml library's
 * toJS gives (see plainValue in documents.ts), without its conversion context, its shape check and cycle check.
 */
import * as yaml from 'yaml';
import type { Node, Pair } from 'yaml';

// read once: in the esbuild bundle each named import of this CommonJS library is a getter call at every use
const { isMap, isPair, isScalar, isSeq } = yaml;

const MAP_TAG = 'tag:yaml.org,2002:map';
const SEQ_TAG = 'tag:yaml.org,2002:seq';
/** Returned by directValue for a tree it does not convert itself. */
const NOT_DIRECT = Symbol('not direct');
const MAX_DIRECT_DEPTH = 64;

/**
 * The JSON value of a tree without aliases, merge keys, collection keys, `__proto__` keys or tags of other types,
 * exactly as toJS gives it (keys as String(value), '' for a null key, a repeated key keeps its first place and
 * its last value). NOT_DIRECT for anything else.
 */
function directValue(node: Node | null | undefined, depth: number): unknown {
  if (node === null || node === undefined) return null;
  if (isScalar(node)) {
    const v = node.value;
    return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : NOT_DIRECT;
  }
  if (depth > MAX_DIRECT_DEPTH || (node.tag !== undefined && node.tag !== MAP_TAG && node.tag !== SEQ_TAG)) return NOT_DIRECT;
  if (isMap(node)) {
    if (node.tag === SEQ_TAG) return NOT_DIRECT;
    const out: Record<string, unknown> = {};
    for (const pair of node.items as Pair[]) {
      const k = pair.key as Node | null | undefined;
      let name: string;
      if (k === null || k === undefined) name = '';
      else if (!isScalar(k)) return NOT_DIRECT; // a collection or an alias as a key
      else {
        const kv = k.value;
        if (kv === null) name = '';
        else if (typeof kv === 'string') name = kv;
        else if (typeof kv === 'number' || typeof kv === 'boolean') name = String(kv);
        else return NOT_DIRECT; // a merge key (a symbol)
      }
      if (name === '<<' || name === '__proto__') return NOT_DIRECT;
      const v = directValue(pair.value as Node | null, depth + 1);
      if (v === NOT_DIRECT) return NOT_DIRECT;
      out[name] = v;
    }
    return out;
  }
  if (isSeq(node)) {
    if (node.tag === MAP_TAG) return NOT_DIRECT;
    const out: unknown[] = [];
    for (const item of node.items) {
      if (isPair(item)) return NOT_DIRECT;
      const v = directValue(item as Node | null, depth + 1);
      if (v === NOT_DIRECT) return NOT_DIRECT;
      out.push(v);
    }
    return out;
  }
  return NOT_DIRECT; // an alias
}

/**
 * The JSON value of a node (a document's contents or any node below), or undefined when the tree needs the
 * yaml library's own conversion (aliases, merge keys, collection keys, custom tags, `__proto__`, deep nesting):
 * callers then use plainValue. Where it gives a value, it is the one plainValue gives (test/unit/perf-cel-memo).
 */
export function directPlainValue(node: Node | null | undefined): unknown {
  if (node === null || node === undefined) return undefined;
  const v = directValue(node, 0);
  return v === NOT_DIRECT ? undefined : v;
}
