/**
 * Replays every input of test/fixtures/regressions/ (crashes and hangs the fuzzer found) through the pure service,
 * the language server and the CLI, with the same checks as the fuzz suite, plus what each fixture is about.
 * Inputs in known/ reproduce problems that are not fixed yet: their tests are marked todo.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MeshService } from '../../server/src/service';
import { isEmptyText } from '../../server/src/service/documents';
import { SchemaRegistry } from '../../server/src/service/schema/registry';
import { checkRun, runCli } from './cli-harness';
import { SCHEMAS } from './corpus';
import { caseFromFixture, loadFixtures, REGRESSIONS, type Fixture } from './fixtures';
import { LspFuzzer } from './lsp-harness';
import { DEADLINE_MS, formatFailures, ServiceFuzzer } from './service-harness';

const fixtures = loadFixtures();
const known = loadFixtures(path.join(REGRESSIONS, 'known'));
const URI = 'file:///regressions/fixture.yaml';

function analyse(f: Fixture): { svc: MeshService; ms: number; warnings: string[] } {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(w.message);
  };
  process.on('warning', onWarning);
  try {
    const svc = new MeshService(new SchemaRegistry(SCHEMAS));
    const started = performance.now();
    svc.setFile(URI, f.text);
    svc.diagnostics(URI);
    return { svc, ms: performance.now() - started, warnings };
  } finally {
    process.off('warning', onWarning);
  }
}

/** What each fixture is about, beyond "no exception, within the deadline, the next edit is right". */
const CHECKS: Record<string, (svc: MeshService) => void> = {
  'blank-lines-before-document.yaml': (svc) => {
    // both documents are read (the emptiness check used to backtrack exponentially on the blank lines)
    const d = svc.diagnostics(URI);
    assert.ok(d.some((x) => x.rule === 'schema/unknown-field' && /timout/.test(x.message)), JSON.stringify(d));
  },
  'merge-key-doubling.yaml': (svc) => {
    assert.ok(!svc.diagnostics(URI).some((x) => x.rule === 'yaml/syntax'));
  },
  'alias-amplification.yaml': (svc) => {
    const d = svc.diagnostics(URI);
    assert.ok(d.some((x) => x.rule === 'limits/reduced-analysis'), 'the expansion is cut, and said so');
    assert.ok(d.length <= 1002, `${d.length} diagnostics`);
  },
  'deep-block-sequence.yaml': (svc) => {
    assert.ok(svc.diagnostics(URI).some((x) => x.rule === 'yaml/syntax'), 'reported as a syntax error');
  },
  'self-alias-cycle.yaml': (svc) => {
    // a document whose value contains itself is not a resource: rules and routing never see a cycle
    assert.deepEqual(svc.resources(URI), []);
    svc.routeGraph({ uri: URI });
  },
  'crd-schema-self-alias.yaml': (svc) => {
    assert.deepEqual(svc.registry.overrideSources(), [], 'a cyclic CRD gives no schema');
  },
  'cel-costly-item-rule.yaml': (svc) => {
    assert.ok(svc.diagnostics(URI).some((x) => x.rule === 'limits/reduced-analysis' && /CEL/.test(x.message)));
  },
  'dense-document-8mb.gen.json': (svc) => {
    const d = svc.diagnostics(URI);
    assert.ok(d.some((x) => x.rule === 'limits/reduced-analysis' && /limit per document/.test(x.message)), JSON.stringify(d));
  },
  'parse-error-flood.gen.json': (svc) => {
    const d = svc.diagnostics(URI);
    assert.ok(d.length <= 1001, `${d.length} diagnostics`);
    assert.ok(d.some((x) => x.rule === 'limits/reduced-analysis' && /YAML problems; only the first 1000/.test(x.message)));
  },
  'vs-duplicate-hosts.gen.json': (svc) => {
    // one finding per repeated host (10,000 copies: 9,999), of which the first 1000 problems are shown
    const d = svc.diagnostics(URI);
    const overlaps = d.filter((x) => x.rule === 'istio/validation-virtualservice' && /overlap/.test(x.message));
    assert.ok(overlaps.length > 0 && d.length <= 1001, `${overlaps.length} overlap findings, ${d.length} diagnostics`);
    const lines = new Set(overlaps.map((x) => x.range.start.line));
    assert.equal(lines.size, overlaps.length, 'one finding per host');
  },
  'many-findings.gen.json': (svc) => {
    // all were computed once (and overflowed the stack); now the first 1000 are kept, and one more says so
    const d = svc.diagnostics(URI);
    assert.equal(d.filter((x) => x.rule === 'schema/type').length, 1000);
    assert.ok(d.some((x) => x.rule === 'limits/reduced-analysis' && /more than 1000 problems/.test(x.message)));
  },
};

describe('regression fixtures: the pure service', () => {
  for (const f of fixtures) {
    test(f.name, () => {
      const fuzzer = new ServiceFuzzer(f.deadlineMs ?? DEADLINE_MS);
      const c = caseFromFixture(f);
      const failures = fuzzer.run(c);
      assert.equal(failures.length, 0, formatFailures([{ c, failures }]));
      const { svc, warnings } = analyse(f);
      assert.deepEqual(warnings, [], 'nothing printed through process warnings');
      CHECKS[f.name]?.(svc);
    });
  }
  test('every fixture with specific checks exists', () => {
    for (const name of Object.keys(CHECKS)) assert.ok(fixtures.some((f) => f.name === name), name);
  });
});

describe('regression fixtures: the language server', () => {
  const fuzzer = new LspFuzzer();
  before(async () => {
    await fuzzer.start();
  });
  after(async () => {
    await fuzzer.stop();
  });
  fixtures.forEach((f, i) => {
    test(f.name, async () => {
      const c = caseFromFixture(f, i);
      const failures = await fuzzer.run(c);
      assert.equal(failures.length, 0, formatFailures([{ c, failures }]));
    });
  });
});

describe('regression fixtures: mesh-lint', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-regressions-'));
    for (const f of fixtures) fs.writeFileSync(path.join(dir, f.name.replace(/\.gen\.json$/, '.yaml')), f.text);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const f of fixtures) {
    test(f.name, async () => {
      const name = f.name.replace(/\.gen\.json$/, '.yaml');
      const r = await runCli([name, '--format', 'json'], dir);
      assert.deepEqual(checkRun(r, 'json'), []);
      assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
      assert.equal(r.stderr, '', 'nothing on stderr');
    });
  }
});

describe('regression: the emptiness check', () => {
  // The old regex, kept as the specification: same answers, without its exponential backtracking.
  const OLD = /^(?:\s*(?:#.*)?(?:\r?\n|\r|$)|%.*(?:\r?\n|\r|$)|---[ \t]*(?:#.*)?(?:\r?\n|\r|$))*$/;
  test('isEmptyText agrees with the old regex on short texts', () => {
    const alphabet = ['\n', '\r', '\r\n', ' ', '\t', '#', '%', '-', '---', 'x', ':', '\u2028', '\uFEFF'];
    let seed = 12345;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    for (let i = 0; i < 20000; i++) {
      const s = Array.from({ length: rnd(9) }, () => alphabet[rnd(alphabet.length)]).join('');
      assert.equal(isEmptyText(s), OLD.test(s), JSON.stringify(s));
    }
  });
  test('is linear: 100,000 blank lines before content', () => {
    const started = performance.now();
    assert.equal(isEmptyText('\n'.repeat(100000) + 'a: 1'), false);
    assert.equal(isEmptyText('\n \t# c\n---\n'.repeat(100000)), true);
    assert.ok(performance.now() - started < 500);
  });
});

describe('known problems (not fixed yet)', () => {
  for (const f of known) {
    test(f.name, { todo: f.description ?? 'not fixed yet' }, () => {
      const { svc, ms } = analyse(f);
      const lines = f.text.split('\n').length;
      const count = svc.diagnostics(URI).length;
      assert.ok(count <= lines, `${count} diagnostics for ${lines} lines`);
      assert.ok(ms < DEADLINE_MS, `${ms.toFixed(0)} ms`);
    });
  }
});
