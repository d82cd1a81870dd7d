import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MeshService } from '../../server/src/service';
import { vsDestinationHostNotFound } from '../../server/src/service/rules/istio/vs-destination-host-not-found';
import type { Rule } from '../../server/src/service/rules/types';
import { SchemaRegistry } from '../../server/src/service/schema/registry';
import { SCHEMAS } from './helpers';

const registry = new SchemaRegistry(SCHEMAS);
const svc = (name: string, ns = 'shop'): string => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  ports:\n  - name: http\n    port: 80\n`;
const vs = (host: string): string =>
  `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: v-${host}\n  namespace: shop\nspec:\n  hosts: [${host}]\n  http:\n  - route:\n    - destination:\n        host: ${host}\n`;

function counting(rule: Rule): { rule: Rule; calls: () => number } {
  let n = 0;
  return {
    rule: { ...rule, check: (ctx, res) => (n++, rule.check(ctx, res)) },
    calls: () => n,
  };
}

test('findings follow changes in other files, and are reused while nothing they read changed', () => {
  const c = counting(vsDestinationHostNotFound);
  const s = new MeshService(registry, [c.rule]);
  s.setFile('file:///a.yaml', svc('reviews'));
  s.setFile('file:///b.yaml', [vs('reviews'), vs('ratings'), vs('details')].join('---\n'));
  assert.deepEqual(s.diagnostics('file:///b.yaml').map((d) => d.range.start.line), [22, 34]);
  assert.equal(c.calls(), 3);

  // an edit that does not touch Services: no rule re-runs on the VirtualServices
  s.setFile('file:///a.yaml', svc('reviews') + '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: shop\n');
  assert.equal(s.diagnostics('file:///b.yaml').length, 2);
  assert.equal(c.calls(), 3);

  // adding the Service for ratings in another file fixes one VirtualService
  s.setFile('file:///a.yaml', svc('reviews') + '---\n' + svc('ratings'));
  assert.deepEqual(s.diagnostics('file:///b.yaml').map((d) => d.range.start.line), [34]);
  assert.equal(c.calls(), 6);

  // an edit of one VirtualService re-runs the rule on that one only, and moved findings keep the right lines
  s.setFile('file:///b.yaml', ['# comment\n' + vs('reviews'), vs('ratings'), vs('details')].join('---\n'));
  assert.deepEqual(s.diagnostics('file:///b.yaml').map((d) => d.range.start.line), [35]);
  assert.equal(c.calls(), 7);
});

test('a rule that throws is contained: logged, no findings, the rest still run', () => {
  const boom: Rule = { ...vsDestinationHostNotFound, id: 'istio/boom', check: () => { throw new Error('bad'); } };
  const errors: string[] = [];
  const s = new MeshService(registry, [boom, vsDestinationHostNotFound]);
  s.onRuleError = (rule, _res, e) => errors.push(`${rule.id}: ${String(e)}`);
  s.setFile('file:///a.yaml', svc('reviews') + '---\n' + vs('nope'));
  assert.deepEqual(s.diagnostics('file:///a.yaml').map((d) => d.rule), ['istio/vs-destination-host-not-found']);
  assert.deepEqual(errors, ['istio/boom: Error: bad']);
});

test('suppression annotations and severity settings', () => {
  const s = new MeshService(registry, [vsDestinationHostNotFound]);
  const annotated = (a: string): string => svc('reviews') + '---\n' + vs('nope').replace('  namespace: shop\nspec', `  namespace: shop\n  annotations:\n    ${a}\nspec`);
  for (const a of ['galley.istio.io/analyze-suppress: "IST0101"', 'kiali.io/ignore-validations: "KIA1101"', 'mesh-yaml.io/ignore: istio/vs-destination-host-not-found', 'mesh-yaml.io/ignore: "*"']) {
    s.setFile('file:///a.yaml', annotated(a));
    assert.deepEqual(s.diagnostics('file:///a.yaml'), [], a);
  }
  s.setFile('file:///a.yaml', annotated('galley.istio.io/analyze-suppress: "IST0102"'));
  assert.equal(s.diagnostics('file:///a.yaml').length, 1);
  s.settings = { ...s.settings, rules: { IST0101: 'warning' } };
  assert.equal(s.diagnostics('file:///a.yaml')[0].severity, 'warning');
  assert.match(s.diagnostics('file:///a.yaml')[0].message, /\[IST0101, KIA1101\]$/);
  s.settings = { ...s.settings, rules: { 'istio/vs-destination-host-not-found': 'off' } };
  assert.deepEqual(s.diagnostics('file:///a.yaml'), []);
});

test('a practice finding at the same spot as a coded finding is merged into it', async () => {
  const { ALL_RULES } = await import('../../server/src/service/rules');
  const s = new MeshService(registry, ALL_RULES);
  const vsStar = `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: all\n  namespace: shop\nspec:\n  hosts: ["*"]\n  http:\n  - route:\n    - destination:\n        host: reviews\n`;
  s.setFile('file:///a.yaml', svc('reviews') + '---\n' + vsStar);
  const at = (d: { range: { start: { line: number } } }): number => d.range.start.line;
  const merged = s.diagnostics('file:///a.yaml').filter((d) => at(d) === 16);
  s.dedupeFindings = false;
  const both = s.diagnostics('file:///a.yaml').filter((d) => at(d) === 16);
  assert.ok(both.some((d) => d.rule === 'practice/vs-wildcard-host-mesh'), JSON.stringify(both.map((d) => d.rule)));
  assert.ok(!merged.some((d) => d.rule === 'practice/vs-wildcard-host-mesh'));
  assert.equal(merged.length, both.length - 1);
});

test('severity settings honour a rule\'s secondary codes (as the annotations do); id, then main code, then other codes', async () => {
  const { servicePortName } = await import('../../server/src/service/rules/istio-webhook/service-port-name');
  assert.deepEqual(servicePortName.alsoCodes, ['KIA0601']);
  const s = new MeshService(registry, [servicePortName, vsDestinationHostNotFound]);
  const badPort = `apiVersion: v1\nkind: Service\nmetadata:\n  name: reviews\n  namespace: shop\nspec:\n  ports:\n  - name: web\n    port: 80\n`;
  s.setFile('file:///a.yaml', badPort + '---\n' + vs('nope'));
  const rules = (): string[] => s.diagnostics('file:///a.yaml').map((d) => `${d.rule}:${d.severity}`).sort();
  assert.deepEqual(rules(), ['istio/service-port-name:warning', 'istio/vs-destination-host-not-found:error']);
  s.settings = { ...s.settings, rules: { KIA0601: 'off', KIA1101: 'info' } };
  assert.deepEqual(rules(), ['istio/vs-destination-host-not-found:info']);
  // the main code wins over a secondary code, the rule id over both
  s.settings = { ...s.settings, rules: { KIA1101: 'off', IST0101: 'warning' } };
  assert.deepEqual(rules(), ['istio/service-port-name:warning', 'istio/vs-destination-host-not-found:warning']);
  s.settings = { ...s.settings, rules: { KIA1101: 'off', IST0101: 'warning', 'istio/vs-destination-host-not-found': 'hint' } };
  assert.deepEqual(rules(), ['istio/service-port-name:warning', 'istio/vs-destination-host-not-found:hint']);
});
