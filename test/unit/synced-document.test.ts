import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { MeshService, SchemaRegistry } from '../../server/src/service';
import { findSchemasDir } from '../../server/src/service/schema/registry';
import { syncedDocuments } from '../../server/src/synced-document';

const URI = 'file:///ws/a.yaml';
const TEXT = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n';

test('an open document hands its text, then its changes, to the service, and reads its text back from there', () => {
  const svc = new MeshService(new SchemaRegistry(findSchemasDir(__dirname)));
  const config = syncedDocuments((uri) => svc.file(uri));
  const doc = config.create(URI, 'yaml', 1, TEXT);
  let mirror = TextDocument.create(URI, 'yaml', 1, TEXT);
  assert.equal(doc.getText(), TEXT, 'before the service took it');
  const first = doc.take();
  assert.ok('text' in first);
  svc.setFile(URI, first.text);
  const edits = [
    { range: { start: { line: 8, character: 8 }, end: { line: 8, character: 9 } }, text: 'c' },
    { range: { start: { line: 3, character: 9 }, end: { line: 3, character: 99 } }, text: 'x\n  namespace: shop' },
  ];
  config.update(doc, edits, 2);
  mirror = TextDocument.update(mirror, edits, 2);
  assert.equal(doc.getText(), mirror.getText(), 'changes not taken yet are part of the text');
  const next = doc.take();
  assert.ok('changes' in next);
  svc.editFile(URI, next.changes);
  assert.equal(doc.version, 2);
  assert.equal(doc.getText(), mirror.getText());
  assert.equal(doc.lineCount, mirror.lineCount);
  assert.deepEqual(svc.resources(URI).map((r) => `${r.namespace}/${r.name}`), ['shop/ax', 'default/c']);
  const range = { start: { line: 4, character: 0 }, end: { line: 6, character: 4 } };
  assert.equal(doc.getText(range), mirror.getText(range));
  for (const off of [0, 5, 40, 60, mirror.getText().length, 10_000]) {
    assert.deepEqual(doc.positionAt(off), mirror.positionAt(off), `offset ${off}`);
    assert.equal(doc.offsetAt(mirror.positionAt(off)), mirror.offsetAt(mirror.positionAt(off)));
  }
  // a whole-text change replaces everything
  config.update(doc, [{ text: 'a: 1\n' }], 3);
  const whole = doc.take();
  assert.deepEqual(whole, { text: 'a: 1\n' });
});
