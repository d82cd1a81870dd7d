import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseWebviewMessage } from '../../client/src/preview/messages';
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
  const ok = parseWebviewMessage({ type: 'simulate', request: { host: 'reviews', port: '9080', headers: { 'end-user': 'jason' }, extra: 'dropped' } });
  assert.deepEqual(ok.message, { type: 'simulate', request: { host: 'reviews', port: 9080, method: undefined, path: undefined, headers: { 'end-user': 'jason' }, query: undefined, sourceNamespace: undefined, sourcePrincipal: undefined, gateway: undefined } });
});
