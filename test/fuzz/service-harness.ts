/**
 * Drives the pure MeshService in-process with fuzz cases: every method at the case's positions and hosts, each
 * call under a deadline, any exception is a failure (the server guards its handlers, but a throw is still a bug);
 * then the next valid edit must be analysed exactly as a fresh service analyses it (no state left behind).
 */
import { isDeepStrictEqual } from 'node:util';
import { MeshService } from '../../server/src/service';
import { SchemaRegistry } from '../../server/src/service/schema/registry';
import type { Pos } from '../../server/src/service/text';
import type { FuzzCase } from './cases';
import { SCHEMAS, validCorpus, workspaceCorpus, type BaseInput } from './corpus';
import { describeMutations } from './mutations';

/** Time one request (one MeshService call) may take, for documents up to SIZE_FREE characters. */
export const DEADLINE_MS = Number(process.env.FUZZ_DEADLINE_MS ?? 1000);
/**
 * Above this size a request may take longer: 4 ms more per KB. Requests (re)parse the document they are about,
 * and the yaml parser needs up to ~2.5 s per MB of densely nested YAML (a limit of the design, not a hang).
 */
export const SIZE_FREE = 128 * 1024;
export const MS_PER_KB_ABOVE = 4;

/** The deadline of a request about a document of `length` characters. */
export function deadlineFor(length: number, base = DEADLINE_MS): number {
  return base + Math.max(0, length - SIZE_FREE) / 1024 * MS_PER_KB_ABOVE;
}
/**
 * The deadline policy, for test names and summaries: the fuzz report says under which limits requests passed.
 * The LSP part's first request after an edit also waits for that edit's analysis: it gets three deadlines.
 */
export const DEADLINE_POLICY =
  `deadline ${DEADLINE_MS} ms per request up to ${SIZE_FREE / 1024} KB, +${MS_PER_KB_ABOVE} ms per KB above ` +
  `(1 MB: ${(deadlineFor(1024 * 1024) / 1000).toFixed(1)} s); first LSP request after an edit 3x`;

/** Bound on this process's resident memory while fuzzing in-process (the test runner included). */
export const INPROCESS_RSS_MB = Number(process.env.FUZZ_INPROCESS_RSS_MB ?? 1536);

export const FUZZ_URI = 'file:///fuzz/ws/fuzzed.yaml';
const WS_PREFIX = 'file:///fuzz/ws/';

export interface Failure {
  stage: string;
  kind: 'throw' | 'slow' | 'mismatch' | 'memory';
  message: string;
}

export interface CaseReport {
  c: FuzzCase;
  failures: Failure[];
}

function wsUri(b: BaseInput): string {
  return WS_PREFIX + b.name.replace(/[^\w.-]+/g, '_');
}

type Snapshot = Record<string, unknown>;

export class ServiceFuzzer {
  readonly svc: MeshService;
  private readonly workspace: BaseInput[];
  private readonly expected = new Map<string, Snapshot>();
  /** The slowest single call seen, and which. */
  slowestMs = 0;
  slowestStage = '';
  calls = 0;

  /** `workspace`: the other files of the fuzzed file's workspace (default: the bookstore and Linkerd samples). */
  constructor(
    readonly deadlineMs = DEADLINE_MS,
    workspace: BaseInput[] = workspaceCorpus(),
  ) {
    this.workspace = workspace;
    this.svc = new MeshService(new SchemaRegistry(SCHEMAS));
    for (const w of this.workspace) this.svc.setFile(wsUri(w), w.text);
  }

  /** Computes what a fresh service reports for every valid edit the cases can pick (fills the cache). */
  warmExpectations(valids: BaseInput[] = validCorpus()): void {
    for (const v of valids) this.expectedFor(v);
  }

  /** What a fresh service (never shown hostile input) reports for the workspace with `valid` as the fuzzed file. */
  private expectedFor(valid: BaseInput): Snapshot {
    let snap = this.expected.get(valid.text);
    if (!snap) {
      const fresh = new MeshService(new SchemaRegistry(SCHEMAS));
      for (const w of this.workspace) fresh.setFile(wsUri(w), w.text);
      fresh.setFile(FUZZ_URI, valid.text);
      snap = this.snapshot(fresh);
      this.expected.set(valid.text, snap);
    }
    return snap;
  }

  /** Diagnostics of every file, and the fuzzed file's outline. */
  private snapshot(svc: MeshService): Snapshot {
    const out: Snapshot = { outline: svc.outline(FUZZ_URI), lenses: svc.routeLenses(FUZZ_URI) };
    for (const uri of [FUZZ_URI, ...this.workspace.map(wsUri)]) out[uri] = svc.diagnostics(uri);
    return out;
  }

  run(c: FuzzCase): Failure[] {
    const failures: Failure[] = [];
    const svc = this.svc;
    const deadline = deadlineFor(c.text.length, this.deadlineMs);
    const step = <T>(stage: string, fn: () => T): T | undefined => {
      const started = performance.now();
      try {
        return fn();
      } catch (e) {
        failures.push({ stage, kind: 'throw', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        return undefined;
      } finally {
        const ms = performance.now() - started;
        this.calls++;
        if (ms > this.slowestMs) {
          this.slowestMs = ms;
          this.slowestStage = `${stage} (seed ${c.seed})`;
        }
        if (ms > deadline) failures.push({ stage, kind: 'slow', message: `${ms.toFixed(0)} ms (limit ${deadline.toFixed(0)} ms for ${c.text.length} characters)` });
      }
    };
    const at = (p: Pos): string => `${p.line}:${p.character}`;

    step('setFile', () => svc.setFile(FUZZ_URI, c.text));
    step('diagnostics', () => svc.diagnostics(FUZZ_URI));
    for (const p of c.positions) {
      step(`complete ${at(p)}`, () => svc.complete(FUZZ_URI, p));
      step(`hover ${at(p)}`, () => svc.hover(FUZZ_URI, p));
      step(`definition ${at(p)}`, () => svc.definition(FUZZ_URI, p));
      step(`references ${at(p)}`, () => svc.references(FUZZ_URI, p, p.line % 2 === 0));
      step(`fixes ${at(p)}`, () => svc.fixes(FUZZ_URI, { start: p, end: { line: p.line + 1, character: 0 } }));
    }
    step('outline', () => svc.outline(FUZZ_URI));
    step('folding', () => svc.folding(FUZZ_URI));
    step('routeLenses', () => svc.routeLenses(FUZZ_URI));
    step('routeGraph position', () => svc.routeGraph({ uri: FUZZ_URI, position: c.positions[0] }));
    step('routeGraph file', () => svc.routeGraph({ uri: FUZZ_URI }));
    for (const h of c.hosts) {
      step(`routeGraph host ${JSON.stringify(h.slice(0, 40))}`, () => svc.routeGraph({ host: h }));
      step(`routeGraph namespace ${JSON.stringify(h.slice(0, 40))}`, () => svc.routeGraph({ namespace: h }));
    }
    for (const r of c.requests) step(`simulate ${JSON.stringify(r).slice(0, 120)}`, () => svc.simulate({ request: r, graph: { host: r.host } }));

    // The next valid edit must be analysed exactly as a fresh service does.
    step('setFile valid', () => svc.setFile(FUZZ_URI, c.valid.text));
    const got = step('diagnostics valid', () => this.snapshot(svc));
    if (got) {
      const want = this.expectedFor(c.valid);
      if (!isDeepStrictEqual(got, want)) {
        const diff = Object.keys(want).filter((k) => !isDeepStrictEqual(got[k], want[k]));
        failures.push({ stage: 'valid edit', kind: 'mismatch', message: `after the valid edit (${c.valid.name}), results differ from a fresh analysis for: ${diff.join(', ')}\n got: ${JSON.stringify(got[diff[0]]).slice(0, 600)}\nwant: ${JSON.stringify(want[diff[0]]).slice(0, 600)}` });
      }
    }
    const rss = process.memoryUsage().rss / 1048576;
    if (rss > INPROCESS_RSS_MB) failures.push({ stage: 'memory', kind: 'memory', message: `RSS ${rss.toFixed(0)} MB > ${INPROCESS_RSS_MB} MB` });
    return failures;
  }
}

export function describeCase(c: FuzzCase): string {
  return `seed ${c.seed}: base ${c.base}, mutations ${describeMutations(c.mutations)}, ${c.text.length} chars, valid edit ${c.valid.name}`;
}

export function formatFailures(reports: CaseReport[], limit = 5): string {
  return reports
    .slice(0, limit)
    .map(({ c, failures }) => `- ${describeCase(c)}\n${failures.map((f) => `    ${f.kind} in ${f.stage}: ${f.message.split('\n').slice(0, 8).join('\n      ')}`).join('\n')}`)
    .join('\n');
}
