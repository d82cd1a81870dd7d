/**
 * Applies a plan whose dry run passed, in plan order, and says exactly what happened to each
 * resource. It stops at the first failure (or on cancel) and reports which resources were
 * applied and which were not; it never applies a plan with a failed dry run.
 */
import { Discovery, resourceName, resourcePath } from './discovery';
import { KubeError, toKubeError, type Attempt } from './errors';
import type { FieldDiagnostic } from './fieldPath';
import { APPLY_PATCH, diagnosticsForEntry, type Plan, type PlanEntry } from './plan';
import type { TargetDescription } from './protect';
import type { KubeConnection } from './rest';
import { refLabel, type ResourceType } from './types';

export type Outcome = 'created' | 'configured' | 'unchanged' | 'failed' | 'notApplied';

export interface ApplyResult {
  entry: PlanEntry;
  outcome: Outcome;
  error?: KubeError;
}

export interface ApplyReport {
  target: TargetDescription;
  results: ApplyResult[];
  /** Entries written to the cluster, in order. */
  applied: PlanEntry[];
  failed?: ApplyResult;
  /** Entries not written (after a failure or a cancel). Unchanged entries are not in this list. */
  notApplied: PlanEntry[];
  cancelled: boolean;
  ok: boolean;
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
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
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

  /** Waits until the type of an entry whose CRD was applied in this run is served. */
  const waitForType = async (entry: PlanEntry): Promise<ResourceType> => {
    const deadline = Date.now() + waitMs;
    for (;;) {
      discovery.invalidate();
      const r = await discovery.tryResolve(entry.ref.apiVersion, entry.ref.kind);
      if (!(r instanceof KubeError)) return r;
      if (opts.signal?.aborted) throw new KubeError('cancelled', 'Cancelled while waiting for the CRD.');
      if (Date.now() > deadline)
        throw new KubeError('notServed', `${r.message} (CustomResourceDefinition ${entry.waitsFor?.crd} was applied, but its type was still not served after ${Math.round(waitMs / 1000)}s)`);
      await sleep(pollMs, opts.signal);
    }
  };

  /**
   * Deferred entries (their Namespace or CRD is created by this apply) could not be dry-run with
   * the rest. When the first one is reached, their Namespaces and CRDs have been applied (they
   * sort first): all of them are dry-run now, before any of them is written.
   */
  const checkDeferred = async (): Promise<{ entry: PlanEntry; error: KubeError } | undefined> => {
    const deferred = plan.entries.filter((e) => e.action === 'deferred');
    log.info(`Dry run of ${deferred.length} deferred resource(s), now that their Namespace or CRD exists`);
    for (const e of deferred) {
      try {
        const type = e.waitsFor?.crd ? await waitForType(e) : e.type!;
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
      } catch (err) {
        return { entry: e, error: toKubeError(err) };
      }
    }
    return undefined;
  };

  let deferredChecked = false;
  for (const entry of plan.entries) {
    if (entry.action === 'unchanged') {
      results.push({ entry, outcome: 'unchanged' });
      continue;
    }
    if (stop || cancelled) {
      const failedHere = stop?.entry === entry && !results.some((r) => r.outcome === 'failed');
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
    if (entry.action === 'deferred' && !deferredChecked) {
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
    try {
      const type = types.get(entry) ?? entry.type!;
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
      stop = { error, entry };
      results.push({ entry, outcome: 'failed', error });
      log.error(`  failed     ${label}: ${error.message}`);
    }
  }
  opts.onProgress?.(todo.length, todo.length, '');
  return report(plan, results, cancelled);
}

function sentence(m: string): string {
  return /[.!?)]$/.test(m.trim()) ? m.trim() : `${m.trim()}.`;
}

function report(plan: Plan, results: ApplyResult[], cancelled: boolean): ApplyReport {
  const applied = results.filter((r) => r.outcome === 'created' || r.outcome === 'configured').map((r) => r.entry);
  const failed = results.find((r) => r.outcome === 'failed');
  const notApplied = results.filter((r) => r.outcome === 'notApplied').map((r) => r.entry);
  const unchanged = results.filter((r) => r.outcome === 'unchanged').length;
  const created = results.filter((r) => r.outcome === 'created').length;
  const ctx = `context "${plan.target.contextName}"`;
  const list = (es: PlanEntry[]): string => (es.length ? es.map((e) => refLabel(e.ref)).join(', ') : 'none');
  let summary: string;
  if (!failed && !cancelled) {
    summary = `Applied ${applied.length} resource${applied.length === 1 ? '' : 's'} to ${ctx} (${created} created, ${applied.length - created} configured, ${unchanged} unchanged).`;
  } else if (failed) {
    summary =
      `Apply to ${ctx} stopped at ${refLabel(failed.entry.ref)}: ${sentence(failed.error!.message)} ` +
      `Applied (${applied.length}): ${list(applied)}. Not applied (${notApplied.length + 1}): ${list([failed.entry, ...notApplied])}.`;
  } else {
    summary = `Apply to ${ctx} was cancelled. Applied (${applied.length}): ${list(applied)}. Not applied (${notApplied.length}): ${list(notApplied)}.`;
  }
  const lines = results.map((r) => `${r.outcome.padEnd(10)} ${refLabel(r.entry.ref)}${r.error ? `: ${r.error.message}` : ''}`);
  const diagnostics = failed ? diagnosticsForEntry(failed.entry.resource, failed.error!) : [];
  return { target: plan.target, results, applied, failed, notApplied, cancelled, ok: !failed && !cancelled, summary, lines, diagnostics };
}
