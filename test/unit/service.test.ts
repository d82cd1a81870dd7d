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

test('a missing subset is reported without any DestinationRule in the workspace, and the quick-fix creates one', () => {
  const svc = freshService();
  const base = yaml`
    apiVersion: v1
    kind: Service
    metadata:
      name: reviews
      namespace: shop
    spec:
      selector: {app: reviews}
      ports:
      - name: http
        port: 9080
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: reviews-v2
      namespace: shop
    spec:
      selector:
        matchLabels: {app: reviews, version: v2}
      template:
        metadata:
          labels: {app: reviews, version: v2}
        spec:
          containers:
          - name: reviews
            image: reviews:2
    ---
    apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata:
      name: reviews
      namespace: shop
    spec:
      hosts: [reviews]
      http:
      - route:
        - destination:
            host: reviews
            subset: v2
        - destination:
            host: unknown
            subset: v1
  `;
  svc.setFile('file:///a.yaml', base);
  const subsetFindings = (): Array<{ line: number; fixes: number }> =>
    svc
      .diagnostics('file:///a.yaml')
      .filter((d) => d.rule === 'istio/vs-subset-not-found')
      .map((d) => ({ line: d.range.start.line, fixes: d.fixes?.length ?? 0 }));
  const line = base.split('\n').indexOf('        subset: v2');
  // the host of the second destination is unknown to the workspace: no subset finding there (IST0101 has the host)
  assert.deepEqual(subsetFindings(), [{ line, fixes: 1 }]);
  const d = svc.diagnostics('file:///a.yaml').find((x) => x.rule === 'istio/vs-subset-not-found')!;
  assert.match(d.message, /the workspace has no DestinationRule/);
  assert.match(d.fixes![0].title, /Add a DestinationRule for reviews with subset "v2"/);
  const fixed = applyEdits(base, d.fixes![0].edits);
  assert.match(fixed, /kind: DestinationRule[\s\S]*host: reviews[\s\S]*- name: v2\n\s+labels:\n\s+version: v2/);
  svc.setFile('file:///a.yaml', fixed);
  // v2 is defined now; with a DestinationRule in the workspace the unknown host's subset is judged too (as istioctl does)
  assert.deepEqual(subsetFindings().map((f) => f.line), [base.split('\n').indexOf('        subset: v1')]);
});

test('PeerAuthentication: a problem the CRD\'s CEL rules also catch is reported once, as IST0106, and IST0106 silences it', () => {
  const svc = freshService();
  const pa = (annotations = ''): string =>
    `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: shop\n${annotations}spec:\n  mtls:\n    mode: STRICT\n  portLevelMtls:\n    8080:\n      mode: STRICT\n`;
  svc.setFile('file:///pa.yaml', pa());
  const found = svc.diagnostics('file:///pa.yaml').filter((d) => d.severity === 'error');
  assert.deepEqual(
    found.map((d) => `${d.rule} ${d.code} ${d.range.start.line}`),
    ['istio/validation-peerauthentication IST0106 8'],
  );
  svc.setFile('file:///pa.yaml', pa('  annotations:\n    galley.istio.io/analyze-suppress: IST0106\n'));
  assert.deepEqual(svc.diagnostics('file:///pa.yaml').filter((d) => d.severity === 'error'), []);
  svc.setFile('file:///pa.yaml', pa());
  svc.settings = { ...svc.settings, rules: { IST0106: 'off' } };
  assert.deepEqual(svc.diagnostics('file:///pa.yaml').filter((d) => d.severity === 'error'), []);
  // without the rule, the CEL failure is still reported by the schema check
  const bare = new (svc.constructor as typeof import('../../server/src/service').MeshService)(svc.registry, []);
  bare.setFile('file:///pa.yaml', pa());
  assert.deepEqual(bare.diagnostics('file:///pa.yaml').map((d) => d.rule), ['schema/cel']);
});

test('a short host of a Service in another namespace gets one finding (IST0101) with the FQDN fix, not also a warning', () => {
  const svc = freshService();
  const text = yaml`
    apiVersion: v1
    kind: Service
    metadata:
      name: ratings
      namespace: backend
    spec:
      ports:
      - name: http
        port: 9080
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: web
      namespace: frontend
    spec:
      ports:
      - name: http
        port: 80
    ---
    apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata:
      name: web
      namespace: frontend
    spec:
      hosts: [web]
      http:
      - route:
        - destination:
            host: ratings
  `;
  svc.setFile('file:///a.yaml', text);
  const line = text.split('\n').indexOf('        host: ratings');
  const at = svc.diagnostics('file:///a.yaml').filter((d) => d.range.start.line === line);
  assert.deepEqual(at.map((d) => d.rule), ['istio/vs-destination-host-not-found']);
  assert.match(at[0].message, /Service "ratings" is in namespace backend; use ratings\.backend\.svc\.cluster\.local/);
  assert.deepEqual(at[0].fixes?.map((f) => f.title), ['Change host to ratings.backend.svc.cluster.local']);
});

test('a partially qualified host is taken literally, as Istio does: IST0101 with a fix to the FQDN', () => {
  const svc = freshService();
  const text = yaml`
    apiVersion: v1
    kind: Service
    metadata:
      name: ratings
      namespace: bookinfo
    spec:
      ports:
      - name: http
        port: 9080
    ---
    apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata:
      name: web
      namespace: frontend
    spec:
      hosts: [web.example.com]
      http:
      - route:
        - destination:
            host: ratings.bookinfo
  `;
  svc.setFile('file:///a.yaml', text);
  const d = svc.diagnostics('file:///a.yaml').find((x) => x.rule === 'istio/vs-destination-host-not-found');
  assert.ok(d, 'ratings.bookinfo must be reported');
  assert.equal(d.code, 'IST0101');
  assert.match(d.message, /"ratings\.bookinfo" is taken literally by Istio.*use ratings\.bookinfo\.svc\.cluster\.local/);
  svc.setFile('file:///a.yaml', applyEdits(text, d.fixes![0].edits));
  assert.match(applyEdits(text, d.fixes![0].edits), /host: ratings\.bookinfo\.svc\.cluster\.local\n/);
  assert.equal(svc.diagnostics('file:///a.yaml').filter((x) => x.severity === 'error').length, 0);
});
