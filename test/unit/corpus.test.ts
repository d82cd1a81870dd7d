import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { fileDiagnostics } from '../../server/src/service/features/diagnostics';
import { file, registry, ROOT } from './helpers';

const VALID = path.join(ROOT, 'test', 'fixtures', 'valid');
const INVALID = path.join(ROOT, 'test', 'fixtures', 'invalid');

function yamlFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
}

describe('valid corpus: no error or warning', () => {
  const kinds = new Set<string>();
  for (const f of yamlFiles(VALID)) {
    test(f, () => {
      const text = fs.readFileSync(path.join(VALID, f), 'utf8');
      const sf = file(text);
      for (const s of sf.segments) if (s.parsed.head.kind && s.parsed.head.apiVersion) kinds.add(`${s.parsed.head.apiVersion.split('/')[0]}/${s.parsed.head.kind}`);
      const ds = fileDiagnostics(registry(), sf).filter((d) => d.severity === 'error' || d.severity === 'warning');
      assert.deepEqual(ds.map((d) => `${d.range.start.line + 1}: ${d.rule} ${d.message}`), []);
    });
  }
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
