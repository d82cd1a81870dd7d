/**
 * Checks the snippets contributed in package.json: every file exists and parses, every snippet has a
 * unique prefix, a description and a body, every tab stop has a default, and the snippet expanded with
 * its defaults is a clean manifest for MeshService (no error, no warning). Also: VirtualService weights add
 * up to 100, the progressive canary has one snippet per step (90/10, 75/25, 50/50, 0/100; a snippet choice
 * cannot keep two weights consistent), and the mTLS migration is a PERMISSIVE-then-STRICT pair.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { MeshService, SchemaRegistry } from '../../server/src/service';

const ROOT = path.resolve(__dirname, '..', '..');

interface Snippet {
  prefix?: unknown;
  description?: unknown;
  body?: unknown;
}

interface Contribution {
  language: string;
  path: string;
}

/** Values for the VS Code variables a snippet may use (only what a test needs to get plausible YAML). */
const VARIABLES: Record<string, string> = {
  TM_FILENAME: 'reviews.yaml',
  TM_FILENAME_BASE: 'reviews',
  TM_DIRECTORY: 'manifests',
  WORKSPACE_NAME: 'app',
  CURRENT_YEAR: '2025',
};

export interface Expansion {
  text: string;
  /** tab stop numbers that appear in the body */
  stops: Set<number>;
  /** tab stop numbers that have a default somewhere (a placeholder text or a choice) */
  defaults: Map<number, string>;
  /** variables that were used */
  variables: Set<string>;
}

/**
 * Expands a VS Code snippet body with the defaults it carries: `${1:x}` -> x (recursively), `${1|a,b|}` -> a,
 * `$1`/`${1}` -> the default another occurrence of tab stop 1 gives (a mirror) or '' when none,
 * `$VAR`/`${VAR:default}` -> a known variable value or the default, `\$`, `\}` and `\\` -> the character.
 */
export function expandSnippet(body: string): Expansion {
  const stops = new Set<number>();
  const defaults = new Map<number, string>();
  const variables = new Set<string>();
  type Part = { kind: 'text'; text: string } | { kind: 'stop'; n: number; inner?: Part[]; choice?: string } | { kind: 'var'; name: string; inner?: Part[] };
  let i = 0;

  // Parses until `stopAt` (a `}` closing a placeholder) or the end; escapes are resolved here.
  function parseParts(inPlaceholder: boolean): Part[] {
    const parts: Part[] = [];
    let text = '';
    const flush = (): void => {
      if (text) parts.push({ kind: 'text', text });
      text = '';
    };
    while (i < body.length) {
      const c = body[i];
      if (c === '\\' && i + 1 < body.length && '$}\\'.includes(body[i + 1])) {
        text += body[i + 1];
        i += 2;
        continue;
      }
      if (c === '}' && inPlaceholder) break;
      if (c === '$') {
        const rest = body.slice(i + 1);
        let m: RegExpExecArray | null;
        if ((m = /^(\d+)/.exec(rest))) {
          flush();
          parts.push({ kind: 'stop', n: Number(m[1]) });
          i += 1 + m[1].length;
          continue;
        }
        if ((m = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(rest))) {
          flush();
          parts.push({ kind: 'var', name: m[1] });
          i += 1 + m[1].length;
          continue;
        }
        if ((m = /^\{(\d+)\}/.exec(rest))) {
          flush();
          parts.push({ kind: 'stop', n: Number(m[1]) });
          i += 1 + m[0].length;
          continue;
        }
        if ((m = /^\{(\d+)\|((?:[^|\\]|\\.)*)\|\}/.exec(rest))) {
          flush();
          const options = m[2].split(/(?<!\\),/).map((o) => o.replace(/\\(.)/g, '$1'));
          parts.push({ kind: 'stop', n: Number(m[1]), choice: options[0] });
          i += 1 + m[0].length;
          continue;
        }
        if ((m = /^\{(\d+):/.exec(rest))) {
          flush();
          i += 1 + m[0].length;
          const inner = parseParts(true);
          if (body[i] !== '}') throw new Error(`unclosed placeholder \${${m[1]}:...`);
          i++;
          parts.push({ kind: 'stop', n: Number(m[1]), inner });
          continue;
        }
        if ((m = /^\{([A-Za-z_][A-Za-z0-9_]*)(:|\})/.exec(rest))) {
          flush();
          i += 1 + m[0].length;
          if (m[2] === '}') {
            parts.push({ kind: 'var', name: m[1] });
          } else {
            const inner = parseParts(true);
            if (body[i] !== '}') throw new Error(`unclosed variable \${${m[1]}:...`);
            i++;
            parts.push({ kind: 'var', name: m[1], inner });
          }
          continue;
        }
        if (/^\{\d+\//.test(rest) || /^\{[A-Za-z_][A-Za-z0-9_]*\//.test(rest)) {
          throw new Error('transforms (${1/regex/format/}) are not supported by this test');
        }
        // A lone `$` is literal text in VS Code.
      }
      text += c;
      i++;
    }
    flush();
    return parts;
  }

  const parts = parseParts(false);
  if (i < body.length) throw new Error(`unbalanced "}" at offset ${i}`);

  // First pass: collect the defaults of every tab stop (first placeholder or choice wins, as in VS Code).
  function collect(ps: Part[]): void {
    for (const p of ps) {
      if (p.kind === 'stop') {
        stops.add(p.n);
        if (p.choice !== undefined && !defaults.has(p.n)) defaults.set(p.n, p.choice);
        if (p.inner) {
          if (!defaults.has(p.n)) defaults.set(p.n, render(p.inner));
          collect(p.inner);
        }
      } else if (p.kind === 'var') {
        variables.add(p.name);
        if (p.inner) collect(p.inner);
      }
    }
  }
  function render(ps: Part[]): string {
    return ps
      .map((p) => {
        if (p.kind === 'text') return p.text;
        if (p.kind === 'stop') return defaults.get(p.n) ?? (p.inner ? render(p.inner) : p.choice ?? '');
        return VARIABLES[p.name] ?? (p.inner ? render(p.inner) : '');
      })
      .join('');
  }
  collect(parts);
  return { text: render(parts), stops, defaults, variables };
}

function bodyText(body: unknown): string {
  return Array.isArray(body) ? body.join('\n') : String(body);
}

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes?: { snippets?: Contribution[] } };
const contributions = pkg.contributes?.snippets ?? [];

function loadSnippets(c: Contribution): Record<string, Snippet> {
  return JSON.parse(fs.readFileSync(path.join(ROOT, c.path), 'utf8')) as Record<string, Snippet>;
}

void test('snippet expander', () => {
  assert.equal(expandSnippet('name: ${1:reviews}').text, 'name: reviews');
  assert.equal(expandSnippet('a: ${1:x-${2:y}}\nb: $2\nc: $1').text, 'a: x-y\nb: y\nc: x-y');
  assert.equal(expandSnippet('mode: ${1|STRICT,PERMISSIVE|}').text, 'mode: STRICT');
  assert.equal(expandSnippet('cost: \\$5 ${1:a\\}b}$0').text, 'cost: $5 a}b');
  assert.equal(expandSnippet('name: ${TM_FILENAME_BASE}').text, 'name: reviews');
  assert.equal(expandSnippet('name: ${NOPE:fallback}').text, 'name: fallback');
  assert.equal(expandSnippet('x: ${1|a\\,b,c|}').text, 'x: a,b');
  const e = expandSnippet('a: $1\nb: ${2:z}');
  assert.deepEqual([...e.stops].sort(), [1, 2]);
  assert.equal(e.defaults.has(1), false);
  assert.throws(() => expandSnippet('a: ${1:x'));
});

void test('package.json contributes the snippet files', () => {
  assert.ok(contributions.length > 0, 'no contributes.snippets');
  for (const c of contributions) {
    assert.equal(c.language, 'yaml', `${c.path}: language should be yaml`);
    assert.ok(fs.existsSync(path.join(ROOT, c.path)), `${c.path} does not exist`);
    assert.doesNotThrow(() => loadSnippets(c), `${c.path} is not valid JSON`);
  }
});

void test('snippet prefixes are unique', () => {
  const seen = new Map<string, string>();
  const dups: string[] = [];
  for (const c of contributions) {
    for (const [name, s] of Object.entries(loadSnippets(c))) {
      const prefixes = Array.isArray(s.prefix) ? (s.prefix as unknown[]) : [s.prefix];
      for (const p of prefixes) {
        const key = String(p);
        const where = `${c.path}: ${name}`;
        if (seen.has(key)) dups.push(`${key} (${seen.get(key)} and ${where})`);
        else seen.set(key, where);
      }
    }
  }
  assert.deepEqual(dups, [], `duplicate prefixes:\n  ${dups.join('\n  ')}`);
});

const registry = new SchemaRegistry(path.join(ROOT, 'schemas'));

/**
 * Findings that are wrong for a snippet, by prefix, each with the reason. An entry that no longer matches a
 * finding fails the test, so the list shrinks as the analysis rules learn these cases.
 */
const KNOWN_FALSE_POSITIVES: Array<{ prefix: string; rule: string; message: RegExp; reason: string }> = [];

for (const c of contributions) {
  if (!fs.existsSync(path.join(ROOT, c.path))) continue;
  const snippets = loadSnippets(c);
  for (const [name, s] of Object.entries(snippets)) {
    void test(`snippet ${path.basename(c.path)}: ${name}`, () => {
      const prefixes = Array.isArray(s.prefix) ? (s.prefix as unknown[]) : [s.prefix];
      assert.ok(prefixes.length > 0 && prefixes.every((p) => typeof p === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(p)), `${name}: bad prefix`);
      assert.ok(typeof s.description === 'string' && s.description.trim().length > 0, `${name}: description missing`);
      assert.ok(
        (typeof s.body === 'string' && s.body.length > 0) ||
          (Array.isArray(s.body) && s.body.length > 0 && s.body.every((l) => typeof l === 'string')),
        `${name}: body must be a string or a list of strings`,
      );
      const body = bodyText(s.body);
      assert.ok(!body.includes('\t'), `${name}: use spaces, not tabs, in YAML`);

      const exp = expandSnippet(body);
      const noDefault = [...exp.stops].filter((n) => n !== 0 && !exp.defaults.has(n));
      assert.deepEqual(noDefault, [], `${name}: tab stops without a default: ${noDefault.map((n) => '$' + n).join(', ')}`);
      assert.ok(exp.stops.size > 0, `${name}: has no tab stops`);
      const unknownVars = [...exp.variables].filter((v) => !(v in VARIABLES));
      assert.deepEqual(unknownVars, [], `${name}: unknown snippet variables`);

      // Every document must be a mesh resource with apiVersion, kind and a name.
      const docs = parseAllDocuments(exp.text);
      assert.ok(docs.length > 0, `${name}: expands to nothing`);
      for (const d of docs) {
        assert.deepEqual(d.errors.map((e) => e.message), [], `${name}: YAML errors`);
        const v = d.toJSON() as { apiVersion?: string; kind?: string; metadata?: { name?: string } } | null;
        assert.ok(v && v.apiVersion && v.kind && v.metadata?.name, `${name}: every document needs apiVersion, kind and metadata.name`);
        const lookup = registry.lookup(v.apiVersion, v.kind);
        assert.equal(lookup.status, 'ok', `${name}: ${v.apiVersion} ${v.kind} is not a known mesh kind`);
        if (lookup.status === 'ok') {
          const preferred = registry.preferredVersion(lookup.kind.info).name;
          assert.equal(lookup.kind.version.name, preferred, `${name}: ${v.kind} should use the current version ${preferred}`);
        }
      }

      const svc = new MeshService(registry);
      const uri = `file:///snippets/${encodeURIComponent(name)}.yaml`;
      svc.setFile(uri, exp.text);
      const known = KNOWN_FALSE_POSITIVES.filter((k) => prefixes.includes(k.prefix));
      const used = new Set<(typeof known)[number]>();
      const problems = svc
        .diagnostics(uri)
        .filter((d) => d.severity === 'error' || d.severity === 'warning')
        .filter((d) => {
          const k = known.find((x) => x.rule === d.rule && x.message.test(d.message));
          if (k) used.add(k);
          return !k;
        })
        .map((d) => `${d.severity} ${d.rule} (line ${d.range.start.line + 1}): ${d.message}`);
      const stale = known.filter((k) => !used.has(k)).map((k) => `${k.rule} (${k.reason})`);
      assert.deepEqual(stale, [], `${name}: known false positives no longer reported; remove them from KNOWN_FALSE_POSITIVES`);
      assert.deepEqual(problems, [], `${name}: diagnostics on the expanded snippet:\n  ${problems.join('\n  ')}\n--- expanded ---\n${exp.text}`);
    });
  }
}

/** Every snippet of every contributed file, expanded with its defaults and parsed. */
function expandedSnippets(): Array<{ name: string; prefixes: string[]; docs: Array<Record<string, unknown>> }> {
  const out: Array<{ name: string; prefixes: string[]; docs: Array<Record<string, unknown>> }> = [];
  for (const c of contributions) {
    if (!fs.existsSync(path.join(ROOT, c.path))) continue;
    for (const [name, s] of Object.entries(loadSnippets(c))) {
      const prefixes = (Array.isArray(s.prefix) ? s.prefix : [s.prefix]).map(String);
      const docs = parseAllDocuments(expandSnippet(bodyText(s.body)).text).map((d) => (d.toJSON() ?? {}) as Record<string, unknown>);
      out.push({ name, prefixes, docs });
    }
  }
  return out;
}

interface WeightedRoute {
  route?: Array<{ weight?: number; destination?: { subset?: string } }>;
}

/** The weighted route lists of a VirtualService (http, tcp and tls rules). */
function routeLists(vs: Record<string, unknown>): WeightedRoute['route'][] {
  const spec = (vs.spec ?? {}) as Record<string, WeightedRoute[] | undefined>;
  return [...(spec.http ?? []), ...(spec.tcp ?? []), ...(spec.tls ?? [])].map((r) => r.route).filter((r) => Array.isArray(r));
}

void test('snippet VirtualService weights add up to 100', () => {
  const bad: string[] = [];
  for (const { name, docs } of expandedSnippets()) {
    for (const d of docs.filter((x) => x.kind === 'VirtualService')) {
      for (const route of routeLists(d)) {
        if (!route!.some((r) => r.weight !== undefined)) continue;
        const sum = route!.reduce((n, r) => n + (r.weight ?? 0), 0);
        if (sum !== 100) bad.push(`${name}: weights ${route!.map((r) => r.weight ?? 0).join('/')} add up to ${sum}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

void test('progressive canary: one snippet per step, each with its own consistent weights', () => {
  const all = expandedSnippets();
  for (const [stable, canary] of [
    [90, 10],
    [75, 25],
    [50, 50],
    [0, 100],
  ]) {
    const prefix = `istio-canary-step-${stable}-${canary}`;
    const s = all.find((x) => x.prefixes.includes(prefix));
    assert.ok(s, `${prefix} is missing`);
    const vs = s.docs.find((d) => d.kind === 'VirtualService');
    assert.ok(vs && s.docs.some((d) => d.kind === 'DestinationRule'), `${prefix}: needs a DestinationRule and a VirtualService`);
    const [route] = routeLists(vs);
    assert.deepEqual(
      route!.map((r) => [r.destination?.subset, r.weight]),
      [
        ['stable', stable],
        ['canary', canary],
      ],
      `${prefix}: weights`,
    );
  }
});

void test('mTLS migration pair: PERMISSIVE first, then STRICT on the same PeerAuthentication', () => {
  const all = expandedSnippets();
  const steps = ['istio-mtls-migration-1-permissive', 'istio-mtls-migration-2-strict'].map((prefix) => {
    const s = all.find((x) => x.prefixes.includes(prefix));
    assert.ok(s, `${prefix} is missing`);
    assert.equal(s.docs.length, 1, `${prefix}: one PeerAuthentication`);
    const pa = s.docs[0] as { kind?: string; metadata?: { name?: string; namespace?: string }; spec?: { mtls?: { mode?: string }; selector?: unknown } };
    assert.equal(pa.kind, 'PeerAuthentication');
    assert.equal(pa.spec?.selector, undefined, `${prefix}: namespace-wide (no selector)`);
    return pa;
  });
  assert.deepEqual(
    steps.map((pa) => pa.spec?.mtls?.mode),
    ['PERMISSIVE', 'STRICT'],
  );
  assert.deepEqual(steps[0].metadata, steps[1].metadata, 'step 2 must replace step 1 (same name and namespace)');
});
