/**
 * Drives the built language server over stdio exactly as an editor does and prints latency figures for a
 * file of N services (3 resources each). Usage: npm run bench [-- --n 100]
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { LspClient } from '../lsp/client';
import { manifest } from './workload';

const ROOT = path.join(__dirname, '..', '..');
const SERVER = path.join(ROOT, 'dist', 'server', 'server.js');

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function fmt(ms: number): string {
  return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

async function measure(n: number): Promise<Record<string, string>> {
  const text = manifest(n);
  const lines = text.split('\n');
  const client = new LspClient(process.execPath, [SERVER, '--stdio']);
  await client.initialize();
  const uri = `file:///bench/mesh-${n}.yaml`;

  let t0 = performance.now();
  let got = client.waitFor('textDocument/publishDiagnostics', (p) => p.uri === uri, 60000);
  client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  const first = (await got).diagnostics as unknown[];
  const open = performance.now() - t0;

  // one-character edits in the middle of the file: toggle a digit of a weight back and forth
  const mid = lines.findIndex((l, i) => i > lines.length / 2 && l.trim() === 'weight: 90');
  const col = lines[mid].indexOf('90');
  const edits: number[] = [];
  for (let k = 0; k < 20; k++) {
    const digit = k % 2 === 0 ? '8' : '9';
    t0 = performance.now();
    got = client.waitFor('textDocument/publishDiagnostics', (p) => p.uri === uri, 60000);
    client.notify('textDocument/didChange', {
      textDocument: { uri, version: k + 2 },
      contentChanges: [{ range: { start: { line: mid, character: col }, end: { line: mid, character: col + 1 } }, text: digit }],
    });
    await got;
    edits.push(performance.now() - t0);
  }

  // completion and hover at a few hundred positions
  const keyLines = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\s+(- )?[a-zA-Z]+:/.test(l));
  const sample = keyLines.filter((_, i) => i % Math.max(1, Math.floor(keyLines.length / 300)) === 0).slice(0, 300);
  const comp: number[] = [];
  const hov: number[] = [];
  for (const [l, i] of sample) {
    const c = l.search(/[a-zA-Z]/);
    t0 = performance.now();
    await client.request('textDocument/hover', { textDocument: { uri }, position: { line: i, character: c + 1 } });
    hov.push(performance.now() - t0);
    t0 = performance.now();
    await client.request('textDocument/completion', { textDocument: { uri }, position: { line: i, character: c } });
    comp.push(performance.now() - t0);
  }
  await client.shutdown();
  return {
    resources: String(n * 3),
    lines: String(lines.length),
    diagnostics: String(first.length),
    'open → diagnostics': fmt(open),
    'edit → diagnostics p50': fmt(pct(edits, 50)),
    'edit → diagnostics p95': fmt(pct(edits, 95)),
    'completion p50': fmt(pct(comp, 50)),
    'completion p95': fmt(pct(comp, 95)),
    'hover p50': fmt(pct(hov, 50)),
    'hover p95': fmt(pct(hov, 95)),
  };
}

async function main(): Promise<void> {
  const arg = process.argv.indexOf('--n');
  const sizes = arg > 0 ? [Number(process.argv[arg + 1])] : [100, 300, 1000];
  const rows: Array<Record<string, string>> = [];
  for (const n of sizes) rows.push(await measure(n));
  const keys = Object.keys(rows[0]);
  const width = Math.max(...keys.map((k) => k.length));
  console.log(`\nmesh-language-server over stdio (services → ${sizes.join(', ')})`);
  for (const k of keys) console.log(`${k.padEnd(width)}  ${rows.map((r) => r[k].padStart(12)).join('')}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
