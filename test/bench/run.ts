/**
 * `npm run bench`: drives the built Mesh YAML language server (dist/server/server.js) over stdio exactly as an editor
 * does, then yaml-language-server configured with equivalent JSON schemas, on the same workloads, and prints both with
 * their ratios and the targets. See test/bench/README.md.
 *
 *   npm run bench [-- --quick] [--n 300[,1000]] [--files 2000] [--json out.json] [--no-yls] [--no-package]
 */
import { spawnSync } from 'node:child_process';
import { SERVER_NODE_ARGS } from '../../server/src/protocol';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { BenchClient, TimeoutError, type Memory } from './lsp';
import { manifest, serviceDocs } from './workload';
import { writeYlsSettings } from './yls-schema';

const ROOT = path.join(__dirname, '..', '..');
const OUR_SERVER = path.join(ROOT, 'dist', 'server', 'server.js');
const YLS = path.join(ROOT, 'node_modules', 'yaml-language-server', 'bin', 'yaml-language-server');
const PROBE = path.join(__dirname, 'activation-probe.js');
const WORKSPACE_INDEXED = 'meshYaml/workspaceIndexed';

// ---------------------------------------------------------------------------------------------- options

interface Options {
  sizes: number[];
  files: number;
  json?: string;
  yls: boolean;
  quick: boolean;
  packageVsix: boolean;
}

function parseArgs(argv: string[]): Options {
  const has = (f: string): boolean => argv.includes(f);
  const val = (f: string): string | undefined => {
    const i = argv.indexOf(f);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${f} needs a value`);
    return v;
  };
  const known = new Set(['--quick', '--n', '--files', '--json', '--no-yls', '--no-package', '--help']);
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) continue;
    if (!known.has(argv[i])) throw new Error(`unknown option ${argv[i]} (try --help)`);
  }
  if (has('--help')) {
    console.log('npm run bench [-- --quick] [--n 300[,1000]] [--files 2000] [--json out.json] [--no-yls] [--no-package]');
    process.exit(0);
  }
  const quick = has('--quick');
  const n = val('--n');
  const sizes = n ? n.split(',').map((s) => Number(s.trim())) : quick ? [100] : [100, 300, 1000];
  if (sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`--n: bad size list "${n}"`);
  const files = val('--files') !== undefined ? Number(val('--files')) : quick ? 200 : 2000;
  if (!Number.isInteger(files) || files < 0) throw new Error('--files: bad count');
  return { sizes, files, json: val('--json'), yls: !has('--no-yls'), quick, packageVsix: !has('--no-package') && !quick };
}

// ---------------------------------------------------------------------------------------------- helpers

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pct(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

function fmtMs(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

const fmtMb = (mb: number | undefined): string => (mb === undefined || Number.isNaN(mb) ? '–' : `${mb.toFixed(0)} MB`);

/** A latency figure: milliseconds, or "more than the cap" when the measurement timed out. */
interface Latency {
  ms?: number;
  /** Set when the measurement hit its timeout: the value is more than this. */
  overMs?: number;
  samples: number;
}

function fmtLat(l: Latency | undefined): string {
  if (!l) return 'n/a';
  if (l.overMs !== undefined) return `> ${(l.overMs / 1000).toFixed(0)} s`;
  return fmtMs(l.ms);
}

function latencyOf(samples: number[], p: number, timedOutAt?: number): Latency {
  if (timedOutAt !== undefined && (!samples.length || p >= 50)) {
    // a timed-out request is the slowest sample: it decides the high percentiles
    const all = [...samples, Infinity];
    const v = pct(all, p);
    return v === Infinity ? { overMs: timedOutAt, samples: all.length } : { ms: v, samples: all.length };
  }
  return { ms: pct(samples, p), samples: samples.length };
}

const live = new Set<BenchClient>();

function ourConfiguration(section: string | undefined): unknown {
  if (section === 'meshYaml') return {}; // every setting at its default
  if (section === 'files') return { exclude: { '**/.git': true, '**/node_modules': true } };
  return null;
}

/** Starts our server; `initialized` is left to the caller when it times what follows (workspace indexing). */
async function startOurs(rootUri: string | null, sendInitialized = true): Promise<BenchClient> {
  // the same Node options as the extension starts the server with
  const c = new BenchClient('mesh-language-server', process.execPath, [...SERVER_NODE_ARGS, OUR_SERVER, '--stdio'], { configuration: ourConfiguration });
  live.add(c);
  await c.initialize(rootUri);
  if (sendInitialized) c.notify('initialized', {});
  return c;
}

/** Starts yaml-language-server and configures it the way the VS Code YAML extension does (pull on initialized and on didChangeConfiguration). */
async function startYls(ylsSettings: Record<string, unknown>): Promise<BenchClient> {
  const configuration = (section: string | undefined): unknown => {
    if (section === 'yaml') return ylsSettings;
    if (section === 'http') return { proxy: '', proxyStrictSSL: false };
    if (section === '[yaml]') return { 'editor.tabSize': 2 };
    if (section === 'editor') return { tabSize: 2, detectIndentation: false };
    return null;
  };
  const c = new BenchClient('yaml-language-server', process.execPath, [YLS, '--stdio'], { configuration });
  live.add(c);
  await c.initialize(null);
  let pulled = c.waitForServerRequest('workspace/configuration', 1, 15000);
  c.notify('initialized', {});
  await pulled;
  pulled = c.waitForServerRequest('workspace/configuration', 1, 15000);
  c.notify('workspace/didChangeConfiguration', { settings: { yaml: ylsSettings } });
  await pulled;
  await sleep(150); // let it apply the settings (no notification says it has)
  return c;
}

async function stop(c: BenchClient): Promise<void> {
  await c.shutdown();
  live.delete(c);
}

/** Waits until the server has published no diagnostics for `quietMs` (bounded), so that late publishes of one phase do not end the next. */
async function settle(c: BenchClient, quietMs = 150, maxMs = 5000): Promise<void> {
  let last = performance.now();
  const off = c.on((m) => {
    if (m === 'textDocument/publishDiagnostics') last = performance.now();
  });
  const start = performance.now();
  while (performance.now() - last < quietMs && performance.now() - start < maxMs) await sleep(20);
  off();
}

interface Publish {
  uri: string;
  diagnostics: Array<{ message: string; code?: unknown; range: { start: { line: number } } }>;
}

/** Sends a notification and waits for a publishDiagnostics of each uri; returns the elapsed time and what was published. */
/**
 * Sends a notification and waits for a publishDiagnostics of each uri; returns the elapsed time, what was published,
 * and when the first byte of the last of those publishes arrived (`firstByteMs`: the server's own latency, without
 * the time the message took to arrive and be decoded, which follows its size).
 */
async function timedPublish(c: BenchClient, send: () => void, uris: string[], timeoutMs: number): Promise<{ ms: number; firstByteMs: number; publishes: Publish[] }> {
  let started = 0;
  const waits = uris.map((u) =>
    c.waitFor(
      'textDocument/publishDiagnostics',
      (p) => {
        if (p.uri !== u) return false;
        started = Math.max(started, c.messageStartedAt);
        return true;
      },
      timeoutMs,
    ),
  );
  const t0 = performance.now();
  send();
  const publishes = (await Promise.all(waits)) as unknown as Publish[];
  return { ms: performance.now() - t0, firstByteMs: started - t0, publishes };
}

function change(c: BenchClient, uri: string, version: number, line: number, col: number, text: string): () => void {
  return () =>
    c.notify('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ range: { start: { line, character: col }, end: { line, character: col + 1 } }, text }],
    });
}

interface Position {
  line: number;
  character: number;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so that every run samples the same positions. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Positions of keys inside the resources (indented mapping keys): `count` of them drawn at random (fixed seed) over
 * the whole file, in file order, so that every kind of key is sampled whatever N (an even stride would hit the same
 * key of every service). Hover in the middle of the key, completion at its end.
 */
function keyPositions(lines: string[], count: number): { hover: Position[]; completion: Position[] } {
  const keys: Array<{ line: number; col: number; len: number }> = [];
  lines.forEach((l, i) => {
    const m = /^( +)(- )?([A-Za-z][\w-]*):/.exec(l);
    if (m) keys.push({ line: i, col: m[1].length + (m[2]?.length ?? 0), len: m[3].length });
  });
  const random = rng(20240601);
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, keys.length)) chosen.add(Math.floor(random() * keys.length));
  const picked = [...chosen].sort((a, b) => a - b).map((i) => keys[i]);
  return {
    hover: picked.map((k) => ({ line: k.line, character: k.col + (k.len >> 1) })),
    completion: picked.map((k) => ({ line: k.line, character: k.col + k.len })),
  };
}

interface Sampled {
  p50: Latency;
  p95: Latency;
  /** Share of answers with content (hover) or with items (completion), as a check that both servers answer alike. */
  answered: number;
  /** Mean number of completion items. */
  items?: number;
  /** Per measured position (index into the positions chosen for the file): completion items, or 1/0 for a hover with/without content. */
  perPosition: Array<[number, number]>;
  note?: string;
}

/** Mean of a per-position figure over the positions both servers measured (so that the check rows compare like with like). */
function commonMean(a: Sampled | undefined, b: Sampled | undefined, fmt: (x: number) => string): [string, string] {
  const mean = (xs: number[]): string => (xs.length ? fmt(xs.reduce((s, v) => s + v, 0) / xs.length) : '–');
  if (!a) return ['–', ''];
  if (!b) return [mean(a.perPosition.map(([, v]) => v)), ''];
  const bm = new Map(b.perPosition);
  const common = a.perPosition.filter(([i]) => bm.has(i));
  return [mean(common.map(([, v]) => v)), mean(common.map(([i]) => bm.get(i)!))];
}

async function sample(
  c: BenchClient,
  method: 'textDocument/hover' | 'textDocument/completion',
  uri: string,
  positions: Position[],
  indices: number[],
  timeoutMs: number,
  budgetMs: number,
): Promise<Sampled> {
  const times: number[] = [];
  const perPosition: Array<[number, number]> = [];
  let answered = 0;
  let items = 0;
  let timedOutAt: number | undefined;
  let note: string | undefined;
  // warm-up (not counted): the first requests load lazily built tables in both servers
  for (const position of positions.slice(0, 3)) {
    try {
      await c.request(method, { textDocument: { uri }, position }, timeoutMs);
    } catch (e) {
      if (e instanceof TimeoutError) return { p50: { overMs: timeoutMs, samples: 0 }, p95: { overMs: timeoutMs, samples: 0 }, answered: 0, perPosition, note: 'timed out in warm-up' };
      throw e;
    }
  }
  const start = performance.now();
  for (const [k, position] of positions.entries()) {
    if (performance.now() - start > budgetMs) {
      note = `time budget of ${budgetMs / 1000} s reached after ${times.length} samples`;
      break;
    }
    const t0 = performance.now();
    let r: unknown;
    try {
      r = await c.request(method, { textDocument: { uri }, position }, timeoutMs);
    } catch (e) {
      if (e instanceof TimeoutError) {
        timedOutAt = timeoutMs;
        note = `a request timed out after ${timeoutMs / 1000} s (${times.length} samples before)`;
        break;
      }
      throw e;
    }
    times.push(performance.now() - t0);
    if (method === 'textDocument/hover') {
      if (r) answered++;
      perPosition.push([indices[k], r ? 1 : 0]);
    } else {
      const list = Array.isArray(r) ? r : ((r as { items?: unknown[] } | null)?.items ?? []);
      items += list.length;
      if (list.length) answered++;
      perPosition.push([indices[k], list.length]);
    }
  }
  return {
    p50: latencyOf(times, 50, timedOutAt),
    p95: latencyOf(times, 95, timedOutAt),
    answered: times.length ? answered / times.length : 0,
    perPosition,
    items: method === 'textDocument/completion' && times.length ? items / times.length : undefined,
    note,
  };
}

// ---------------------------------------------------------------------------------------------- single-file workloads

interface FileResult {
  server: 'ours' | 'yls';
  open?: Latency;
  openDiagnostics?: number;
  editP50?: Latency;
  editP95?: Latency;
  /** Edit → first byte of the publish (the server's latency: before the message's transfer and decoding). */
  editFirstByteP50?: Latency;
  edits?: number;
  depEditP50?: Latency;
  depEditP95?: Latency;
  depEdits?: number;
  /** Diagnostics of the dependent file with the subset present / renamed away: proves the dependency is real. */
  depDiagnostics?: [number, number];
  hover?: Sampled;
  completion?: Sampled;
  memory?: Memory;
  memoryAfterOpen?: Memory;
  /** Server CPU time (user + system, /proc/<pid>/stat) for the open, and per edit: what the work costs, whatever else the machine runs. */
  cpuOpenMs?: number;
  cpuPerEditMs?: number;
  cpuPerDepEditMs?: number;
  editSamples?: number[];
  depEditSamples?: number[];
  errors: string[];
}

interface Budget {
  /** Cap on one open or edit measurement. */
  capMs: number;
  edits: number;
  depEdits: number;
  editBudgetMs: number;
  /** Key positions chosen in the file (the same for both servers)... */
  positions: number;
  /** ...of which this many, evenly spread, are measured (a subset of the same positions for the slower server). */
  samples: number;
  requestTimeoutMs: number;
  sampleBudgetMs: number;
}

/** A VirtualService in another file that routes to subsets of svc-<mid>, which only the DestinationRules of the big file define. */
function dependentDoc(mid: number): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: frontend-canary
  namespace: shop
spec:
  hosts:
  - frontend
  http:
  - route:
    - destination:
        host: svc-${mid}
        subset: v1
      weight: 90
    - destination:
        host: svc-${mid}
        subset: v2
      weight: 10
`;
}

async function measureFile(server: 'ours' | 'yls', n: number, dir: string, b: Budget, ylsSettings: Record<string, unknown>): Promise<FileResult> {
  const res: FileResult = { server, errors: [] };
  const text = manifest(n);
  const lines = text.split('\n');
  const file = path.join(dir, `mesh-${n}.yaml`);
  fs.writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  const c = server === 'ours' ? await startOurs(null) : await startYls(ylsSettings);
  try {
    if (server === 'ours') {
      // with no workspace folder the server still reports an (empty) indexing; wait for it so it does not overlap
      await c.waitFor(WORKSPACE_INDEXED, () => true, 5000).catch(() => res.errors.push(`no ${WORKSPACE_INDEXED} within 5 s of initialized`));
    }
    // ---- open → first diagnostics
    let cpu0 = c.cpuMs();
    const cpuSince = (from: number | undefined, count = 1): number | undefined => {
      const now = c.cpuMs();
      return from === undefined || now === undefined || count === 0 ? undefined : (now - from) / count;
    };
    try {
      const r = await timedPublish(c, () => c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } }), [uri], b.capMs);
      res.open = { ms: r.ms, samples: 1 };
      res.openDiagnostics = r.publishes[0].diagnostics.length;
      res.cpuOpenMs = cpuSince(cpu0);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      res.open = { overMs: b.capMs, samples: 1 };
      res.errors.push('open → diagnostics timed out: later figures skipped');
      res.memory = c.memory();
      return res;
    }
    res.memoryAfterOpen = c.memory();
    await settle(c);

    // ---- one-character edits in the middle of the file: a route weight 90 → 80 → 90 ...
    let version = 1;
    const mid = lines.findIndex((l, i) => i > lines.length / 2 && l.trim() === 'weight: 90');
    const col = lines[mid].indexOf('90');
    const times: number[] = [];
    const firstBytes: number[] = [];
    let timedOut: number | undefined;
    const started = performance.now();
    cpu0 = c.cpuMs();
    for (let k = 0; k < b.edits; k++) {
      if (k >= 3 && performance.now() - started > b.editBudgetMs) break;
      try {
        const r = await timedPublish(c, change(c, uri, ++version, mid, col, k % 2 === 0 ? '8' : '9'), [uri], b.capMs);
        times.push(r.ms);
        firstBytes.push(r.firstByteMs);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        timedOut = b.capMs;
        res.errors.push(`edit → diagnostics timed out after ${b.capMs / 1000} s`);
        break;
      }
    }
    res.cpuPerEditMs = cpuSince(cpu0, times.length);
    res.editSamples = times.map((t) => Math.round(t * 100) / 100);
    if (times.length % 2 === 1 && timedOut === undefined) {
      // restore the original text (not measured) so that hover and completion see the same file on both servers
      await timedPublish(c, change(c, uri, ++version, mid, col, '9'), [uri], b.capMs).catch(() => undefined);
    }
    res.edits = times.length;
    res.editP50 = latencyOf(times, 50, timedOut);
    res.editP95 = latencyOf(times, 95, timedOut);
    res.editFirstByteP50 = latencyOf(firstBytes, 50, timedOut);
    if (timedOut !== undefined) {
      res.memory = c.memory();
      return res;
    }
    await settle(c);

    // ---- hover and completion at keys inside the resources
    const all = keyPositions(lines, b.positions);
    const step = Math.max(1, Math.floor(all.hover.length / b.samples));
    const indices = all.hover.map((_, i) => i).filter((i) => i % step === 0);
    res.hover = await sample(c, 'textDocument/hover', uri, indices.map((i) => all.hover[i]), indices, b.requestTimeoutMs, b.sampleBudgetMs);
    if (res.hover.p95.overMs === undefined) {
      res.completion = await sample(c, 'textDocument/completion', uri, indices.map((i) => all.completion[i]), indices, b.requestTimeoutMs, b.sampleBudgetMs);
    }
    else res.errors.push('hover timed out: completion skipped');

    // ---- ours: an edit whose diagnostics change another open document (cross-file rules)
    if (server === 'ours') {
      const m = Math.floor(n / 2);
      const depFile = path.join(dir, `dependent-${n}.yaml`);
      const depText = dependentDoc(m);
      fs.writeFileSync(depFile, depText);
      const depUri = pathToFileURL(depFile).href;
      const opened = await timedPublish(c, () => c.notify('textDocument/didOpen', { textDocument: { uri: depUri, languageId: 'yaml', version: 1, text: depText } }), [depUri], b.capMs);
      await settle(c);
      // the "- name: v1" subset of the DestinationRule of svc-<mid>: v1 → v7 → v1 ...
      const drName = lines.findIndex((l, i) => l === `  name: svc-${m}` && lines.slice(Math.max(0, i - 3), i).some((x) => x === 'kind: DestinationRule'));
      const subsetLine = lines.findIndex((l, i) => i > drName && l === '  - name: v1');
      const subsetCol = lines[subsetLine].indexOf('v1') + 1;
      const depTimes: number[] = [];
      const depCounts = new Map<string, number>();
      const depStarted = performance.now();
      cpu0 = c.cpuMs();
      for (let k = 0; k < b.depEdits; k++) {
        if (k >= 4 && performance.now() - depStarted > b.editBudgetMs) break;
        const renamed = k % 2 === 0;
        try {
          const r = await timedPublish(c, change(c, uri, ++version, subsetLine, subsetCol, renamed ? '7' : '1'), [uri, depUri], b.capMs);
          depTimes.push(r.ms);
          depCounts.set(renamed ? 'renamed' : 'present', r.publishes[1].diagnostics.length);
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
          timedOut = b.capMs;
          res.errors.push(`edit → diagnostics of both files timed out after ${b.capMs / 1000} s`);
          break;
        }
      }
      res.cpuPerDepEditMs = cpuSince(cpu0, depTimes.length);
      res.depEditSamples = depTimes.map((t) => Math.round(t * 100) / 100);
      res.depEdits = depTimes.length;
      res.depEditP50 = latencyOf(depTimes, 50, timedOut);
      res.depEditP95 = latencyOf(depTimes, 95, timedOut);
      res.depDiagnostics = [depCounts.get('present') ?? opened.publishes[0].diagnostics.length, depCounts.get('renamed') ?? NaN];
      if (res.depDiagnostics[0] === res.depDiagnostics[1]) {
        res.errors.push(`renaming subset v1 of svc-${m} did not change the diagnostics of the dependent file (${res.depDiagnostics[0]} both ways)`);
      }
    }
    res.memory = c.memory();
  } finally {
    await stop(c);
  }
  return res;
}

// ---------------------------------------------------------------------------------------------- workspace indexing

interface WorkspaceResult {
  files: number;
  measuredMs?: number;
  overMs?: number;
  reported?: { files: number; resources: number; ms: number };
  memory?: Memory;
  errors: string[];
}

function writeWorkspace(dir: string, files: number): void {
  const perFolder = 100;
  for (let k = 0; k < files; k++) {
    const svc = Math.floor(k / 3);
    const doc = serviceDocs(svc, svc % 10 === 3)[k % 3];
    const kind = ['virtualservice', 'destinationrule', 'authorizationpolicy'][k % 3];
    const folder = path.join(dir, `team-${String(Math.floor(k / perFolder)).padStart(2, '0')}`);
    if (k % perFolder === 0) fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, `${kind}-svc-${svc}.yaml`), doc);
  }
}

async function measureWorkspace(files: number, dir: string): Promise<WorkspaceResult> {
  const res: WorkspaceResult = { files, errors: [] };
  writeWorkspace(dir, files);
  const capMs = 60000;
  const c = await startOurs(pathToFileURL(dir).href, false);
  try {
    const indexed = c.waitFor(WORKSPACE_INDEXED, () => true, capMs);
    const t0 = performance.now();
    c.notify('initialized', {});
    try {
      const p = (await indexed) as unknown as { files: number; resources: number; ms: number };
      res.measuredMs = performance.now() - t0;
      res.reported = { files: p.files, resources: p.resources, ms: p.ms };
      if (p.files !== files) res.errors.push(`the server indexed ${p.files} files, not ${files}`);
      if (p.resources !== files) res.errors.push(`the server found ${p.resources} resources in ${files} one-resource files`);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      res.overMs = capMs;
      res.errors.push(`no ${WORKSPACE_INDEXED} within ${capMs / 1000} s`);
    }
    res.memory = c.memory();
  } finally {
    await stop(c);
  }
  return res;
}

// ---------------------------------------------------------------------------------------------- extension: activation and .vsix

interface Activation {
  where: string;
  runs: number;
  /** Median of code loading + synchronous activate() call: what VS Code shows as "Activation: N ms". */
  syncMs?: number;
  codeLoadingMs?: number;
  activateCallMs?: number;
  /** Median time until activate()'s promise resolved: the language client has started and initialized the server. */
  resolvedMs?: number;
  error?: string;
}

function measureActivation(extRoot: string, where: string, runs: number): Activation {
  const out: Array<{ codeLoadingMs: number; activateCallMs: number; activateResolvedMs: number; error?: string; stubMisses?: string[] }> = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [PROBE, extRoot], { encoding: 'utf8', timeout: 30000 });
    const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    try {
      const j = JSON.parse(line) as (typeof out)[number];
      if (j.error) return { where, runs: i, error: j.error.split('\n')[0] };
      out.push(j);
    } catch {
      return { where, runs: i, error: `probe failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || '').slice(0, 300)}` };
    }
  }
  const med = (f: (x: (typeof out)[number]) => number): number => pct(out.map(f), 50);
  return {
    where,
    runs,
    syncMs: med((x) => x.codeLoadingMs + x.activateCallMs),
    codeLoadingMs: med((x) => x.codeLoadingMs),
    activateCallMs: med((x) => x.activateCallMs),
    resolvedMs: med((x) => x.activateResolvedMs),
  };
}

interface Vsix {
  file?: string;
  bytes?: number;
  fresh: boolean;
  built: boolean;
  note?: string;
}

/** Newest modification time among the files that go into the .vsix (sources, schemas, manifest), in ms. */
function newestSourceMtime(): number {
  let newest = 0;
  const visit = (p: string): void => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) visit(path.join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['server/src', 'client/src', 'schemas', 'snippets', 'package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'scripts/build.mjs', 'scripts/package.mjs']) {
    visit(path.join(ROOT, p));
  }
  return newest;
}

function findVsix(): { file: string; mtimeMs: number; bytes: number } | undefined {
  const candidates = fs
    .readdirSync(ROOT)
    .filter((f) => /^mesh-yaml-.*\.vsix$/.test(f))
    .map((f) => {
      const st = fs.statSync(path.join(ROOT, f));
      return { file: path.join(ROOT, f), mtimeMs: st.mtimeMs, bytes: st.size };
    })
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
  return candidates[0];
}

/** The .vsix size: the newest mesh-yaml-*.vsix if it is newer than every source that goes into it, else `npm run package` (then dist/ is rebuilt for production, as the bench measures it). */
function ensureVsix(allowPackage: boolean): Vsix {
  const newest = newestSourceMtime();
  let v = findVsix();
  if (v && v.mtimeMs >= newest) return { file: v.file, bytes: v.bytes, fresh: true, built: false };
  if (!allowPackage) return { file: v?.file, bytes: v?.bytes, fresh: false, built: false, note: v ? 'older than the sources (not rebuilt: --quick/--no-package)' : 'no .vsix (not built: --quick/--no-package)' };
  console.log(v ? '[bench] the .vsix is older than the sources: npm run package' : '[bench] no .vsix: npm run package');
  const r = spawnSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, encoding: 'utf8', timeout: 300000 });
  // packaging builds dist/ for production (and may leave it otherwise): build it again as `npm run bench` measures it
  const rb = spawnSync(process.execPath, ['scripts/build.mjs', '--production'], { cwd: ROOT, encoding: 'utf8', timeout: 300000 });
  if (rb.status !== 0) throw new Error(`the production build failed after packaging: ${rb.stderr}`);
  v = findVsix();
  if (r.status !== 0 || !v) return { file: v?.file, bytes: v?.bytes, fresh: false, built: false, note: `npm run package failed: ${(r.stderr || r.stdout).split('\n').filter(Boolean).slice(-3).join(' / ')}` };
  return { file: v.file, bytes: v.bytes, fresh: true, built: true };
}

// ---------------------------------------------------------------------------------------------- report

interface Check {
  name: string;
  value: string;
  target: string;
  pass: boolean | undefined;
}

function ratio(theirs: Latency | number | undefined, ours: Latency | number | undefined): { text: string; value?: number; atLeast?: boolean } {
  const v = (x: Latency | number | undefined): { ms?: number; over?: number } => (typeof x === 'number' ? { ms: x } : { ms: x?.ms, over: x?.overMs });
  const t = v(theirs);
  const o = v(ours);
  if (o.ms === undefined || Number.isNaN(o.ms) || o.ms <= 0) return { text: '' };
  if (t.over !== undefined) return { text: `> ${(t.over / o.ms).toFixed(0)}×`, value: t.over / o.ms, atLeast: true };
  if (t.ms === undefined || Number.isNaN(t.ms)) return { text: '' };
  const r = t.ms / o.ms;
  return { text: `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}×`, value: r };
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? (c ?? '').padEnd(widths[i]) : (c ?? '').padStart(widths[i]))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const passText = (p: boolean | undefined): string => (p === undefined ? '' : p ? 'PASS' : 'FAIL');

function lessThan(a: Latency | undefined, b: Latency | undefined): boolean | undefined {
  if (!a || a.ms === undefined) return a?.overMs !== undefined ? false : undefined;
  if (!b) return undefined;
  if (b.overMs !== undefined) return true;
  return b.ms === undefined ? undefined : a.ms < b.ms;
}

// ---------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const cpus = os.cpus();
  const git = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim();
  const ylsVersion = (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'yaml-language-server', 'package.json'), 'utf8')) as { version: string }).version;
  const machine = {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: os.totalmem() / 1024 ** 3,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAvg: os.loadavg(),
    git,
  };
  console.log(`Mesh YAML benchmark — ${new Date().toISOString()}`);
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb.toFixed(1)} GB RAM, Node ${machine.node}, ${machine.os}`);
  console.log(`load average at start: ${machine.loadAvg.map((l) => l.toFixed(2)).join(' ')} · build: ${git} · yaml-language-server ${ylsVersion}`);
  if (machine.loadAvg[0] > machine.cores * 0.75) {
    console.log(`WARNING: the machine is busy (load ${machine.loadAvg[0].toFixed(1)} on ${machine.cores} cores): latencies will be inflated; rerun on an idle machine for figures to quote`);
  }
  if (!fs.existsSync(OUR_SERVER)) throw new Error(`${OUR_SERVER} is missing: npm run build`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-yaml-bench-'));
  const cleanup = (): void => {
    for (const c of live) c.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });

  try {
    // the .vsix first: packaging rebuilds dist/ and must not happen mid-measurement
    const vsix = ensureVsix(opts.packageVsix);

    const ylsDir = path.join(tmp, 'yls');
    fs.mkdirSync(ylsDir);
    const yls = writeYlsSettings(path.join(ROOT, 'schemas'), ylsDir);
    console.log(
      `yaml-language-server schema: ${yls.stats.kinds} kinds, ${yls.stats.schemas} version schemas, if/then dispatch on apiVersion+kind, ${yls.stats.described} field docs; dropped ${yls.stats.droppedCel} CEL rules (no JSON Schema equivalent)`,
    );

    const workloads: Array<{ n: number; resources: number; lines: number; bytes: number; ours: FileResult; yls?: FileResult }> = [];
    for (const n of opts.sizes) {
      const dir = path.join(tmp, `n${n}`);
      fs.mkdirSync(dir);
      const text = manifest(n);
      const positions = opts.quick ? 120 : 300;
      const oursBudget: Budget = { capMs: 60000, edits: opts.quick ? 10 : 30, depEdits: opts.quick ? 6 : 20, editBudgetMs: 30000, positions, samples: positions, requestTimeoutMs: 5000, sampleBudgetMs: 30000 };
      const ylsBudget: Budget = {
        capMs: 30000,
        edits: opts.quick ? 6 : 10,
        depEdits: 0,
        editBudgetMs: 30000,
        positions,
        samples: opts.quick ? 60 : n >= 1000 ? 100 : 150,
        requestTimeoutMs: 10000,
        sampleBudgetMs: 30000,
      };
      process.stdout.write(`[bench] N=${n}: mesh-language-server…`);
      const ours = await measureFile('ours', n, dir, oursBudget, yls.settings);
      let theirs: FileResult | undefined;
      if (opts.yls) {
        process.stdout.write(' yaml-language-server…');
        theirs = await measureFile('yls', n, dir, ylsBudget, yls.settings);
      }
      console.log(' done');
      workloads.push({ n, resources: 3 * n, lines: text.split('\n').length, bytes: Buffer.byteLength(text), ours, yls: theirs });
    }

    let workspace: WorkspaceResult | undefined;
    if (opts.files > 0) {
      process.stdout.write(`[bench] workspace of ${opts.files} files…`);
      const dir = path.join(tmp, 'workspace');
      fs.mkdirSync(dir);
      workspace = await measureWorkspace(opts.files, dir);
      console.log(' done');
    }

    process.stdout.write('[bench] activation…');
    const runs = opts.quick ? 3 : 7;
    const activations: Activation[] = [measureActivation(ROOT, 'dist/ (current build)', runs)];
    if (vsix.file && vsix.fresh) {
      const ext = path.join(tmp, 'vsix');
      const u = spawnSync('unzip', ['-q', '-o', vsix.file, 'extension/*', '-d', ext], { encoding: 'utf8', timeout: 60000 });
      if (u.status === 0) activations.unshift(measureActivation(path.join(ext, 'extension'), `${path.basename(vsix.file)} (as installed)`, runs));
      else activations.push({ where: path.basename(vsix.file), runs: 0, error: `unzip failed: ${u.stderr}` });
    }
    console.log(' done\n');

    // ---------------------------------------------------------------- print
    const targetN = workloads.some((w) => w.n === 300) ? 300 : workloads.reduce((best, w) => (Math.abs(w.n - 300) < Math.abs(best - 300) ? w.n : best), workloads[0]?.n ?? 0);
    const checks: Check[] = [];
    for (const w of workloads) {
      const o = w.ours;
      const y = w.yls;
      const atTarget = w.n === targetN;
      const tag = targetN === 300 ? '' : ` (at N=${targetN}, not 300)`;
      const rows: string[][] = [];
      const row = (name: string, ours: string, theirs: string, r: string, target = '', pass: boolean | undefined = undefined): void => {
        rows.push([name, ours, theirs, r, atTarget ? target : '', atTarget ? passText(pass) : '']);
        if (atTarget && target) checks.push({ name: `${name.replace(/ \(.*\)$/, '')}${tag}`, value: ours, target, pass });
      };
      const yOr = (l: Latency | undefined): string => (y ? fmtLat(l) : 'skipped');
      const oOpen = o.open;
      row('open → diagnostics', fmtLat(oOpen), yOr(y?.open), ratio(y?.open, oOpen).text, '≤ 400 ms', oOpen?.ms !== undefined ? oOpen.ms <= 400 : false);
      const editRatio = ratio(y?.editP50, o.editP50);
      const editPass = o.editP50?.ms !== undefined && o.editP50.ms <= 30 && (y ? (editRatio.value ?? 0) >= 10 : true);
      row(`edit → diagnostics p50 (${y ? `${o.edits ?? 0} | ${y.edits ?? 0}` : (o.edits ?? 0)} edits)`, fmtLat(o.editP50), yOr(y?.editP50), editRatio.text, y ? '≤ 30 ms & ≥ 10× faster' : '≤ 30 ms', editPass);
      row('edit → diagnostics p95', fmtLat(o.editP95), yOr(y?.editP95), ratio(y?.editP95, o.editP95).text);
      row('edit → first byte of the publish p50 (server latency)', fmtLat(o.editFirstByteP50), yOr(y?.editFirstByteP50), ratio(y?.editFirstByteP50, o.editFirstByteP50).text);
      row(`edit → diagnostics incl. dependent file p50 (${o.depEdits ?? 0} edits)`, fmtLat(o.depEditP50), y ? 'n/a' : 'skipped', '');
      row('edit → diagnostics incl. dependent file p95', fmtLat(o.depEditP95), y ? 'n/a' : 'skipped', '');
      const cp = o.completion;
      const ycp = y?.completion;
      const compPass = cp?.p95.ms !== undefined && cp.p95.ms <= 10 && (y ? lessThan(cp.p95, ycp?.p95) === true : true);
      row(`completion p50 (${y ? `${cp?.p50.samples ?? 0} | ${ycp?.p50.samples ?? 0}` : (cp?.p50.samples ?? 0)} positions)`, fmtLat(cp?.p50), yOr(ycp?.p50), ratio(ycp?.p50, cp?.p50).text);
      row('completion p95', fmtLat(cp?.p95), yOr(ycp?.p95), ratio(ycp?.p95, cp?.p95).text, y ? '≤ 10 ms & faster' : '≤ 10 ms', compPass);
      const hv = o.hover;
      const yhv = y?.hover;
      const hovPass = hv?.p95.ms !== undefined && hv.p95.ms <= 3 && (y ? lessThan(hv.p95, yhv?.p95) === true : true);
      row(`hover p50 (${y ? `${hv?.p50.samples ?? 0} | ${yhv?.p50.samples ?? 0}` : (hv?.p50.samples ?? 0)} positions)`, fmtLat(hv?.p50), yOr(yhv?.p50), ratio(yhv?.p50, hv?.p50).text);
      row('hover p95', fmtLat(hv?.p95), yOr(yhv?.p95), ratio(yhv?.p95, hv?.p95).text, y ? '≤ 3 ms & faster' : '≤ 3 ms', hovPass);
      row('peak memory (VmHWM)', fmtMb(o.memory?.hwmMb), y ? fmtMb(y.memory?.hwmMb) : 'skipped', ratio(y?.memory?.hwmMb, o.memory?.hwmMb).text, '≤ 120 MB', o.memory ? o.memory.hwmMb <= 120 : undefined);
      row('memory at the end (VmRSS)', fmtMb(o.memory?.rssMb), y ? fmtMb(y.memory?.rssMb) : 'skipped', ratio(y?.memory?.rssMb, o.memory?.rssMb).text);
      rows.push(['server CPU time: open', fmtMs(o.cpuOpenMs), y ? fmtMs(y.cpuOpenMs) : '', ratio(y?.cpuOpenMs, o.cpuOpenMs).text, '', '']);
      rows.push(['server CPU time per edit (incl. dependent file)', `${fmtMs(o.cpuPerEditMs)} (${fmtMs(o.cpuPerDepEditMs)})`, y ? fmtMs(y.cpuPerEditMs) : '', ratio(y?.cpuPerEditMs, o.cpuPerEditMs).text, '', '']);
      rows.push(['— checks —', '', '', '', '', '']);
      rows.push(['diagnostics on open', String(o.openDiagnostics ?? '–'), y ? String(y.openDiagnostics ?? '–') : '', '', '', '']);
      rows.push(['hovers with content (positions both measured)', ...commonMean(hv, yhv, (x) => `${(x * 100).toFixed(0)}%`), '', '', '']);
      rows.push(['completion items, mean (positions both measured)', ...commonMean(cp, ycp, (x) => x.toFixed(1)), '', '', '']);
      if (o.depDiagnostics) rows.push(['dependent file diagnostics (subset there | renamed)', `${o.depDiagnostics[0]} | ${o.depDiagnostics[1]}`, '', '', '', '']);
      console.log(`N = ${w.n} services in one file: ${w.resources} resources, ${w.lines.toLocaleString('en')} lines, ${(w.bytes / 1024).toFixed(0)} KB`);
      console.log(table(['', 'ours', 'yaml-ls', 'yaml-ls ÷ ours', atTarget ? 'target' : '', ''], rows));
      for (const e of [...o.errors.map((x) => `ours: ${x}`), ...(y?.errors ?? []).map((x) => `yaml-language-server: ${x}`)]) console.log(`  ! ${e}`);
      for (const [who, s] of [
        ['ours hover', hv],
        ['ours completion', cp],
        ['yaml-language-server hover', yhv],
        ['yaml-language-server completion', ycp],
      ] as const) {
        if (s?.note) console.log(`  note: ${who}: ${s.note}`);
      }
      console.log('');
    }

    const rest: string[][] = [];
    const w100 = workloads.find((w) => w.n === 100);
    const w1000 = workloads.find((w) => w.n === 1000);
    if (w100 && w1000) {
      // The server's work: edit → first byte of the publish. The end-to-end figure adds the transfer and decoding of
      // the publish, which carries every diagnostic of the file (LSP has no partial publish): 30 KB at N=100, 300 KB
      // at N=1000, whatever the server does.
      const fa = w100.ours.editFirstByteP50?.ms;
      const fb = w1000.ours.editFirstByteP50?.ms;
      const fr = fa !== undefined && fb !== undefined ? fb / fa : undefined;
      rest.push(['edit → first byte of the publish p50 (server latency), N=1000 ÷ N=100 (flatness)', fr !== undefined ? `${fr.toFixed(2)}× (${fmtMs(fa)} → ${fmtMs(fb)})` : '–', '≤ 2× (nearly flat)', passText(fr !== undefined ? fr <= 2 : false)]);
      checks.push({ name: 'edit → diagnostics flat from N=100 to N=1000 (server latency)', value: fr !== undefined ? `${fr.toFixed(2)}×` : '–', target: '≤ 2×', pass: fr !== undefined ? fr <= 2 : false });
      const a = w100.ours.editP50?.ms;
      const b = w1000.ours.editP50?.ms;
      const r = a !== undefined && b !== undefined ? b / a : undefined;
      rest.push(['  edit → diagnostics p50 end to end (incl. the publish\'s transfer and decoding), same ratio', r !== undefined ? `${r.toFixed(2)}× (${fmtMs(a)} → ${fmtMs(b)})` : '–', '', '']);
      const ya = w100.yls?.editP50;
      const yb = w1000.yls?.editP50;
      if (ya?.ms !== undefined && (yb?.ms !== undefined || yb?.overMs !== undefined)) {
        rest.push(['  yaml-language-server, same ratio', yb.ms !== undefined ? `${(yb.ms / ya.ms).toFixed(2)}× (${fmtMs(ya.ms)} → ${fmtMs(yb.ms)})` : `> ${((yb.overMs ?? 0) / ya.ms).toFixed(0)}×`, '', '']);
      }
    }
    if (workspace) {
      const ws = workspace;
      const ok = ws.measuredMs !== undefined && ws.measuredMs <= 3000;
      const memOk = ws.memory ? ws.memory.hwmMb <= 300 : undefined;
      rest.push([
        `workspace of ${ws.files.toLocaleString('en')} files: initialized → ${WORKSPACE_INDEXED}`,
        ws.measuredMs !== undefined ? `${fmtMs(ws.measuredMs)} (server says ${fmtMs(ws.reported?.ms)}; ${ws.reported?.files} files, ${ws.reported?.resources} resources)` : `> ${(ws.overMs ?? 0) / 1000} s`,
        '≤ 3 s',
        passText(ok),
      ]);
      rest.push(['  memory after indexing: VmRSS / peak VmHWM', `${fmtMb(ws.memory?.rssMb)} / ${fmtMb(ws.memory?.hwmMb)}`, '≤ 300 MB (peak)', passText(memOk)]);
      checks.push({ name: `${ws.files} files indexed`, value: fmtMs(ws.measuredMs ?? ws.overMs), target: '≤ 3 s', pass: ok });
      checks.push({ name: `${ws.files} files: peak memory`, value: fmtMb(ws.memory?.hwmMb), target: '≤ 300 MB', pass: memOk });
    }
    for (const [i, a] of activations.entries()) {
      if (a.error) {
        rest.push([`activation, ${a.where}`, `error: ${a.error}`, '', '']);
        continue;
      }
      const pass = a.syncMs !== undefined ? a.syncMs <= 50 : undefined;
      rest.push([
        `activation, ${a.where}: code loading + activate() call (median of ${a.runs})`,
        `${fmtMs(a.syncMs)} (${fmtMs(a.codeLoadingMs)} + ${fmtMs(a.activateCallMs)})`,
        i === 0 ? '≤ 50 ms' : '',
        i === 0 ? passText(pass) : '',
      ]);
      rest.push(['  until activate() resolves (client started, server initialized)', fmtMs(a.resolvedMs), '', '']);
      if (i === 0) checks.push({ name: `activation (${a.where})`, value: fmtMs(a.syncMs), target: '≤ 50 ms', pass });
    }
    rest.push([
      '.vsix size',
      vsix.bytes !== undefined ? `${(vsix.bytes / 1024).toFixed(0)} KB (${path.basename(vsix.file ?? '')}${vsix.built ? ', built now' : vsix.fresh ? ', up to date' : ', STALE'})` : '–',
      '',
      '',
    ]);
    if (vsix.note) rest.push([`  ${vsix.note}`, '', '', '']);
    console.log(table(['', 'ours', 'target', ''], rest));

    const failed = checks.filter((c) => c.pass === false);
    const secs = (performance.now() - started) / 1000;
    console.log(`\n${checks.filter((c) => c.pass).length}/${checks.length} targets met${failed.length ? `; missed: ${failed.map((f) => `${f.name} (${f.value}, target ${f.target})`).join('; ')}` : ''}`);
    if (os.loadavg()[0] > machine.cores * 0.75) console.log(`WARNING: the machine was busy during the run (load ${os.loadavg()[0].toFixed(1)} on ${machine.cores} cores)`);
    console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} · bench run time ${secs.toFixed(0)} s`);

    if (opts.json) {
      const out = {
        date: new Date().toISOString(),
        machine,
        options: opts,
        ylsVersion,
        ylsSettings: { ...yls.settings, schemas: Object.fromEntries(Object.entries(yls.settings.schemas as Record<string, unknown>).map(([, g]) => ['<temp>/mesh.schema.json', g])) },
        ylsSchemaStats: yls.stats,
        workloads,
        workspace,
        activations,
        vsix,
        targetN,
        checks,
        runSeconds: secs,
      };
      fs.writeFileSync(path.resolve(opts.json), JSON.stringify(out, null, 2));
      console.log(`figures written to ${opts.json}`);
    }
  } finally {
    cleanup();
  }
}

main().catch((e: unknown) => {
  for (const c of live) c.kill();
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
