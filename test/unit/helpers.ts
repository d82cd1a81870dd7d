import * as path from 'node:path';
import { MeshService, SegmentedFile } from '../../server/src/service';
import { SchemaRegistry } from '../../server/src/service/schema/registry';
import type { Pos } from '../../server/src/service/text';

export const ROOT = path.join(__dirname, '..', '..');
export const SCHEMAS = path.join(ROOT, 'schemas');

let shared: SchemaRegistry | undefined;
/** One registry for the bundled schemas, shared by tests that do not add CRDs. */
export function registry(): SchemaRegistry {
  shared ??= new SchemaRegistry(SCHEMAS);
  return shared;
}

export function freshService(): MeshService {
  return new MeshService(new SchemaRegistry(SCHEMAS));
}

/** Splits a fixture at its `$0` cursor marker: the text without it and the cursor position. */
export function cursor(fixture: string): { text: string; pos: Pos } {
  const at = fixture.indexOf('$0');
  if (at < 0) throw new Error('fixture has no $0 cursor');
  const text = fixture.slice(0, at) + fixture.slice(at + 2);
  const before = text.slice(0, at).split('\n');
  return { text, pos: { line: before.length - 1, character: before[before.length - 1].length } };
}

export function file(text: string): SegmentedFile {
  return new SegmentedFile(text);
}

/** Removes the common leading indentation of a template literal, and its first empty line. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = raw.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n').replace(/[ ]+$/, '');
}

/** Applies LSP-style edits (non-overlapping) to a text. */
export function applyEdits(text: string, edits: Array<{ range: { start: Pos; end: Pos }; newText: string }>): string {
  const lines = text.split('\n');
  const offset = (p: Pos): number => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}
