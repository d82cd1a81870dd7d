import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { generateSchemaFiles } from '../../scripts/schema-gen';
import { ROOT, SCHEMAS } from './helpers';

const CRDS = path.join(ROOT, '..', 'shared', 'crds');

test('committed schemas match ../shared/crds (run npm run gen:schemas when this fails)', (t) => {
  if (!fs.existsSync(CRDS)) {
    t.skip('../shared/crds is not beside the project: cannot check the generated schemas are current');
    return;
  }
  const files = generateSchemaFiles(CRDS);
  const stale: string[] = [];
  for (const [rel, text] of files) {
    const p = path.join(SCHEMAS, rel);
    if (!fs.existsSync(p) || fs.readFileSync(p, 'utf8') !== text) stale.push(rel);
  }
  const extra = fs.readdirSync(path.join(SCHEMAS, 'kinds')).filter((f) => !files.has(`kinds/${f}`));
  assert.deepEqual({ stale, extra }, { stale: [], extra: [] });
});

test('generated schemas carry facts, never upstream descriptions', () => {
  for (const f of fs.readdirSync(path.join(SCHEMAS, 'kinds'))) {
    const text = fs.readFileSync(path.join(SCHEMAS, 'kinds', f), 'utf8');
    // a field may be *named* description (GatewayClass has one); its schema is an object, never prose
    assert.ok(!/"description":"/.test(text), `${f} holds a description`);
  }
});

test('every kind of every upstream family is covered, with its versions', () => {
  const index = JSON.parse(fs.readFileSync(path.join(SCHEMAS, 'index.json'), 'utf8')) as Array<{ group: string; kind: string; versions: Array<{ name: string }> }>;
  const ids = index.map((k) => `${k.group}/${k.kind}`);
  for (const id of [
    'networking.istio.io/VirtualService',
    'networking.istio.io/DestinationRule',
    'networking.istio.io/EnvoyFilter',
    'security.istio.io/AuthorizationPolicy',
    'telemetry.istio.io/Telemetry',
    'extensions.istio.io/WasmPlugin',
    'policy.linkerd.io/Server',
    'policy.linkerd.io/HTTPRoute',
    'linkerd.io/ServiceProfile',
    'gateway.networking.k8s.io/HTTPRoute',
    'gateway.networking.k8s.io/TLSRoute',
    'split.smi-spec.io/TrafficSplit',
  ]) {
    assert.ok(ids.includes(id), id);
  }
  const grpc = index.find((k) => k.kind === 'GRPCRoute')!;
  assert.deepEqual(grpc.versions.map((v) => v.name), ['v1', 'v1alpha2']);
  const objects = (node: unknown, visit: (n: Record<string, unknown>) => void): void => {
    if (!node || typeof node !== 'object') return;
    visit(node as Record<string, unknown>);
    for (const v of Object.values(node)) objects(v, visit);
  };
  // additionalProperties: false on pruned objects
  const vs = JSON.parse(fs.readFileSync(path.join(SCHEMAS, 'kinds', 'networking.istio.io_VirtualService.json'), 'utf8'));
  let closed = 0;
  objects(vs, (n) => {
    if (n.additionalProperties === false) closed++;
  });
  assert.ok(closed > 20);
});
