import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SegmentedFile, splitOffsets } from '../../server/src/service/documents';

test('splits on --- lines, keeping each separator with the document it opens', () => {
  const text = 'a: 1\n---\nb: 2\n--- # c\nc: 3\n----\nx: 1\n';
  const offs = splitOffsets(text);
  assert.deepEqual(offs, [0, 5, 14]);
  const f = new SegmentedFile(text);
  assert.deepEqual(f.segments.map((s) => s.startLine), [0, 1, 3]);
});

test('a leading --- does not make an extra document', () => {
  const f = new SegmentedFile('---\na: 1\n');
  assert.equal(f.segments.length, 1);
  assert.equal(f.segments[0].parsed.empty, false);
});

test('an edit re-parses only the document that changed', () => {
  const docs = Array.from({ length: 50 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\n`);
  const f = new SegmentedFile(docs.join('---\n'));
  const before = f.segments.map((s) => s.parsed);
  docs[25] = docs[25].replace('c25', 'changed');
  f.update(docs.join('---\n'));
  const after = f.segments.map((s) => s.parsed);
  const reparsed = after.filter((p, i) => p !== before[i]);
  assert.equal(reparsed.length, 1);
  assert.equal(reparsed[0].head.name, 'changed');
});

test('segmentAtLine finds the document holding a line', () => {
  const f = new SegmentedFile('a: 1\n---\nb: 2\nc: 3\n---\nd: 4\n');
  assert.equal(f.segmentAtLine(0)!.index, 0);
  assert.equal(f.segmentAtLine(3)!.index, 1);
  assert.equal(f.segmentAtLine(5)!.index, 2);
});

test('CRLF line endings keep line numbers right', () => {
  const f = new SegmentedFile('a: 1\r\n---\r\nb: 2\r\n');
  assert.deepEqual(f.segments.map((s) => s.startLine), [0, 1]);
});

/** What a file's split looks like, for comparing an incremental update with a fresh split. */
function shape(f: SegmentedFile): Array<[number, number, number, string]> {
  return f.segments.map((s) => [s.index, s.startLine, s.startOffset, s.parsed.text]);
}

test('an incremental update splits exactly as a fresh split does (random edits, separators, CRLF, lone CR)', () => {
  const pieces = ['---\n', '--- \n', '---', 'a: 1\n', 'b:\n  - x\n', '\n', '\r\n', '\r', '-- -\n', '----\n', '--- # c\n', 'kind: X\r\n', '- ', '#c\n'];
  let seed = 7;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  const gen = (n: number): string => Array.from({ length: n }, () => pieces[rnd(pieces.length)]).join('');
  for (let round = 0; round < 300; round++) {
    let text = gen(5 + rnd(40));
    const f = new SegmentedFile(text);
    for (let e = 0; e < 20; e++) {
      const at = rnd(text.length + 1);
      const len = rnd(Math.min(8, text.length - at) + 1);
      text = text.slice(0, at) + (rnd(3) ? gen(rnd(3)) : '') + text.slice(at + len);
      const r = f.update(text);
      assert.deepEqual(shape(f), shape(new SegmentedFile(text)), `round ${round}, edit ${e}: ${JSON.stringify(text)}`);
      assert.equal(f.text, text);
      for (const i of r.changed) assert.ok(i < f.segments.length);
    }
  }
});

test('an edit in the middle of a large file keeps every other document parsed and re-splits only around it', () => {
  const docs = Array.from({ length: 500 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\ndata:\n  k: "${i}"\n`);
  const text = docs.join('---\n');
  const f = new SegmentedFile(text);
  const before = f.segments.map((s) => s.parsed);
  const at = text.indexOf('name: c250') + 'name: c25'.length;
  const edited = text.slice(0, at) + '0\n  labels: {a: b}' + text.slice(at + 1);
  const r = f.update(edited);
  assert.equal(r.full, false);
  assert.ok(r.changed.length <= 3, `${r.changed.length} documents re-split`);
  const reparsed = f.segments.filter((s, i) => s.parsed !== before[i]);
  assert.deepEqual(reparsed.map((s) => s.index), [250]);
  assert.deepEqual(shape(f), shape(new SegmentedFile(edited)));
});

test('identical documents get a parse each (the caches on a parse belong to one document), and editing one keeps the others', () => {
  const doc = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: same\n';
  const f = new SegmentedFile(`${doc}---\n${doc}---\n${doc}`);
  const parses = f.segments.map((s) => s.parsed);
  assert.equal(new Set(parses).size, 3);
  f.update(`${doc}---\n${doc.replace('same', 'other')}---\n${doc}`);
  assert.equal(f.segments[0].parsed, parses[0]);
  assert.equal(f.segments[2].parsed, parses[2]);
  assert.match(f.segments[1].parsed.text, /other/);
  f.edit({ range: { start: { line: 8, character: 8 }, end: { line: 8, character: 13 } }, text: 'same' });
  assert.equal(f.text, `${doc}---\n${doc}---\n${doc}`);
  assert.ok(f.segments[1].parsed.text.endsWith(doc), JSON.stringify(f.segments[1].parsed.text));
  assert.doesNotMatch(f.segments[1].parsed.text, /other/);
  assert.equal(new Set(f.segments.map((s) => s.parsed)).size, 3);
  assert.equal(f.segments[2].parsed, parses[2]);
});

test('range edits (as LSP sends them) give the text and the split that the editor has, on random texts and ranges', async () => {
  const { TextDocument } = await import('vscode-languageserver-textdocument');
  const pieces = ['---\n', '--- \n', '---', 'a: 1\n', 'b:\n  - x\n', '\n', '\r\n', '\r', '-- -\n', '----\n', '--- # c\n', 'kind: X\r\n', '- ', '#c\n', 'é✓ '];
  let seed = 11;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  const gen = (n: number): string => Array.from({ length: n }, () => pieces[rnd(pieces.length)]).join('');
  let incremental = 0;
  for (let round = 0; round < 300; round++) {
    const initial = gen(5 + rnd(40));
    const f = new SegmentedFile(initial);
    let doc = TextDocument.create('file:///a.yaml', 'yaml', 1, initial);
    for (let e = 0; e < 20; e++) {
      // positions up to two lines and a few characters past the ends, sometimes reversed
      const pos = (): { line: number; character: number } => ({ line: rnd(doc.lineCount + 2), character: rnd(12) });
      const range = { start: pos(), end: pos() };
      const change = { range, text: rnd(3) ? gen(rnd(3)) : '' };
      const r = f.edit(change);
      // a fresh document after each edit: the library's own line bookkeeping drifts after some edits with \r
      doc = TextDocument.update(doc, [change], doc.version + 1);
      const text = doc.getText();
      assert.deepEqual(shape(f), shape(new SegmentedFile(text)), `round ${round}, edit ${e}: ${JSON.stringify(change)} -> ${JSON.stringify(text)}`);
      assert.equal(f.text, text);
      doc = TextDocument.create('file:///a.yaml', 'yaml', doc.version, text);
      assert.equal(f.lineCount, doc.lineCount, JSON.stringify(text));
      if (!r.full) incremental++;
    }
  }
  assert.ok(incremental > 3000, `${incremental} of 6000 edits were applied in place`);
});

test('a range edit in the middle of a large file touches only the documents around it, not the whole text', () => {
  const docs = Array.from({ length: 500 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\ndata:\n  k: "${i}"\n`);
  const f = new SegmentedFile(docs.join('---\n'));
  const before = f.segments.map((s) => s.parsed);
  const line = f.segments[250].startLine + 4; // the `---` line, then apiVersion, kind, metadata
  const v = f.version;
  const r = f.edit({ range: { start: { line, character: 10 }, end: { line, character: 11 } }, text: 'X' });
  assert.equal(r.full, false);
  assert.equal(f.version, v + 1);
  assert.equal((f as unknown as { whole?: string }).whole, undefined, 'the whole text is not joined again');
  assert.deepEqual(f.segments.filter((s, i) => s.parsed !== before[i]).map((s) => s.index), [250]);
  assert.equal(f.segments[250].parsed.head.name, 'c2X0');
  // the same text again is no change
  const same = f.edit({ range: { start: { line, character: 10 }, end: { line, character: 11 } }, text: 'X' });
  assert.deepEqual(same.changed, []);
  assert.equal(f.version, v + 1);
  assert.equal(f.text, docs.join('---\n').replace('name: c250', 'name: c2X0'));
});
