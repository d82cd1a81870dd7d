import { isMap, isSeq, type Node, type YAMLMap } from 'yaml';
import { segRange, shiftRange } from '../documents';
import type { Fix, PathSeg } from '../model';
import type { Rng } from '../text';
import type { Resource } from '../workspace';
import { mapKeyColumn, nodeAtPath } from './locate';

/**
 * Builders of quick-fix edits on a resource, in file positions. Each returns undefined when the YAML has a
 * shape the builder does not handle (flow style, missing parent), so rules can offer the fix only when it is safe.
 */

function fileRange(res: Resource, start: number, end: number): Rng {
  return shiftRange(segRange(res.seg, start, end), res.startLine);
}

/** Replaces the value at a path with YAML text (a scalar or a flow collection). */
export function replaceValue(res: Resource, path: PathSeg[], newText: string, title: string): Fix | undefined {
  const at = nodeAtPath(res, path);
  if (!at.complete || !at.value?.range) return undefined;
  return { title, edits: [{ range: fileRange(res, at.value.range[0], at.value.range[1]), newText }] };
}

/** Renames the key at the end of a path. */
export function renameKey(res: Resource, path: PathSeg[], newKey: string, title: string): Fix | undefined {
  const at = nodeAtPath(res, path);
  if (!at.complete || !at.key?.range) return undefined;
  return { title, edits: [{ range: fileRange(res, at.key.range[0], at.key.range[1]), newText: newKey }] };
}

/** Indents every line after the first by `n` spaces. */
function indentBody(text: string, n: number): string {
  return text.replace(/\n/g, '\n' + ' '.repeat(n));
}

function endOfNode(res: Resource, node: Node): number {
  let at = node.range![1];
  const text = res.seg.text;
  // the parser's range may include trailing newlines or comments: back up to the end of the last content line
  while (at > node.range![0] && /\s/.test(text[at - 1])) at--;
  return at;
}

/**
 * Sets `key` in the block mapping at `mapPath` to `value`: YAML text for the value, either one line
 * (`5s`, `[a, b]`) or a block starting with a newline (`\nhost: x\nsubset: v1`), indented relative to the key.
 * Missing parent mappings along `mapPath` are created.
 */
export function setField(res: Resource, mapPath: PathSeg[], key: string, value: string, title: string): Fix | undefined {
  const at = nodeAtPath(res, mapPath);
  if (!at.complete) {
    // create the missing tail of the path as nested mappings
    const missing = mapPath.slice(at.depth);
    if (missing.some((p) => typeof p === 'number')) return undefined;
    let nested = `${key}:${value.startsWith('\n') ? '' : ' '}${value}`;
    for (let i = missing.length - 1; i >= 1; i--) nested = `${String(missing[i])}:\n${indentBlock(nested, 2)}`;
    return setField(res, mapPath.slice(0, at.depth), String(missing[0]), '\n' + nested, title);
  }
  const map = at.value;
  if (!isMap(map) || !map.range) return undefined;
  const col = mapKeyColumn(res, map as YAMLMap);
  if (col === undefined) return undefined;
  const existing = nodeAtPath(res, [...mapPath, key]);
  const body = `${key}:${value.startsWith('\n') ? '' : ' '}${indentBody(value, 2)}`;
  if (existing.complete && existing.key?.range && existing.value?.range) {
    const start = existing.key.range[0];
    const end = endOfNode(res, existing.value);
    return { title, edits: [{ range: fileRange(res, start, end), newText: indentBody(body, col) }] };
  }
  const end = endOfNode(res, map);
  return { title, edits: [{ range: fileRange(res, end, end), newText: '\n' + ' '.repeat(col) + indentBody(body, col) }] };
}

function indentBlock(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => (l ? ' '.repeat(n) + l : l))
    .join('\n');
}

/** Appends an item (YAML text of a mapping, block style) to the block sequence at `seqPath`. */
export function appendItem(res: Resource, seqPath: PathSeg[], item: string, title: string): Fix | undefined {
  const at = nodeAtPath(res, seqPath);
  if (!at.complete || !isSeq(at.value) || at.value.flow || !at.value.items.length) return undefined;
  const first = at.value.items[0] as Node;
  if (!first?.range) return undefined;
  const text = res.seg.text;
  const dash = text.lastIndexOf('-', first.range[0]);
  const lineStart = text.lastIndexOf('\n', dash - 1) + 1;
  const col = dash - lineStart;
  const end = endOfNode(res, at.value);
  return { title, edits: [{ range: fileRange(res, end, end), newText: '\n' + ' '.repeat(col) + '- ' + indentBody(item, col + 2) }] };
}

/** Appends a new `---` document after the resource's document. */
export function appendDocument(res: Resource, doc: string, title: string): Fix {
  const text = res.seg.text;
  const end = text.length;
  const needsNl = text.length > 0 && !text.endsWith('\n');
  return { title, edits: [{ range: fileRange(res, end, end), newText: `${needsNl ? '\n' : ''}---\n${doc.endsWith('\n') ? doc : doc + '\n'}` }] };
}
