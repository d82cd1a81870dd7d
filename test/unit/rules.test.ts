import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { overlappingHosts } from '../../server/src/service/rules/istio-webhook/validation/virtualservice';
import { MeshService, type FileDiagnostic } from '../../server/src/service';
import { ALL_RULES } from '../../server/src/service/rules';
import { applyEdits, ROOT, SCHEMAS } from './helpers';
import { SchemaRegistry } from '../../server/src/service/schema/registry';

/**
 * Every rule has a folder test/fixtures/rules/<id with "/" as "__">/ holding a positive and a negative case:
 * `positive.yaml` (or a folder `positive/` of files forming one workspace) marks each expected finding with a
 * trailing `# expect: <rule id>` on the line where it starts; `negative` must produce no finding of the rule.
 * Every quick-fix offered on a positive case is applied and the workspace re-analysed: the finding must be gone
 * and no new error or warning may appear.
 */
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'rules');

function loadCase(dir: string, name: string): Map<string, string> | undefined {
  const file = path.join(dir, `${name}.yaml`);
  const folder = path.join(dir, name);
  const out = new Map<string, string>();
  if (fs.existsSync(file)) out.set(`file:///ws/${name}.yaml`, fs.readFileSync(file, 'utf8'));
  else if (fs.existsSync(folder)) {
    for (const f of fs.readdirSync(folder).filter((x) => /\.ya?ml$/.test(x)).sort()) out.set(`file:///ws/${name}/${f}`, fs.readFileSync(path.join(folder, f), 'utf8'));
  } else return undefined;
  return out;
}

const registry = new SchemaRegistry(SCHEMAS);
function analyze(files: Map<string, string>): Map<string, FileDiagnostic[]> {
  const svc = new MeshService(registry);
  svc.dedupeFindings = false; // each rule is tested on its own findings
  svc.onRuleError = (rule, _res, e) => {
    throw new Error(`rule ${rule.id} threw: ${String(e)}`);
  };
  for (const [uri, text] of files) svc.setFile(uri, text);
  const out = new Map<string, FileDiagnostic[]>();
  for (const uri of files.keys()) out.set(uri, svc.diagnostics(uri));
  return out;
}

function expectations(files: Map<string, string>, ruleId: string): string[] {
  const out: string[] = [];
  for (const [uri, text] of files) {
    text.split(/\r?\n/).forEach((line, i) => {
      const m = /#\s*expect:\s*(.+)$/.exec(line);
      if (m && m[1].trim().split(/\s+/).includes(ruleId)) out.push(`${uri}:${i + 1}`);
    });
  }
  return out.sort();
}

function serious(all: Map<string, FileDiagnostic[]>): string[] {
  const out: string[] = [];
  for (const [uri, ds] of all) for (const d of ds) if (d.severity === 'error' || d.severity === 'warning') out.push(`${uri}:${d.range.start.line + 1} ${d.rule}: ${d.message}`);
  return out.sort();
}

describe('rule catalogue', () => {
  test('ids are unique, kebab-case and namespaced; every rule has a doc and kinds', () => {
    const seen = new Set<string>();
    for (const r of ALL_RULES) {
      assert.match(r.id, /^(istio|kiali|linkerd|practice|gateway-api|smi)\/[a-z0-9-]+$/, r.id);
      assert.ok(!seen.has(r.id), `duplicate id ${r.id}`);
      seen.add(r.id);
      assert.ok(r.doc.summary && r.doc.why && r.doc.fix, `${r.id} doc`);
      assert.ok(r.kinds.length, `${r.id} kinds`);
      if (r.code) assert.match(r.code, /^(IST|KIA)\d{4}$/, `${r.id} code`);
    }
  });
});

for (const rule of ALL_RULES) {
  describe(`rule ${rule.id}${rule.code ? ` (${rule.code})` : ''}`, () => {
    const dir = path.join(FIXTURES, rule.id.replace('/', '__'));
    const positive = loadCase(dir, 'positive');
    const negative = loadCase(dir, 'negative');
    test('has a positive and a negative fixture', () => {
      assert.ok(positive, `missing ${path.relative(ROOT, dir)}/positive(.yaml)`);
      assert.ok(negative, `missing ${path.relative(ROOT, dir)}/negative(.yaml)`);
    });
    if (!positive || !negative) return;
    test('positive: reports exactly the expected findings', () => {
      const expected = expectations(positive, rule.id);
      assert.ok(expected.length > 0, 'the positive fixture has no # expect: line for this rule');
      const got = [...analyze(positive)].flatMap(([uri, ds]) => ds.filter((d) => d.rule === rule.id).map((d) => `${uri}:${d.range.start.line + 1}`)).sort();
      assert.deepEqual(got, expected);
    });
    test('negative: reports nothing', () => {
      const got = [...analyze(negative)].flatMap(([uri, ds]) => ds.filter((d) => d.rule === rule.id).map((d) => `${uri}:${d.range.start.line + 1}: ${d.message}`));
      assert.deepEqual(got, []);
    });
    test('quick-fixes remove the finding and add no new error or warning', () => {
      const before = analyze(positive);
      const baseline = serious(before);
      for (const [uri, ds] of before) {
        for (const d of ds.filter((x) => x.rule === rule.id)) {
          for (const fix of d.fixes ?? []) {
            const files: Map<string, string> = new Map(positive);
            const byFile = new Map<string, typeof fix.edits>();
            for (const e of fix.edits) byFile.set(e.uri ?? uri, [...(byFile.get(e.uri ?? uri) ?? []), e]);
            for (const [target, edits] of byFile) files.set(target, applyEdits(files.get(target) ?? '', edits));
            const after = analyze(files);
            const same = (after.get(uri) ?? []).filter((x) => x.rule === rule.id).length;
            const was = ds.filter((x) => x.rule === rule.id).length;
            assert.ok(same < was, `fix "${fix.title}" did not remove the finding at line ${d.range.start.line + 1}:\n${files.get(uri)}`);
            const fresh = serious(after).filter((x) => !baseline.some((b) => b.split(' ').slice(1).join(' ') === x.split(' ').slice(1).join(' ')) && !x.includes(` ${rule.id}: `));
            assert.deepEqual(fresh, [], `fix "${fix.title}" introduced new findings:\n${files.get(uri)}`);
          }
        }
      }
    });
  });
}

test('docs/rules.md lists every rule (run npm run docs:rules when this fails)', async () => {
  const { rulesMarkdown } = await import('../../scripts/gen-rules-doc');
  assert.equal(fs.readFileSync(path.join(ROOT, 'docs', 'rules.md'), 'utf8'), rulesMarkdown(ALL_RULES));
});

test('overlapping VirtualService hosts: one finding per repeated host, plain hosts compared through a map', () => {
  assert.deepEqual(overlappingHosts(['a', 'b', 'a', 'a', '*.x', 'c.x', '*.y.x', 7, 'b']), [
    { i: 0, j: 2 },
    { i: 0, j: 3 },
    { i: 4, j: 5 },
    { i: 4, j: 6 },
    { i: 1, j: 8 },
  ]);
  // a wildcard listed after the host it covers, and the earliest overlap wins
  assert.deepEqual(overlappingHosts(['c.x', '*.x', 'c.x']), [{ i: 0, j: 1 }, { i: 0, j: 2 }]);
  const many = Array.from({ length: 100_000 }, (_, i) => `h${i}.example.com`);
  assert.deepEqual(overlappingHosts(many), []);
  assert.equal(overlappingHosts([...many, 'h5.example.com']).length, 1);
});
