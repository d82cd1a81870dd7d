import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { buildRouteGraph, simulate, type SimRequest } from '../../server/src/service/routing';
import { objs, str, strings, type WorkspaceIndex } from '../../server/src/service/workspace';
import { index } from '../fixtures/routing/ws';

/**
 * Robustness: over every YAML fixture and sample of the project (valid, invalid and rule cases), the route graph
 * and the simulator never throw, and every simulation keeps its invariants.
 */
const ROOT = path.join(__dirname, '..', '..');

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(e.name) && !e.name.endsWith('.routes.yaml')) out.push(p);
  }
  return out;
}

/** Workspaces: each rule case folder, each fixture file, each sample folder. */
function workspaces(): Array<{ name: string; texts: string[] }> {
  const out: Array<{ name: string; texts: string[] }> = [];
  const rules = path.join(ROOT, 'test', 'fixtures', 'rules');
  if (fs.existsSync(rules)) for (const d of fs.readdirSync(rules)) out.push({ name: `rules/${d}`, texts: yamlFiles(path.join(rules, d)).map((f) => fs.readFileSync(f, 'utf8')) });
  for (const sub of ['valid', 'invalid', 'routing']) {
    const dir = path.join(ROOT, 'test', 'fixtures', sub);
    if (fs.existsSync(dir)) for (const f of yamlFiles(dir)) out.push({ name: `${sub}/${path.basename(f)}`, texts: [fs.readFileSync(f, 'utf8')] });
  }
  const samples = path.join(ROOT, 'samples');
  for (const d of fs.readdirSync(samples, { withFileTypes: true })) if (d.isDirectory()) out.push({ name: `samples/${d.name}`, texts: yamlFiles(path.join(samples, d.name)).map((f) => fs.readFileSync(f, 'utf8')) });
  return out;
}

function requests(ix: WorkspaceIndex): SimRequest[] {
  const hosts = new Set<string>();
  for (const s of ix.kubeServices().values()) hosts.add(s.fqdn);
  for (const r of ix.of('networking.istio.io/VirtualService')) for (const h of strings(r.spec.hosts)) hosts.add(h.replace(/^\*\./, 'any.'));
  for (const r of ix.of('gateway.networking.k8s.io/HTTPRoute')) for (const h of strings(r.spec.hostnames)) hosts.add(h.replace(/^\*\./, 'any.'));
  const gateways = ['mesh', ...ix.of('networking.istio.io/Gateway').map((g) => `${g.namespace}/${g.name}`), ...ix.of('gateway.networking.k8s.io/Gateway').map((g) => `${g.namespace}/${g.name}`)];
  const paths = new Set<string>(['/']);
  for (const r of ix.of('networking.istio.io/VirtualService')) {
    for (const h of objs(r.spec.http)) {
      for (const m of objs(h.match)) {
        const uri = objs([m.uri])[0] ?? {};
        for (const v of [str(uri.exact), str(uri.prefix)]) if (v) paths.add(v);
      }
    }
  }
  const out: SimRequest[] = [];
  for (const host of [...hosts].slice(0, 12)) {
    for (const gateway of [undefined, ...gateways.slice(0, 4)]) {
      for (const p of [...paths].slice(0, 4)) out.push({ host, gateway, path: p, sourceNamespace: 'default' });
    }
  }
  return out;
}

test('the route graph and the simulator hold up on every fixture and sample', () => {
  let sims = 0;
  for (const ws of workspaces()) {
    if (!ws.texts.length) continue;
    const ix = index(...ws.texts);
    const g = buildRouteGraph(ix);
    const ids = new Set(g.nodes.map((n) => n.id));
    for (const e of g.edges) assert.ok(ids.has(e.from) && ids.has(e.to), `${ws.name}: dangling edge ${e.id}`);
    // Results cross the LSP connection: plain JSON, no parsed documents inside.
    assert.ok(!JSON.stringify(g).includes('"seg"'), `${ws.name}: graph holds a parsed segment`);
    for (const req of requests(ix)) {
      const r = simulate(ix, req);
      sims++;
      assert.equal(typeof r.status, 'number', ws.name);
      if (r.destinations.length) {
        const sum = r.destinations.reduce((a, d) => a + d.percent, 0);
        assert.ok(Math.abs(sum - 100) < 0.001, `${ws.name} ${JSON.stringify(req)}: shares sum to ${sum}`);
        assert.ok(r.destinations.every((d) => d.percent > 0));
      }
      assert.ok(['ALLOW', 'DENY', 'NOT_EVALUATED'].includes(r.authorization.decision));
      // Nothing reached a workload and no gateway policy ran: no decision can be claimed.
      if (!r.destinations.length && !r.gatewayAuthorization) assert.equal(r.authorization.decision, 'NOT_EVALUATED', `${ws.name} ${JSON.stringify(req)}`);
      if (r.authorization.decision === 'NOT_EVALUATED') assert.ok(r.outcome !== 'routed' && r.outcome !== 'passthrough', `${ws.name} ${JSON.stringify(req)}: ${r.outcome} without any workload`);
      if (r.outcome === 'not-found') assert.equal(r.status, 404);
      if (r.outcome === 'denied') assert.equal(r.status, 403);
      if (r.outcome === 'error') assert.ok(r.status >= 500, `${ws.name}: error with status ${r.status}`);
      assert.ok(r.resolvedScheme === 'http' || r.resolvedScheme === 'https', r.resolvedScheme);
      assert.ok(!JSON.stringify(r).includes('"seg"'), `${ws.name}: simulation holds a parsed segment`);
    }
  }
  assert.ok(sims > 100, `only ${sims} simulations`);
});
