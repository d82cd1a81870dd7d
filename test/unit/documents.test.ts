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
