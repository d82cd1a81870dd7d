import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { applyEdits, freshService, yaml } from './helpers';

const VS = yaml`
  apiVersion: networking.istio.io/v1
  kind: VirtualService
  metadata:
    name: reviews
  spec:
    hosts: [reviews]
    http:
    - timout: 5s
      route:
      - destination:
          host: reviews
`;

test('quick-fixes come for the diagnostics under the cursor, and applying one clears it', () => {
  const svc = freshService();
  svc.setFile('file:///a.yaml', VS);
  const line = VS.split('\n').findIndex((l) => l.includes('timout'));
  const fixes = svc.fixes('file:///a.yaml', { start: { line, character: 5 }, end: { line, character: 5 } });
  assert.equal(fixes[0].fix.title, 'Rename "timout" to "timeout"');
  svc.setFile('file:///a.yaml', applyEdits(VS, fixes[0].fix.edits));
  assert.deepEqual(svc.diagnostics('file:///a.yaml'), []);
});

test('outline has one symbol per document, named by kind and name', () => {
  const svc = freshService();
  svc.setFile('file:///a.yaml', VS + '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: reviews\n  namespace: shop\n');
  const syms = svc.outline('file:///a.yaml');
  assert.deepEqual(
    syms.map((s) => s.name),
    ['VirtualService reviews', 'Service reviews'],
  );
  assert.match(syms[1].detail, /ns shop/);
  assert.equal(syms[1].range.start.line, 12);
});

test('folding ranges cover documents and nested blocks', () => {
  const svc = freshService();
  svc.setFile('file:///a.yaml', VS);
  const folds = svc.folding('file:///a.yaml');
  assert.ok(folds.some((f) => f.startLine === 4)); // spec:
  assert.ok(folds.some((f) => f.startLine === 0));
});

function sharedVsCrd(): unknown | undefined {
  const p = path.join(__dirname, '..', '..', '..', 'shared', 'crds', 'istio', 'crd-all.gen.yaml');
  if (!fs.existsSync(p)) return undefined;
  const docs = fs.readFileSync(p, 'utf8').split(/^---$/m);
  const text = docs.find((d) => /kind: VirtualService\n/.test(d) && /kind: CustomResourceDefinition/.test(d));
  return text ? parse(text) : undefined;
}

/** A small hand-written VirtualService CRD, as a cluster running a different Istio might have. */
function tinyVsCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'virtualservices.networking.istio.io' },
    spec: {
      group: 'networking.istio.io',
      names: { kind: 'VirtualService', plural: 'virtualservices' },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    hosts: { type: 'array', items: { type: 'string' }, description: 'Hosts of our cluster build.' },
                    http: { type: 'array', items: { type: 'object', properties: { timout: { type: 'string' }, route: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

test('a CRD file in the workspace replaces the bundled schema for its group and version, descriptions included', () => {
  const svc = freshService();
  svc.setFile('file:///app/vs.yaml', VS);
  assert.equal(svc.diagnostics('file:///app/vs.yaml').length, 1);
  const changed = svc.setFile('file:///app/crds/istio.yaml', stringify(tinyVsCrd()));
  assert.equal(changed, true);
  assert.deepEqual(svc.diagnostics('file:///app/vs.yaml'), [], 'timout is a field of the pinned CRD');
  const hover = svc.hover('file:///app/vs.yaml', { line: 5, character: 3 });
  assert.match(hover!.markdown, /\*From your CRD \(file:\/\/\/app\/crds\/istio\.yaml\):\* Hosts of our cluster build\./);
  // removing the CRD file restores the bundled schema
  assert.equal(svc.removeFile('file:///app/crds/istio.yaml'), true);
  assert.equal(svc.diagnostics('file:///app/vs.yaml').length, 1);
});

test('the upstream CRD loaded from a workspace file gives the same result as the bundled schema', (t) => {
  const crd = sharedVsCrd();
  if (!crd) {
    t.skip('../shared/crds not present');
    return;
  }
  const svc = freshService();
  svc.setFile('file:///crd.yaml', stringify(crd));
  svc.setFile('file:///vs.yaml', VS);
  const ds = svc.diagnostics('file:///vs.yaml');
  assert.equal(ds.length, 1);
  assert.equal(ds[0].rule, 'schema/unknown-field');
  const hover = svc.hover('file:///vs.yaml', { line: 5, character: 3 });
  assert.match(hover!.markdown, /From your CRD/);
});

test('files over the size limit are not analysed, and say so', () => {
  const svc = freshService();
  svc.limits = { maxFileSize: 1000, maxDocuments: 10000 };
  svc.setFile('file:///big.yaml', VS + '#'.repeat(2000) + '\n');
  const ds = svc.diagnostics('file:///big.yaml');
  assert.equal(ds.length, 1);
  assert.equal(ds[0].rule, 'limits/reduced-analysis');
  assert.match(ds[0].message, /over the 0\.0 MB limit|over the .* limit/);
  assert.ok(svc.file('file:///big.yaml')!.reduced);
});

test('only the first maxDocuments documents are analysed', () => {
  const svc = freshService();
  svc.limits = { maxFileSize: 1e9, maxDocuments: 2 };
  svc.setFile('file:///many.yaml', [VS, VS, VS].join('---\n'));
  const ds = svc.diagnostics('file:///many.yaml').filter((d) => !d.rule.startsWith('istio/'));
  assert.deepEqual(ds.map((d) => d.rule), ['limits/reduced-analysis', 'schema/unknown-field', 'schema/unknown-field']);
  assert.match(ds[0].message, /only the first 2 are analysed/);
});

test('code lenses summarise routing of VirtualServices, HTTPRoutes and TrafficSplits', () => {
  const svc = freshService();
  const canary = yaml`
    apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata:
      name: reviews
    spec:
      hosts: [reviews]
      http:
      - match:
        - headers: {end-user: {exact: jason}}
        route:
        - destination: {host: reviews, subset: v2}
      - route:
        - destination: {host: reviews, subset: v1}
          weight: 90
        - destination: {host: reviews, subset: v2}
          weight: 10
    ---
    apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata:
      name: web
    spec:
      rules:
      - backendRefs:
        - {name: web-v1, port: 80, weight: 3}
        - {name: web-v2, port: 80, weight: 1}
    ---
    apiVersion: split.smi-spec.io/v1alpha2
    kind: TrafficSplit
    metadata:
      name: web
    spec:
      service: web
      backends:
      - {service: web-v1, weight: 50}
      - {service: web-v2, weight: 50}
  `;
  svc.setFile('file:///r.yaml', canary);
  const lenses = svc.routeLenses('file:///r.yaml');
  assert.deepEqual(
    lenses.map((l) => l.title.replace('$(type-hierarchy) ', '').replace(' — preview routing', '')),
    ['2 rules · 90% v1 / 10% v2', '1 rule · 75% web-v1 / 25% web-v2', '50% web-v1 / 50% web-v2'],
  );
  assert.deepEqual(lenses.map((l) => l.range.start.line), [1, 18, 28]);
});

test('regression: a workspace CRD without a usable version does not break analysis', () => {
  const svc = freshService();
  const text = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'regressions', 'crd-without-versions.yaml'), 'utf8');
  svc.setFile('file:///c.yaml', text);
  assert.ok(Array.isArray(svc.diagnostics('file:///c.yaml')));
});
