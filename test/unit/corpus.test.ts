import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { MeshService } from '../../server/src/service';
import { fileDiagnostics } from '../../server/src/service/features/diagnostics';
import { file, registry, ROOT } from './helpers';

const VALID = path.join(ROOT, 'test', 'fixtures', 'valid');
const INVALID = path.join(ROOT, 'test', 'fixtures', 'invalid');

function yamlFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
}

/** Errors and warnings of the full analysis (schema checks and every analyzer rule) of one file of a service. */
function problems(svc: MeshService, uri: string): string[] {
  return svc
    .diagnostics(uri)
    .filter((d) => d.severity === 'error' || d.severity === 'warning')
    .map((d) => `${d.range.start.line + 1}: ${d.severity} ${d.rule} ${d.message}`);
}

const uriOf = (f: string): string => pathToFileURL(path.join(VALID, f)).toString();

describe('valid corpus: no error or warning from the full analysis', () => {
  const kinds = new Set<string>();
  for (const f of yamlFiles(VALID)) {
    test(`${f}, linted alone`, () => {
      const text = fs.readFileSync(path.join(VALID, f), 'utf8');
      for (const s of file(text).segments) if (s.parsed.head.kind && s.parsed.head.apiVersion) kinds.add(`${s.parsed.head.apiVersion.split('/')[0]}/${s.parsed.head.kind}`);
      const svc = new MeshService(registry());
      svc.setFile(uriOf(f), text);
      assert.ok(svc.resources(uriOf(f)).length > 0, 'the file holds resources');
      assert.deepEqual(problems(svc, uriOf(f)), []);
    });
  }
  test('the whole folder as one workspace (cross-file rules)', () => {
    const svc = new MeshService(registry());
    const files = yamlFiles(VALID);
    for (const f of files) svc.setFile(uriOf(f), fs.readFileSync(path.join(VALID, f), 'utf8'));
    const found = files.flatMap((f) => problems(svc, uriOf(f)).map((p) => `${f}:${p}`));
    assert.deepEqual(found, []);
  });
  test('the full analysis is what is checked: a rule finding in a valid file fails the corpus', () => {
    // a VirtualService subset that no DestinationRule defines is schema-valid; only the analyzer rules see it
    const svc = new MeshService(registry());
    const text = fs.readFileSync(path.join(VALID, 'istio-virtualservices.yaml'), 'utf8').replace('subset: v3', 'subset: v9');
    svc.setFile(uriOf('istio-virtualservices.yaml'), text);
    svc.setFile(uriOf('istio-destinationrules.yaml'), fs.readFileSync(path.join(VALID, 'istio-destinationrules.yaml'), 'utf8'));
    assert.deepEqual(fileDiagnostics(registry(), file(text)).filter((d) => d.severity !== 'info'), []);
    assert.ok(problems(svc, uriOf('istio-virtualservices.yaml')).some((p) => p.includes('istio/vs-subset-not-found')));
  });
  test('covers every bundled kind', () => {
    const missing = registry()
      .kinds()
      .map((k) => `${k.group}/${k.kind}`)
      .filter((id) => !kinds.has(id));
    assert.deepEqual(missing, []);
  });
});

describe('invalid corpus: each `# expect:` is reported on its line, and nothing else', () => {
  for (const f of yamlFiles(INVALID)) {
    test(f, () => {
      const text = fs.readFileSync(path.join(INVALID, f), 'utf8');
      const expected: string[] = [];
      text.split(/\r?\n/).forEach((line, i) => {
        const m = /#\s*expect:\s*(.+)$/.exec(line);
        if (m) for (const rule of m[1].trim().split(/\s+/)) expected.push(`${i + 1}: ${rule}`);
      });
      const got = fileDiagnostics(registry(), file(text))
        .filter((d) => d.severity !== 'info' || expected.some((e) => e.endsWith(d.rule)))
        .map((d) => `${d.range.start.line + 1}: ${d.rule}`);
      assert.deepEqual(got.sort(), expected.sort());
    });
  }
});
