import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { newNonce, previewCsp, previewHtml } from '../../client/src/preview/html';
import { parseSavedState, parseWebviewMessage } from '../../client/src/preview/messages';
import { freshService, ROOT } from './helpers';

function bookstore() {
  const svc = freshService();
  const dir = path.join(ROOT, 'samples', 'istio-bookstore');
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.yaml'))) svc.setFile(`file:///bookstore/${f}`, fs.readFileSync(path.join(dir, f), 'utf8'));
  return svc;
}

test('the route graph of a VirtualService file has nodes with source ranges', () => {
  const svc = bookstore();
  const file = fs.readdirSync(path.join(ROOT, 'samples', 'istio-bookstore')).find((f) => /VirtualService/.test(fs.readFileSync(path.join(ROOT, 'samples', 'istio-bookstore', f), 'utf8')))!;
  const res = svc.routeGraph({ uri: `file:///bookstore/${file}` });
  assert.ok(res.graph.nodes.length > 1, 'nodes');
  assert.ok(res.graph.edges.length > 0, 'edges');
  assert.match(res.title, /^Routing: /);
  const located = Object.keys(res.locations);
  assert.ok(located.length > 0, 'some nodes have a source range');
  for (const id of located) assert.match(res.locations[id].uri, /^file:\/\/\/bookstore\//);
});

test('a simulated request names the graph nodes on its path', () => {
  const svc = bookstore();
  const graph = svc.routeGraph({ host: 'reviews.bookstore.svc.cluster.local' });
  const sim = svc.simulate({ request: { host: 'reviews.bookstore.svc.cluster.local', path: '/reviews/1', sourceNamespace: 'bookstore' }, graph: { host: graph.host } });
  assert.ok(sim.result.destinations.length > 0, JSON.stringify(sim.result.notes));
  const total = sim.result.destinations.reduce((a, d) => a + d.percent, 0);
  assert.ok(Math.abs(total - 100) < 0.01);
  assert.ok(sim.highlight.length > 0, 'highlighted nodes');
  const ids = new Set([...graph.graph.nodes.map((n) => n.id), ...graph.graph.edges.map((e) => e.id)]);
  for (const h of sim.highlight) assert.ok(ids.has(h), `${h} is in the graph`);
  const kinds = new Set(graph.graph.nodes.filter((n) => sim.highlight.includes(n.id)).map((n) => n.kind));
  for (const k of ['entry', 'rule', 'backend'] as const) assert.ok(kinds.has(k), `the highlighted path has a ${k} node: ${[...kinds].join(',')}`);
  assert.ok(graph.graph.edges.some((e) => sim.highlight.includes(e.id)), 'edges on the path are highlighted');
});

test('messages from the webview are validated', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }).message, { type: 'ready' });
  assert.equal(parseWebviewMessage({ type: 'reveal', id: 'n1' }).message?.type, 'reveal');
  assert.match(parseWebviewMessage({ type: 'evil', code: 'alert(1)' }).error!, /unknown message type/);
  assert.match(parseWebviewMessage('x').error!, /not a message/);
  assert.match(parseWebviewMessage({ type: 'simulate', request: { host: '' } }).error!, /needs a host/);
  assert.match(parseWebviewMessage({ type: 'simulate', request: { host: 'a', port: 70000 } }).error!, /port/);
  assert.match(parseWebviewMessage({ type: 'simulate', request: { host: 'a', headers: { x: 1 } } }).error!, /bad map entry/);
  assert.match(parseWebviewMessage({ type: 'export', format: 'png', data: 'javascript:alert(1)' }).error!, /PNG data URL/);
  assert.match(parseWebviewMessage({ type: 'export', format: 'exe', data: 'x' }).error!, /format/);
  assert.match(parseWebviewMessage({ type: 'simulate', request: { host: 'a', scheme: 'ftp' } }).error!, /scheme/);
  assert.match(parseWebviewMessage({ type: 'simulate', request: { host: 'a', sourceLabels: { app: 1 } } }).error!, /bad map entry/);
  const ok = parseWebviewMessage({ type: 'simulate', request: { host: 'reviews', port: '9080', headers: { 'end-user': 'jason' }, extra: 'dropped' } });
  assert.deepEqual(ok.message, {
    type: 'simulate',
    request: { host: 'reviews', port: 9080, method: undefined, path: undefined, headers: { 'end-user': 'jason' }, query: undefined, scheme: undefined, sourceNamespace: undefined, sourcePrincipal: undefined, sourceLabels: undefined, gateway: undefined },
  });
  const who = parseWebviewMessage({ type: 'simulate', request: { host: 'reviews', scheme: 'HTTPS', sourcePrincipal: 'cluster.local/ns/shop/sa/web', sourceLabels: { app: 'web' } } });
  assert.equal(who.message?.type, 'simulate');
  if (who.message?.type === 'simulate') {
    assert.equal(who.message.request.scheme, 'https');
    assert.equal(who.message.request.sourcePrincipal, 'cluster.local/ns/shop/sa/web');
    assert.deepEqual(who.message.request.sourceLabels, { app: 'web' });
  }
});

test('the panel page: nonce CSP, nothing remote, attributes escaped; the builder does not need vscode', () => {
  const nonce = newNonce();
  assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/);
  assert.notEqual(newNonce(), nonce);
  const csp = previewCsp('https://x.vscode-cdn.net', nonce);
  assert.equal(csp, `default-src 'none'; img-src https://x.vscode-cdn.net data: blob:; style-src https://x.vscode-cdn.net; script-src 'nonce-${nonce}'; font-src https://x.vscode-cdn.net`);
  const html = previewHtml({ cspSource: 'https://x.vscode-cdn.net', nonce, scriptUri: 'https://x.vscode-cdn.net/main.js?a=1&b="2"', styleUri: 'https://x.vscode-cdn.net/style.css' });
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${csp}">`));
  assert.ok(html.includes(`<script nonce="${nonce}" src="https://x.vscode-cdn.net/main.js?a=1&amp;b=&quot;2&quot;"></script>`));
  assert.equal(html.match(/<script/g)?.length, 1, 'one script, with the nonce');
  assert.doesNotMatch(html, /unsafe-inline|unsafe-eval|http:\/\//);
  const src = fs.readFileSync(path.join(ROOT, 'client', 'src', 'preview', 'html.ts'), 'utf8');
  assert.doesNotMatch(src, /from 'vscode'/);
  assert.match(fs.readFileSync(path.join(ROOT, 'client', 'src', 'preview', 'panel.ts'), 'utf8'), /previewHtml\(/, 'the panel builds its page with previewHtml');
});

test('a saved page state gives the serializer the previewed document, nothing else', () => {
  assert.deepEqual(parseSavedState({ version: 2, form: {}, source: { uri: 'file:///ws/a.yaml', line: 3, character: 4 } }), { source: { uri: 'file:///ws/a.yaml', line: 3, character: 4 } });
  assert.deepEqual(parseSavedState({ source: { uri: 'file:///ws/a.yaml', line: -1 } }), { source: { uri: 'file:///ws/a.yaml' } });
  assert.deepEqual(parseSavedState({ source: { uri: 'command:workbench.action.quit' } }), {});
  assert.deepEqual(parseSavedState(undefined), {});
  assert.deepEqual(parseSavedState('x'), {});
});
