import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from 'vscode-languageserver/node';
import { encodeMessage, jsonEncoder, remember } from '../../server/src/wire';

function diag(i: number, message = `finding ${i}`): Record<string, unknown> {
  return { range: { start: { line: i, character: 2 }, end: { line: i, character: 9 } }, severity: 1 + (i % 4), source: 'mesh', code: `rule/${i}`, message };
}

function publish(diagnostics: unknown[], extra: Record<string, unknown> = {}): Message {
  return { jsonrpc: '2.0', method: 'textDocument/publishDiagnostics', params: { uri: 'file:///ws/a.yaml', ...extra, diagnostics } } as Message;
}

const same = (msg: Message): void => assert.equal(encodeMessage(msg).toString('utf8'), JSON.stringify(msg));

test('a publish assembled from remembered diagnostics is byte for byte JSON.stringify', () => {
  const list = Array.from({ length: 40 }, (_, i) => remember(diag(i, i % 3 ? `plain ${i}` : `3 × 2s — "quoted" \\ ✓ ${i}`)));
  same(publish(list));
  same(publish(list, { version: 7 }));
  same(publish([], { version: 1 }));
  const buf = encodeMessage(publish(list));
  assert.equal(buf.length, Buffer.byteLength(JSON.stringify(publish(list))), 'UTF-8 length (the Content-Length header)');
});

test('diagnostics not remembered, undefined entries and odd uris encode as JSON.stringify does', () => {
  const mixed: unknown[] = Array.from({ length: 12 }, (_, i) => (i % 2 ? remember(diag(i)) : diag(i)));
  mixed.push(undefined);
  same(publish(mixed));
  // a uri holding the text the encoder splits at
  same({ jsonrpc: '2.0', method: 'textDocument/publishDiagnostics', params: { uri: 'file:///ws/"diagnostics":[].yaml', diagnostics: mixed } } as Message);
  same({ jsonrpc: '2.0', method: 'textDocument/publishDiagnostics', params: { diagnostics: mixed, uri: 'file:///ws/b.yaml' } } as Message);
});

test('other messages are plain JSON; a remembered diagnostic keeps its first form (it must not be mutated)', async () => {
  same({ jsonrpc: '2.0', id: 3, result: { items: [1, 'two', null] } } as Message);
  same({ jsonrpc: '2.0', method: 'window/logMessage', params: { type: 3, message: 'hello ✓' } } as Message);
  const d = remember(diag(1));
  const list = [d, ...Array.from({ length: 9 }, (_, i) => remember(diag(i + 2)))];
  d.message = 'changed';
  assert.match(encodeMessage(publish(list)).toString('utf8'), /"finding 1"/);
  const viaEncoder = Buffer.from(await jsonEncoder.encode(publish(list.slice(1)), { charset: 'utf-8' }));
  assert.equal(viaEncoder.toString('utf8'), JSON.stringify(publish(list.slice(1))));
});
