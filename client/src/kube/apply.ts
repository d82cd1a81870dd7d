/**
 * Applies a plan whose dry run passed, in plan order, and says exactly what happened to each
 * resource. It stops at the first failure (or on cancel) and reports which resources were
 * applied and which were not; it never applies a plan with a failed dry run.
 *
 * Two cases need more than the answer to the write:
 * - A write that got no answer (a timeout, a dropped connection, a 504) may have been applied.
 *   The object is then re-read: the resource is reported "applied (confirmed after timeout)"
 *   when the cluster shows the change, else "unknown: may have been applied", never "not
 *   applied". Only writes known not to have reached the server (no connection could be made,
 *   or the server refused them) are "failed".
 * - Deferred resources (in a Namespace, or of a CRD, that this apply creates) cannot be dry-run
 *   before their Namespace/CRD exists. The Namespaces and CRDs are written first (they sort
 *   first), then all deferred resources are dry-run before anything else is written: if one
 *   fails, only the Namespaces/CRDs stay applied. `applyFirstStep` writes only those, so the
 *   rest can be dry-run and confirmed as a whole afterwards.
 */
import { canonical, stripServerFields } from './diff';
import { Discovery, resourceName, resourcePath } from './discovery';
import { KubeError, toKubeError, type Attempt } from './errors';
import type { FieldDiagnostic } from './fieldPath';
import { APPLY_PATCH, diagnosticsForEntry, firstStepEntries, isFoundationEntry, type Plan, type PlanEntry } from './plan';
import type { TargetDescription } from './protect';
import type { KubeConnection } from './rest';
import { refLabel, type KubeObject, type ResourceType } from './types';

/** `unknown`: the write got no answer and re-reading the object did not show it applied. */
export type Outcome = 'created' | 'configured' | 'unchanged' | 'failed' | 'notApplied' | 'unknown';

export interface ApplyResult {
  entry: PlanEntry;
  outcome: Outcome;
  /** Why it failed, or is unknown; for a write confirmed by re-reading, the error the write got. */
  error?: KubeError;
  /** Set when the write got no answer but re-reading the object showed it applied. */
  confirmedAfter?: string;
  /** For `unknown`: what re-reading the object showed. */
  note?: string;
}

export interface ApplyReport {
  target: TargetDescription;
  results: ApplyResult[];
  /** Entries written to the cluster, in order (including those confirmed by re-reading). */
  applied: PlanEntry[];
  /** The write that failed (known not applied). */
  failed?: ApplyResult;
  /** The write whose outcome is not known (no answer, and re-reading did not show it applied). */
  unknown?: ApplyResult;
  /** Entries not written (after a failure or a cancel). Unchanged entries are not in this list. */
  notApplied: PlanEntry[];
  cancelled: boolean;
  ok: boolean;
  /** Set for the report of `applyFirstStep`. */
  step?: 'first';
  /** One sentence for a notification. */
  summary: string;
  /** One line per resource, for the output channel. */
  lines: string[];
  diagnostics: FieldDiagnostic[];
}

export interface ApplyOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, label: string) => void;
  /** How long to wait for a CRD applied here to be served before its resources are applied. */
  waitForTypeMs?: number;
  pollMs?: number;
  discovery?: Discovery;
  /** After a write got no answer: how long to keep re-reading the object for the change (default 10 s). */
  confirmWithinMs?: number;
  /** Pause between those re-reads (default 1 s). */
  confirmPollMs?: number;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const t = setTimeout(resolve, Math.max(0, ms));
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

const TIMEOUT_TEXT = /timed? ?out|timeout|deadline exceeded/i;

/**
 * Whether a failed write may nevertheless have been applied: it got no answer after a connection
 * was made (a timeout, a dropped connection), or the server said it timed out (408/504, or a 5xx
 * such as "etcdserver: request timed out": Kubernetes says such a request may still complete).
 * An answer refusing the write, or no connection at all, means it was not applied.
 */
export function writeMayHaveLanded(e: KubeError): boolean {
  if (e.extra.httpStatus !== undefined) {
    if (e.kind === 'timeout') return true;
    return e.extra.httpStatus >= 500 && TIMEOUT_TEXT.test(e.extra.serverMessage ?? '');
  }
  if (e.kind === 'cancelled' || e.kind === 'credentials' || e.kind === 'config' || e.kind === 'manifest') return false;
  return e.extra.requestSent !== false;
}

type Path = (string | number)[];

function leafEntries(v: unknown, path: Path = [], out: [Path, unknown][] = []): [Path, unknown][] {
  if (Array.isArray(v) && v.length > 0) v.forEach((x, i) => leafEntries(x, [...path, i], out));
  else if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) for (const [k, x] of Object.entries(v)) leafEntries(x, [...path, k], out);
  else if (path.length > 0) out.push([path, v]);
  return out;
}

function at(v: unknown, path: Path): unknown {
  let cur = v;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** A Secret as the API server stores it: `stringData` folded into `data` (base64). */
function foldStringData(obj: KubeObject): KubeObject {
  if (obj.kind !== 'Secret' || obj.apiVersion !== 'v1' || !obj.stringData || typeof obj.stringData !== 'object') return obj;
  const copy = structuredClone(obj);
  const data = { ...((copy.data as Record<string, unknown> | undefined) ?? {}) };
  for (const [k, v] of Object.entries(copy.stringData as Record<string, unknown>)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  copy.data = data;
  delete copy.stringData;
  return copy;
}

/**
 * Whether the object read back from the cluster (`now`) shows our server-side apply of `sent`:
 * our field manager is among its managers, every field we sent has the value we sent (or the value
 * the dry run predicted, for fields the server normalises or merges), the fields the dry run
 * removed are gone, and an object that existed before is no longer exactly as it was.
 */
export function reflectsApply(now: KubeObject, sent: KubeObject, fieldManager: string, expected?: KubeObject, before?: KubeObject): boolean {
  const meta = (now.metadata ?? {}) as { managedFields?: { manager?: string }[] };
  if (Array.isArray(meta.managedFields) && !meta.managedFields.some((m) => m.manager === fieldManager)) return false;
  for (const [path, value] of leafEntries(foldStringData(sent))) {
    const got = at(now, path);
    if (value === null ? got === undefined || got === null : same(got, value)) continue;
    const predicted = expected === undefined ? undefined : at(expected, path);
    if (predicted !== undefined && same(predicted, got)) continue;
    return false;
  }
  if (before) {
    const b = stripServerFields(before)!;
    const n = stripServerFields(now)!;
    if (same(b, n)) return false;
    if (expected) {
      const e = stripServerFields(expected)!;
      for (const [path] of leafEntries(b)) if (at(e, path) === undefined && at(n, path) !== undefined) return false;
    }
  }
  return true;
}

/** Waits until the type of an entry whose CRD was applied in this run is served. */
async function waitForType(discovery: Discovery, entry: PlanEntry, waitMs: number, pollMs: number, signal?: AbortSignal): Promise<ResourceType> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    discovery.invalidate();
    const r = await discovery.tryResolve(entry.ref.apiVersion, entry.ref.kind);
    if (!(r instanceof KubeError)) return r;
    if (signal?.aborted) throw new KubeError('cancelled', 'Cancelled while waiting for the CRD.');
    if (Date.now() > deadline)
      throw new KubeError('notServed', `${r.message} (CustomResourceDefinition ${entry.waitsFor?.crd} was applied, but its type was still not served after ${Math.round(waitMs / 1000)}s)`);
    await sleep(pollMs, signal);
  }
}

/** Writes the plan's changes. Throws (writing nothing) if the plan is not ok. */
export async function executeApply(conn: KubeConnection, plan: Plan, opts: ApplyOptions = {}): Promise<ApplyReport> {
  if (!plan.ok) {
    const failed = plan.entries.filter((e) => e.action === 'failed').map((e) => refLabel(e.ref));
    throw new KubeError(
      'other',
      `Nothing was applied: the dry run failed${failed.length ? ` for ${failed.join(', ')}` : ''}${plan.errors.length ? ` (${plan.errors.map((e) => e.message).join('; ')})` : ''}.`,
    );
  }
  if (plan.target.contextName !== conn.target.contextName || plan.target.server !== conn.target.server) {
    throw new KubeError('other', `Nothing was applied: the plan was made for context "${plan.target.contextName}", not "${conn.target.contextName}".`);
  }
  const log = conn.logger;
  const discovery = opts.discovery ?? new Discovery(conn);
  const waitMs = opts.waitForTypeMs ?? 60_000;
  const pollMs = opts.pollMs ?? 1000;
  const results: ApplyResult[] = [];
  const todo = plan.entries.filter((e) => e.action !== 'unchanged');
  let stop: { error: KubeError; entry: PlanEntry } | undefined;
  let cancelled = false;
  let done = 0;
  log.info(`Applying ${todo.length} resource(s) to context "${conn.target.contextName}" (${conn.target.server}) as field manager "${plan.fieldManager}"${plan.force ? ' with force' : ''}`);

  const types = new Map<PlanEntry, ResourceType>();
  const deferredDryRuns = new Map<PlanEntry, KubeObject>();

  /**
   * Deferred entries (their Namespace or CRD is created by this apply) could not be dry-run with
   * the rest. Once the Namespaces and CRDs have been applied (they sort first), all of them are
   * dry-run, before anything else is written.
   */
  const checkDeferred = async (): Promise<{ entry: PlanEntry; error: KubeError } | undefined> => {
    const deferred = plan.entries.filter((e) => e.action === 'deferred');
    log.info(`Dry run of ${deferred.length} deferred resource(s), now that their Namespace or CRD exists`);
    for (const e of deferred) {
      try {
        const type = e.waitsFor?.crd ? await waitForType(discovery, e, waitMs, pollMs, opts.signal) : e.type!;
        types.set(e, type);
        const attempt: Attempt = { verb: 'patch', resource: resourceName(type), namespace: e.ref.namespace, name: e.ref.name, label: refLabel(e.ref), dryRun: true };
        const res = await conn.request({
          method: 'PATCH',
          path: resourcePath(type, e.ref.namespace, e.ref.name),
          query: { fieldManager: plan.fieldManager, dryRun: 'All', force: plan.force ? 'true' : undefined },
          body: JSON.stringify(e.body),
          contentType: APPLY_PATCH,
          signal: opts.signal,
          attempt,
        });
        if (res.status < 200 || res.status >= 300) throw conn.errorFor(res, attempt);
        try {
          deferredDryRuns.set(e, JSON.parse(res.body) as KubeObject);
        } catch {
          /* only used to confirm a write that got no answer */
        }
      } catch (err) {
        return { entry: e, error: toKubeError(err) };
      }
    }
    return undefined;
  };

  /** After a write got no answer: re-reads the object until it shows the change, or the time is up. */
  const confirmWrite = async (entry: PlanEntry, type: ResourceType): Promise<{ confirmed: boolean; why: string }> => {
    const within = opts.confirmWithinMs ?? 10_000;
    const poll = opts.confirmPollMs ?? 1000;
    const deadline = Date.now() + within;
    const attempt: Attempt = { verb: 'get', resource: resourceName(type), namespace: entry.ref.namespace, name: entry.ref.name, label: refLabel(entry.ref) };
    const expected = entry.dryRun ?? deferredDryRuns.get(entry);
    let why = '';
    for (;;) {
      try {
        const res = await conn.request({ method: 'GET', path: resourcePath(type, entry.ref.namespace, entry.ref.name), attempt });
        if (res.status === 200) {
          if (reflectsApply(JSON.parse(res.body) as KubeObject, entry.body, plan.fieldManager, expected, entry.live)) return { confirmed: true, why: '' };
          why = entry.live ? 're-reading it showed it unchanged' : 're-reading it showed an object without the change';
        } else if (res.status === 404) why = 're-reading it found no such object (yet)';
        else why = `it could not be re-read: ${conn.errorFor(res, attempt).message}`;
      } catch (e) {
        why = `it could not be re-read: ${toKubeError(e).message}`;
      }
      if (Date.now() + poll > deadline || opts.signal?.aborted) return { confirmed: false, why: `${why} within ${Math.round(within / 100) / 10}s` };
      await sleep(poll, opts.signal);
    }
  };

  const hasDeferred = plan.entries.some((e) => e.action === 'deferred');
  let deferredChecked = false;
  for (const entry of plan.entries) {
    if (entry.action === 'unchanged') {
      results.push({ entry, outcome: 'unchanged' });
      continue;
    }
    if (stop || cancelled) {
      const failedHere = stop?.entry === entry && !results.some((r) => r.outcome === 'failed' || r.outcome === 'unknown');
      results.push(failedHere ? { entry, outcome: 'failed', error: stop!.error } : { entry, outcome: 'notApplied' });
      continue;
    }
    const label = refLabel(entry.ref);
    opts.onProgress?.(done, todo.length, label);
    if (opts.signal?.aborted) {
      cancelled = true;
      results.push({ entry, outcome: 'notApplied' });
      continue;
    }
    if (hasDeferred && !deferredChecked && !isFoundationEntry(entry)) {
      deferredChecked = true;
      const failure = await checkDeferred();
      if (failure?.error.kind === 'cancelled') {
        cancelled = true;
        results.push({ entry, outcome: 'notApplied' });
        continue;
      }
      if (failure) {
        stop = failure;
        log.error(`  failed     ${refLabel(failure.entry.ref)} (dry run): ${failure.error.message}`);
        results.push(failure.entry === entry ? { entry, outcome: 'failed', error: failure.error } : { entry, outcome: 'notApplied' });
        continue;
      }
    }
    const type = types.get(entry) ?? entry.type!;
    const willCreate = entry.action === 'create' || entry.action === 'deferred';
    try {
      const attempt: Attempt = { verb: 'patch', resource: resourceName(type), namespace: entry.ref.namespace, name: entry.ref.name, label };
      const res = await conn.request({
        method: 'PATCH',
        path: resourcePath(type, entry.ref.namespace, entry.ref.name),
        query: { fieldManager: plan.fieldManager, force: plan.force ? 'true' : undefined },
        body: JSON.stringify(entry.body),
        contentType: APPLY_PATCH,
        // A write in flight is not aborted: the result would be unknown. Cancel takes effect between resources.
        attempt,
      });
      if (res.status < 200 || res.status >= 300) throw conn.errorFor(res, attempt);
      const outcome: Outcome = res.status === 201 ? 'created' : 'configured';
      results.push({ entry, outcome });
      log.info(`  ${outcome.padEnd(10)} ${label}`);
      done++;
    } catch (e) {
      const error = toKubeError(e);
      if (error.kind === 'cancelled') {
        cancelled = true;
        results.push({ entry, outcome: 'notApplied' });
        continue;
      }
      if (writeMayHaveLanded(error)) {
        const cause = error.kind === 'timeout' || TIMEOUT_TEXT.test(error.extra.serverMessage ?? '') ? 'timeout' : 'the connection was lost';
        log.warn(`  ${label}: the write got no answer (${cause}); re-reading it to see whether it was applied`);
        const check = await confirmWrite(entry, type);
        if (check.confirmed) {
          const outcome: Outcome = willCreate ? 'created' : 'configured';
          results.push({ entry, outcome, confirmedAfter: cause, error });
          log.info(`  ${outcome.padEnd(10)} ${label} (confirmed after ${cause})`);
          done++;
          continue;
        }
        stop = { error, entry };
        results.push({ entry, outcome: 'unknown', error, note: check.why });
        log.error(`  unknown    ${label}: may have been applied (${check.why}): ${error.message}`);
        continue;
      }
      stop = { error, entry };
      results.push({ entry, outcome: 'failed', error });
      log.error(`  failed     ${label}: ${error.message}`);
    }
  }
  opts.onProgress?.(todo.length, todo.length, '');
  return report(plan, results, cancelled);
}

/**
 * Step 1 of an apply with deferred resources: writes only the Namespaces and CRDs of the plan (and
 * waits until the CRDs' types are served), nothing else. The caller then dry-runs the whole set
 * again, in which nothing is deferred any more, and asks again.
 */
export async function applyFirstStep(conn: KubeConnection, plan: Plan, opts: ApplyOptions = {}): Promise<ApplyReport> {
  const first = firstStepEntries(plan);
  if (first.length === 0) throw new KubeError('other', 'Nothing was applied: the plan has no Namespace or CRD to apply first.');
  const sub: Plan = { ...plan, entries: first };
  const r = await executeApply(conn, sub, opts);
  const ctx = `context "${plan.target.contextName}"`;
  const rest = plan.entries.length - first.length;
  if (!r.ok) {
    return { ...r, step: 'first', summary: `Step 1 (Namespaces/CRDs only): ${r.summary} Nothing else was applied.` };
  }
  const discovery = opts.discovery ?? new Discovery(conn);
  const notServed: string[] = [];
  for (const e of plan.entries.filter((x) => x.action === 'deferred' && x.waitsFor?.crd)) {
    try {
      await waitForType(discovery, e, opts.waitForTypeMs ?? 60_000, opts.pollMs ?? 1000, opts.signal);
    } catch (err) {
      notServed.push(toKubeError(err).message);
    }
  }
  const list = first.map((e) => refLabel(e.ref)).join(', ');
  const summary =
    `Step 1 done: applied ${list} to ${ctx}. Nothing else was written; the other ${rest} resource${rest === 1 ? '' : 's'} are dry-run again next, with a new confirmation.` +
    (notServed.length ? ` Not served yet: ${notServed.join('; ')}` : '');
  return { ...r, step: 'first', summary };
}

function sentence(m: string): string {
  return /[.!?)]$/.test(m.trim()) ? m.trim() : `${m.trim()}.`;
}

function report(plan: Plan, results: ApplyResult[], cancelled: boolean): ApplyReport {
  const applied = results.filter((r) => r.outcome === 'created' || r.outcome === 'configured').map((r) => r.entry);
  const failed = results.find((r) => r.outcome === 'failed');
  const unknown = results.find((r) => r.outcome === 'unknown');
  const notApplied = results.filter((r) => r.outcome === 'notApplied').map((r) => r.entry);
  const unchanged = results.filter((r) => r.outcome === 'unchanged').length;
  const created = results.filter((r) => r.outcome === 'created').length;
  const confirmed = results.filter((r) => r.confirmedAfter);
  const ctx = `context "${plan.target.contextName}"`;
  const list = (es: PlanEntry[]): string => (es.length ? es.map((e) => refLabel(e.ref)).join(', ') : 'none');
  const confirmedNote = confirmed.map((r) => ` ${refLabel(r.entry.ref)}: applied (confirmed after ${r.confirmedAfter}).`).join('');
  let summary: string;
  if (!failed && !unknown && !cancelled) {
    summary = `Applied ${applied.length} resource${applied.length === 1 ? '' : 's'} to ${ctx} (${created} created, ${applied.length - created} configured, ${unchanged} unchanged).${confirmedNote}`;
  } else if (unknown) {
    summary =
      `Apply to ${ctx} stopped at ${refLabel(unknown.entry.ref)}: ${sentence(unknown.error!.message)} ` +
      `${refLabel(unknown.entry.ref)}: unknown: may have been applied (${unknown.note}); check it with kubectl get.${confirmedNote} ` +
      `Applied (${applied.length}): ${list(applied)}. Not applied (${notApplied.length}): ${list(notApplied)}.`;
  } else if (failed) {
    summary =
      `Apply to ${ctx} stopped at ${refLabel(failed.entry.ref)}: ${sentence(failed.error!.message)}${confirmedNote} ` +
      `Applied (${applied.length}): ${list(applied)}. Not applied (${notApplied.length + 1}): ${list([failed.entry, ...notApplied])}.`;
  } else {
    summary = `Apply to ${ctx} was cancelled.${confirmedNote} Applied (${applied.length}): ${list(applied)}. Not applied (${notApplied.length}): ${list(notApplied)}.`;
  }
  const lines = results.map((r) => {
    const label = refLabel(r.entry.ref);
    if (r.confirmedAfter) return `${r.outcome.padEnd(10)} ${label}: applied (confirmed after ${r.confirmedAfter})`;
    if (r.outcome === 'unknown') return `${r.outcome.padEnd(10)} ${label}: unknown: may have been applied (${r.note}): ${r.error!.message}`;
    return `${r.outcome.padEnd(10)} ${label}${r.error ? `: ${r.error.message}` : ''}`;
  });
  const diagnostics = failed ? diagnosticsForEntry(failed.entry.resource, failed.error!) : [];
  return { target: plan.target, results, applied, failed, unknown, notApplied, cancelled, ok: !failed && !unknown && !cancelled, summary, lines, diagnostics };
}
