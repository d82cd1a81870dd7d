/**
 * The edit path keeps state between calls (documents re-split around an edit, the workspace index updated in
 * place, rule findings reused by what they depend on). Whatever the sequence of edits, the diagnostics of every
 * file must equal those of a service that reads the same texts from scratch.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { MeshService } from '../../server/src/service';
import { ROOT, registry } from './helpers';

function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(e.name) ? [p] : [];
  });
}

const WORDS = ['reviews', 'ratings', 'details', 'productpage', 'v1', 'v2', 'v3', 'shop', 'bookstore', 'default', 'mesh', 'STRICT', 'PERMISSIVE', 'DISABLE', 'ISTIO_MUTUAL', '*', 'istio-system', '80', '9080', 'http', 'grpc', 'ALLOW', 'DENY'];

function fresh(files: Map<string, string>): MeshService {
  const svc = new MeshService(registry());
  for (const [u, t] of files) svc.setFile(u, t);
  return svc;
}

/** A random edit: a word replaced by one of WORDS, a digit changed, a line duplicated or deleted, a `---` inserted. */
function mutate(text: string, rnd: (n: number) => number, donors: string[]): string {
  const lines = text.split('\n');
  const i = rnd(lines.length);
  switch (rnd(8)) {
    case 6:
    case 7: {
      // the value of another line (of any file) here: makes hosts, subsets and names meet
      const value = (l: string): RegExpExecArray | null => /^(\s*(?:- )*(?:[\w.-]+: )?)(\S.*)$/.exec(l);
      const donor = donors[rnd(donors.length)].split('\n');
      const from = value(donor[rnd(donor.length)]);
      const to = value(lines[i]);
      if (!from || !to) return text;
      lines[i] = to[1] + from[2];
      break;
    }
    case 0:
    case 1: {
      const words = [...lines[i].matchAll(/[A-Za-z0-9_*.-]+/g)];
      if (!words.length) return text;
      const w = words[rnd(words.length)];
      lines[i] = lines[i].slice(0, w.index) + WORDS[rnd(WORDS.length)] + lines[i].slice(w.index! + w[0].length);
      break;
    }
    case 2:
      lines[i] = lines[i].replace(/\d/, (d) => String((Number(d) + 1) % 10));
      break;
    case 3:
      lines.splice(i, 0, lines[i]);
      break;
    case 4:
      lines.splice(i, 1);
      break;
    default:
      lines.splice(i, 0, '---');
  }
  return lines.join('\n');
}

test('random edits across a workspace: diagnostics equal a fresh analysis of the same texts', () => {
  const paths = [...yamlFiles(path.join(ROOT, 'samples')), ...['istio-virtualservices.yaml', 'istio-destinationrules.yaml', 'linkerd-policy.yaml'].map((f) => path.join(ROOT, 'test/fixtures/valid', f))];
  const files = new Map(paths.map((p) => [`file:///ws/${path.relative(ROOT, p)}`, fs.readFileSync(p, 'utf8')]));
  const uris = [...files.keys()];
  const svc = fresh(files);
  for (const u of uris) svc.diagnostics(u);
  let seed = 20261203;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  for (let step = 0; step < 250; step++) {
    // one to three edits, then diagnostics of some files (not always all: caches must survive several changes)
    for (let k = 1 + rnd(3); k > 0; k--) {
      const u = uris[rnd(uris.length)];
      const t = mutate(files.get(u)!, rnd, [...files.values()]);
      files.set(u, t);
      svc.setFile(u, t);
    }
    const ref = fresh(files);
    const check = step % 3 === 0 ? uris : [uris[rnd(uris.length)], uris[rnd(uris.length)]];
    for (const u of check) {
      assert.deepEqual(svc.diagnostics(u), ref.diagnostics(u), `step ${step}, ${u}`);
    }
  }
});

test('a second call with nothing changed returns the same array (the server then publishes nothing new)', () => {
  const svc = new MeshService(registry());
  svc.setFile('file:///a.yaml', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: a\nspec:\n  hosts: [a]\n  http:\n  - timout: 1s\n');
  const first = svc.diagnostics('file:///a.yaml');
  assert.ok(first.length > 0);
  assert.equal(svc.diagnostics('file:///a.yaml'), first);
  svc.setFile('file:///b.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n');
  assert.deepEqual(svc.diagnostics('file:///a.yaml'), first);
});

test('a resource newly filed under a key another check looked up makes that check run again', () => {
  const vs = (name: string, host: string): string =>
    `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${name}\n  namespace: shop\nspec:\n  hosts: [${host}]\n  http:\n  - route:\n    - destination:\n        host: ${host}\n`;
  const files = new Map([
    ['file:///ws/a.yaml', vs('a', 'orders')],
    ['file:///ws/b.yaml', vs('b', 'payments')],
  ]);
  const svc = fresh(files);
  assert.ok(!svc.diagnostics('file:///ws/a.yaml').some((d) => d.code === 'IST0109'));
  svc.diagnostics('file:///ws/b.yaml');
  // b now routes the host a routes: a's IST0109 check looked up "orders", which b is now filed under
  files.set('file:///ws/b.yaml', vs('b', 'orders'));
  svc.setFile('file:///ws/b.yaml', files.get('file:///ws/b.yaml')!);
  const got = svc.diagnostics('file:///ws/a.yaml');
  assert.ok(got.some((d) => d.code === 'IST0109'), JSON.stringify(got));
  assert.deepEqual(got, fresh(files).diagnostics('file:///ws/a.yaml'));
  // and back
  files.set('file:///ws/b.yaml', vs('b', 'payments'));
  svc.setFile('file:///ws/b.yaml', files.get('file:///ws/b.yaml')!);
  assert.ok(!svc.diagnostics('file:///ws/a.yaml').some((d) => d.code === 'IST0109'));
});

test('the index keeps nothing of replaced resources (200 edits retained every old document once)', () => {
  const doc = (i: number, w: number): string =>
    `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: s${i}\n  namespace: shop\nspec:\n  hosts: [s${i}]\n  http:\n  - route:\n    - destination:\n        host: s${i}\n      weight: ${w}\n`;
  const svc = new MeshService(registry());
  const texts = Array.from({ length: 20 }, (_, i) => doc(i, 100));
  svc.setFile('file:///ws/m.yaml', texts.join('---\n'));
  svc.diagnostics('file:///ws/m.yaml');
  for (let k = 0; k < 200; k++) {
    texts[k % 20] = doc(k % 20, k % 2 ? 100 : 99);
    svc.setFile('file:///ws/m.yaml', texts.join('---\n'));
    svc.diagnostics('file:///ws/m.yaml');
  }
  const index = svc.index() as unknown as { ords: Map<unknown, number>; all: unknown[] };
  assert.equal(index.all.length, 20);
  assert.equal(index.ords.size, 20, 'no replaced resource is still referenced by the index');
});

/** The smallest range change that turns `a` into `b` (as an editor sends it), in LSP positions of `a`. */
function rangeChange(a: string, b: string): { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string } {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  const pos = (off: number): { line: number; character: number } => {
    const before = a.slice(0, off);
    const line = before.split('\n').length - 1;
    return { line, character: off - (before.lastIndexOf('\n') + 1) };
  };
  return { range: { start: pos(p), end: pos(a.length - s) }, text: b.slice(p, b.length - s) };
}

test('random range edits (as an editor sends them) of a large file: diagnostics equal a fresh analysis', () => {
  const parts = ['istio-virtualservices.yaml', 'istio-destinationrules.yaml'].map((f) => fs.readFileSync(path.join(ROOT, 'test/fixtures/valid', f), 'utf8'));
  const uri = 'file:///ws/big.yaml';
  let text = [...parts, ...parts, ...parts].join('---\n');
  const svc = new MeshService(registry());
  svc.setFile(uri, text);
  svc.diagnostics(uri);
  let seed = 20261205;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  for (let step = 0; step < 200; step++) {
    const next = mutate(text, rnd, parts);
    svc.editFile(uri, [rangeChange(text, next)]);
    text = next;
    assert.equal(svc.file(uri)!.text, text, `step ${step}: text`);
    if (step % 2 === 0) assert.deepEqual(svc.diagnostics(uri), fresh(new Map([[uri, text]])).diagnostics(uri), `step ${step}`);
  }
});
