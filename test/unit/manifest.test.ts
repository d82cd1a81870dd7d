import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_SETTINGS } from '../../server/src/protocol';
import { ROOT } from './helpers';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { scope?: string; description?: string; markdownDescription?: string; default?: unknown }> }; commands: Array<{ command: string; title: string; category?: string }> };
};

function clientSources(): string {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) out.push(fs.readFileSync(p, 'utf8'));
    }
  };
  walk(path.join(ROOT, 'client', 'src'));
  return out.join('\n');
}

test('every server setting is declared in package.json with a scope, a description and the same default', () => {
  const props = pkg.contributes.configuration.properties;
  for (const [key, value] of Object.entries(DEFAULT_SETTINGS)) {
    const p = props[`meshYaml.${key}`];
    assert.ok(p, `meshYaml.${key} is not declared in package.json`);
    assert.ok(p.scope, `meshYaml.${key} has no scope`);
    assert.ok(p.description || p.markdownDescription, `meshYaml.${key} has no description`);
    assert.deepEqual(p.default, value, `meshYaml.${key} default differs`);
  }
});

test('every declared setting is read by the code', () => {
  const src = clientSources() + fs.readFileSync(path.join(ROOT, 'server', 'src', 'protocol.ts'), 'utf8');
  for (const key of Object.keys(pkg.contributes.configuration.properties)) {
    const short = key.replace(/^meshYaml\./, '');
    assert.ok(src.includes(`'${short}'`) || src.includes(`${short}:`) || short.startsWith('trace.'), `${key} is declared but never read`);
  }
});

test('every command in package.json is registered by the extension, with a category', () => {
  const src = clientSources();
  for (const c of pkg.contributes.commands) {
    assert.ok(c.category, `${c.command} has no category`);
    assert.match(c.command, /^meshYaml\.[a-z][A-Za-z]+$/);
    assert.ok(src.includes(`'${c.command}'`), `${c.command} is not registered in client/src`);
  }
});

test('every rule id and IST/KIA code quoted in a setting description exists', async () => {
  const { ALL_RULES } = await import('../../server/src/service/rules');
  const ids = new Set(ALL_RULES.map((r) => r.id));
  const codes = new Set(ALL_RULES.flatMap((r) => [r.code, ...(r.alsoCodes ?? [])]).filter((c): c is string => !!c));
  // ids reported outside the rule registry (schema validation) are string literals in the server sources
  const server = (dir: string): string =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .map((e) => (e.isDirectory() ? server(path.join(dir, e.name)) : e.name.endsWith('.ts') ? fs.readFileSync(path.join(dir, e.name), 'utf8') : ''))
      .join('\n');
  const src = server(path.join(ROOT, 'server', 'src'));
  let checked = 0;
  for (const [key, p] of Object.entries(pkg.contributes.configuration.properties)) {
    const text = `${p.description ?? ''} ${p.markdownDescription ?? ''}`;
    for (const m of text.matchAll(/\b(istio|istio-webhook|kiali|linkerd|practice|schema)\/[a-z0-9]+(?:-[a-z0-9]+)*\b/g)) {
      checked++;
      assert.ok(ids.has(m[0]) || src.includes(`'${m[0]}'`), `${key} mentions rule ${m[0]}, which does not exist`);
    }
    for (const m of text.matchAll(/\b(?:IST|KIA)\d{4}\b/g)) {
      checked++;
      assert.ok(codes.has(m[0]), `${key} mentions code ${m[0]}, which no rule has`);
    }
  }
  assert.ok(checked >= 3, `only ${checked} rule references found in the settings`);
});
