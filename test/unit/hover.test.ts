import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hover } from '../../server/src/service/features/hover';
import { cursor, file, registry, yaml } from './helpers';

function hoverAt(fixture: string): string | undefined {
  const { text, pos } = cursor(fixture);
  return hover(registry(), file(text), pos)?.markdown;
}

const VS = yaml`
  apiVersion: networking.istio.io/v1
  kind: VirtualService
  metadata:
    name: reviews
  spec:
    hosts: [reviews]
    http:
    - timeout: 5s
      retries:
        attempts: 3
`;

test('hover on a key shows type, required, versions and a reference link', () => {
  const md = hoverAt(VS.replace('    attempts', '    att$0empts'))!;
  assert.ok(md, 'hover');
  assert.match(md, /\*\*attempts\*\* `integer/);
  assert.match(md, /optional/);
  assert.match(md, /Served in: v1, v1beta1, v1alpha3/);
  assert.match(md, /\[Reference\]\(https:\/\/istio\.io\//);
});

test('hover shows enum values and the default', () => {
  const md = hoverAt(yaml`
    apiVersion: security.istio.io/v1
    kind: PeerAuthentication
    metadata:
      name: default
    spec:
      mtls:
        mo$0de: STRICT
  `)!;
  assert.match(md, /Allowed values: `UNSET`, `DISABLE`, `PERMISSIVE`, `STRICT`/);
});

test('hover on a required key says so', () => {
  const md = hoverAt(yaml`
    apiVersion: networking.istio.io/v1
    kind: VirtualService
    spec:
      http:
      - route:
        - destination:
            ho$0st: reviews
  `)!;
  assert.match(md, /\*\*host\*\* `string` · required/);
});

test('hover on kind shows the served versions', () => {
  const md = hoverAt(VS.replace('kind: VirtualService', 'kind: Virtual$0Service'))!;
  assert.match(md, /\*\*VirtualService\*\* · `networking\.istio\.io\/v1`/);
  assert.match(md, /v1 \(current\)/);
});

test('hover shows CEL rule messages', () => {
  const md = hoverAt(VS.replace('- timeout', '- time$0out'))!;
  assert.match(md, /Rules: .*duration/);
});

test('no hover outside mesh documents', () => {
  assert.equal(hoverAt('apiVersion: apps/v1\nkind: Deployment\nspec:\n  repl$0icas: 1\n'), undefined);
});

test('our written docs appear for common fields', () => {
  const md = hoverAt(VS.replace('  hosts:', '  ho$0sts:'))!;
  const docs = registry().kindDocs('networking.istio.io', 'VirtualService');
  if (docs?.fields['spec.hosts']) assert.ok(md.includes(docs.fields['spec.hosts'].doc.trim().slice(0, 30)));
  else assert.fail('spec.hosts of VirtualService must be documented in schemas/docs');
});

test('docs aliases share the docs of a repeated structure', async () => {
  const { findFieldDoc } = await import('../../server/src/service/schema/registry');
  const docs = { fields: { 'spec.trafficPolicy.tls.mode': { doc: 'TLS mode.' } }, aliases: { 'spec.subsets[].trafficPolicy': 'spec.trafficPolicy' } };
  assert.equal(findFieldDoc(docs, undefined, 'spec.subsets[].trafficPolicy.tls.mode')?.doc, 'TLS mode.');
  assert.equal(findFieldDoc(docs, undefined, 'spec.subsets[].name'), undefined);
});

const VS_FULL = yaml`
  apiVersion: networking.istio.io/v1
  kind: VirtualService
  metadata:
    name: reviews
    labels:
      app: reviews
  spec:
    hosts: [reviews]
    http:
    - match:
      - headers:
          end-user:
            exact: jason
      timout: 5s
      route:
      - destination:
          host: reviews
  status:
    conditions:
    - type: Reconciled
`;

test('hover on a map entry key says it is an entry of the map, with the value type and the map doc', () => {
  const md = hoverAt(VS_FULL.replace('end-user:', 'end-$0user:'))!;
  assert.ok(md, 'hover');
  assert.match(md, /^\*\*end-user\*\* · an entry of the map `headers` · value `object`/);
  assert.match(md, /the key is yours to choose, and its value is an object/);
  assert.match(md, /Fields of the value: `exact`, `prefix`, `regex`/);
  const docs = registry().kindDocs('networking.istio.io', 'VirtualService')!;
  assert.ok(md.includes(docs.fields['spec.http[].match[].headers'].doc.trim().slice(0, 40)), 'the doc of the map field');
  assert.match(md, /#HTTPMatchRequest-headers\)/);
  assert.doesNotMatch(md, /`spec\.http\[\]\.match\[\]\.headers\{\}` of VirtualService/);
  const label = hoverAt(VS_FULL.replace('    app: reviews', '    a$0pp: reviews'))!;
  assert.match(label, /^\*\*app\*\* · an entry of the map `labels` · value `string`/);
  assert.match(label, /its value is a string/);
});

test('hover on status says the controller sets it, and so for the fields below it', () => {
  const md = hoverAt(VS_FULL.replace('status:', 'sta$0tus:'))!;
  assert.match(md, /^\*\*status\*\* · set by the controller/);
  assert.match(md, /Leave it out of your manifests/);
  assert.doesNotMatch(md, /`status` of VirtualService\./);
  const below = hoverAt(VS_FULL.replace('  conditions:', '  condi$0tions:'))!;
  assert.match(below, /part of `status`/);
  // a kind whose schema has no status at all
  const server = hoverAt('apiVersion: policy.linkerd.io/v1beta3\nkind: Server\nmetadata:\n  name: web\nsta$0tus: {}\n')!;
  assert.match(server, /set by the controller|part of `status`/);
});

test('hover on an unknown key says it is not a field of this kind, with the nearest field', () => {
  const md = hoverAt(VS_FULL.replace('timout:', 'tim$0out:'))!;
  assert.ok(md, 'an unknown key has a hover');
  assert.match(md, /^\*\*timout\*\* · not a field of VirtualService/);
  assert.match(md, /has no field `timout` at `spec\.http\[\]`: the API server drops it/);
  assert.match(md, /Did you mean `timeout`\?/);
  // on its value too, and below an unknown key
  assert.match(hoverAt(VS_FULL.replace('timout: 5s', 'timout: 5$0s'))!, /not a field of VirtualService/);
  const nested = hoverAt(VS_FULL.replace('\n    route:', '\n    retriez:\n      attem$0pts: 3\n    route:'))!;
  assert.match(nested, /^\*\*attempts\*\* \(inside `retriez`\) · not a field of VirtualService/);
  assert.match(nested, /Did you mean `retries`\?/);
});

test('hover inside a free-form object says it is kept as written', () => {
  const md = hoverAt(yaml`
    apiVersion: networking.istio.io/v1alpha3
    kind: EnvoyFilter
    metadata:
      name: lua
    spec:
      configPatches:
      - applyTo: HTTP_FILTER
        patch:
          operation: INSERT_BEFORE
          value:
            na$0me: envoy.filters.http.lua
  `)!;
  assert.match(md, /free-form/);
  assert.match(md, /not checked against a schema/);
});
