import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { MeshService } from '../../server/src/service';
import { SchemaRegistry } from '../../server/src/service/schema/registry';
import { ROOT, SCHEMAS } from './helpers';

/** The realistic sample workspaces are correct configurations: every rule must stay quiet on them. */
const SAMPLES = path.join(ROOT, 'samples');
const registry = new SchemaRegistry(SCHEMAS);

for (const dir of fs.readdirSync(SAMPLES).filter((d) => d !== 'mistakes' && fs.statSync(path.join(SAMPLES, d)).isDirectory())) {
  test(`samples/${dir} has no error or warning`, () => {
    const svc = new MeshService(registry);
    const files = fs.readdirSync(path.join(SAMPLES, dir)).filter((f) => /\.ya?ml$/.test(f));
    for (const f of files) svc.setFile(`file:///samples/${dir}/${f}`, fs.readFileSync(path.join(SAMPLES, dir, f), 'utf8'));
    const found = files.flatMap((f) =>
      svc
        .diagnostics(`file:///samples/${dir}/${f}`)
        .filter((d) => d.severity === 'error' || d.severity === 'warning')
        .map((d) => `${f}:${d.range.start.line + 1} ${d.rule}: ${d.message}`),
    );
    assert.deepEqual(found, []);
  });
}

test('samples/mistakes shows its deliberate mistakes', () => {
  const svc = new MeshService(registry);
  const dir = path.join(SAMPLES, 'mistakes');
  let errors = 0;
  for (const f of fs.readdirSync(dir).filter((x) => /\.ya?ml$/.test(x))) {
    svc.setFile(`file:///m/${f}`, fs.readFileSync(path.join(dir, f), 'utf8'));
    errors += svc.diagnostics(`file:///m/${f}`).filter((d) => d.severity === 'error').length;
  }
  assert.ok(errors >= 5, `only ${errors} errors`);
});
