/**
 * The regression fixtures: inputs that once crashed or hung the server or the CLI (test/fixtures/regressions/),
 * as files, or as `.gen.json` recipes for inputs too big to keep ({prefix, repeat, times, suffix}). Inputs in
 * known/ reproduce problems that are not fixed yet (their tests are marked todo).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FuzzCase } from './cases';
import { ROOT, validCorpus } from './corpus';

export const REGRESSIONS = path.join(ROOT, 'test', 'fixtures', 'regressions');

export interface Fixture {
  name: string;
  text: string;
  description?: string;
  /** A deadline per request other than the default (for inputs whose size alone makes them slow to parse). */
  deadlineMs?: number;
}

interface Recipe {
  description?: string;
  prefix: string;
  repeat: string;
  times: number;
  suffix: string;
  deadlineMs?: number;
}

export function loadFixtures(dir = REGRESSIONS): Fixture[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$|\.gen\.json$/.test(f))
    .sort()
    .map((f) => {
      const raw = fs.readFileSync(path.join(dir, f), 'utf8');
      if (!f.endsWith('.gen.json')) return { name: f, text: raw };
      const r = JSON.parse(raw) as Recipe;
      return { name: f, text: r.prefix + r.repeat.repeat(r.times) + r.suffix, description: r.description, deadlineMs: r.deadlineMs };
    });
}

/** A fuzz case that replays a fixture: positions on a spread of lines, its hosts, a valid edit afterwards. */
export function caseFromFixture(f: Fixture, seed = 0): FuzzCase {
  const lines = f.text.split(/\r\n|\r|\n/);
  // every completion re-parses the document: big inputs get a few positions only
  const big = f.text.length > 100 * 1024;
  const spread = big ? [0, 6, lines.length - 1] : [0, 1, 4, 6, 8, 10, 12, Math.floor(lines.length / 2), lines.length - 2, lines.length - 1];
  const picks = [...new Set(spread)].filter((l) => l >= 0 && l < lines.length);
  const positions = picks.flatMap((line) => (big ? [{ line, character: Math.min(lines[line].length, 8) }] : [
    { line, character: 0 },
    { line, character: Math.min(lines[line].length, 8) },
    { line, character: Math.min(lines[line].length, 5000) },
  ]));
  const hosts = ['reviews', 'reviews.shop.svc.cluster.local', 'grpc.example.com'];
  const corpus = validCorpus();
  return {
    seed,
    base: f.name,
    mutations: [],
    text: f.text,
    positions,
    hosts,
    requests: [{ host: 'reviews' }, { host: 'grpc.example.com', path: '/emojivoto.v1.EmojiService/ListAll', method: 'POST' }],
    valid: corpus[seed % corpus.length],
    encoding: 'utf8',
    flips: [],
  };
}
