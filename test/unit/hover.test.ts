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
