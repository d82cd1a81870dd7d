/**
 * The plan: for every resource, in apply order, a server-side dry run
 * (PATCH application/apply-patch+yaml, dryRun=All, our fieldManager) and the live object, giving
 * create / update / unchanged, the diff, or the error with diagnostics. Nothing is written.
 */
import { diffStat, canonical, maskSecrets, stripServerFields, toYaml } from './diff';
import { Discovery, resourceName, resourcePath, typeFromBatchCrd } from './discovery';
import { KubeError, toKubeError, type Attempt } from './errors';
import { diagnosticsFor, type FieldDiagnostic } from './fieldPath';
import { duplicateErrors } from './manifests';
import { applyOrder } from './order';
import type { Counts, TargetDescription } from './protect';
import type { KubeConnection } from './rest';
import { refLabel, splitApiVersion, type KubeObject, type ManifestResource, type ResourceRef, type ResourceType } from './types';

export type PlanAction = 'create' | 'update' | 'unchanged' | 'deferred' | 'failed';

export interface PlanEntry {
  resource: ManifestResource;
  ref: ResourceRef;
  type?: ResourceType;
  action: PlanAction;
  /** The object sent (namespace decided). */
  body: KubeObject;
  /** Live object, as read. */
  live?: KubeObject;
  /** Dry-run result, as answered. */
  dryRun?: KubeObject;
  /** Normalized YAML of the live object ('' when it does not exist). */
  before: string;
  /** Normalized YAML of the dry-run result (of the manifest, when deferred). */
  after: string;
  error?: KubeError;
  /** Why an entry is deferred or not checked. */
  note?: string;
  /** What a deferred entry waits for. */
  waitsFor?: { crd?: string; namespace?: string };
  /** Editor diagnostics for a failed entry. */
  diagnostics: FieldDiagnostic[];
}

export interface Plan {
  target: TargetDescription;
  fieldManager: string;
  force: boolean;
  entries: PlanEntry[];
  /** Problems not tied to one entry: manifest errors, the cluster being unreachable. */
  errors: KubeError[];
  /** True when every dry run passed and there are no manifest errors: only then may it be applied. */
  ok: boolean;
  counts: Counts & { failed: number };
  /** Files a folder scan left out (no mesh resource, templates), with why: listed in the plan and the confirmation. */
  skipped: SkippedFile[];
}

export interface SkippedFile {
  /** As shown to the user (the UI passes a workspace-relative path). */
  file: string;
  reason: string;
}

export interface PlanOptions {
  fieldManager: string;
  force?: boolean;
  /** Namespace for namespaced resources without one (the context's, or the one picked). */
  defaultNamespace?: string;
  /** Errors found while reading the manifests; they make the plan not ok. */
  manifestErrors?: KubeError[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, label: string) => void;
  discovery?: Discovery;
  /** Files left out of a folder apply, to list in the plan. */
  skipped?: SkippedFile[];
}

/** Errors after which asking the server about the other resources is pointless. */
const FATAL = new Set(['unreachable', 'tls', 'timeout', 'unauthorized', 'cancelled', 'credentials']);

export const APPLY_PATCH = 'application/apply-patch+yaml';

/** The body to send: the manifest with metadata.namespace set (namespaced) or removed (cluster-scoped). */
export function bodyFor(r: ManifestResource, namespace: string | undefined): KubeObject {
  const body = structuredClone(r.object);
  const meta = { ...((body.metadata ?? {}) as Record<string, unknown>) };
  if (namespace) meta.namespace = namespace;
  else delete meta.namespace;
  body.metadata = meta;
  return body;
}

function texts(live: KubeObject | undefined, after: KubeObject | undefined): { before: string; after: string; same: boolean } {
  const a = stripServerFields(live);
  const b = stripServerFields(after);
  const same = !!a && !!b && canonical(a) === canonical(b);
  maskSecrets(a, b);
  return { before: toYaml(a), after: toYaml(b), same };
}

/** The YAML of a manifest that could not be dry-run yet (deferred), Secret values masked. */
function manifestText(body: KubeObject): string {
  const shown = stripServerFields(body);
  maskSecrets(undefined, shown);
  return toYaml(shown);
}

/** Editor diagnostics for a resource's error: at the fields it names, else on the resource. None for cluster-wide failures. */
export function diagnosticsForEntry(r: ManifestResource, err: KubeError): FieldDiagnostic[] {
  if (FATAL.has(err.kind)) return [];
  let paths = err.fieldPaths;
  if (err.kind === 'notServed') paths = ['apiVersion'];
  else if (err.kind === 'namespaceNotFound') paths = r.namespace ? ['metadata.namespace'] : [];
  return diagnosticsFor(r.source, r.object, err.message, paths, err.extra.apiStatus);
}

/** Dry-runs every resource against the connection's cluster; writes nothing. */
export async function planApply(conn: KubeConnection, resources: ManifestResource[], opts: PlanOptions): Promise<Plan> {
  const log = conn.logger;
  const defaultNamespace = opts.defaultNamespace ?? conn.target.namespace;
  const errors: KubeError[] = [...(opts.manifestErrors ?? [])];
  errors.push(...duplicateErrors(resources, (r) => r.namespace ?? defaultNamespace));
  if (resources.length === 0 && errors.length === 0) errors.push(new KubeError('manifest', 'No Kubernetes resources to apply were found.'));
  const discovery = opts.discovery ?? new Discovery(conn);
  const ordered = applyOrder(resources);
  const crds = ordered.filter((r) => r.kind === 'CustomResourceDefinition' && splitApiVersion(r.apiVersion).group === 'apiextensions.k8s.io').map((r) => r.object);
  const batchNamespaces = new Set(ordered.filter((r) => r.kind === 'Namespace' && r.apiVersion === 'v1').map((r) => r.name));
  const entries: PlanEntry[] = [];
  let fatal: KubeError | undefined;
  log.info(`Dry run of ${ordered.length} resource(s) against context "${conn.target.contextName}" (${conn.target.server}) as field manager "${opts.fieldManager}"${opts.force ? ' with force' : ''}`);

  for (const [i, r] of ordered.entries()) {
    const provisional: ResourceRef = { apiVersion: r.apiVersion, kind: r.kind, name: r.name, namespace: r.namespace ?? defaultNamespace };
    const entry: PlanEntry = { resource: r, ref: provisional, action: 'failed', body: r.object, before: '', after: '', diagnostics: [] };
    entries.push(entry);
    opts.onProgress?.(i, ordered.length, refLabel(provisional));
    if (!fatal && opts.signal?.aborted) fatal = new KubeError('cancelled', 'The dry run was cancelled.');
    if (fatal) {
      entry.error = fatal;
      entry.note = 'not checked';
      continue;
    }
    try {
      const resolved = await discovery.tryResolve(r.apiVersion, r.kind);
      let type: ResourceType;
      let deferredCrd: string | undefined;
      if (resolved instanceof KubeError) {
        const fromBatch = typeFromBatchCrd(crds, r.apiVersion, r.kind);
        if (!fromBatch) throw resolved;
        type = fromBatch.type;
        deferredCrd = fromBatch.crdName;
      } else type = resolved;
      const namespace = type.namespaced ? (r.namespace ?? defaultNamespace) : undefined;
      entry.type = type;
      entry.ref = { apiVersion: r.apiVersion, kind: r.kind, name: r.name, namespace };
      entry.body = bodyFor(r, namespace);
      const label = refLabel(entry.ref);
      const attempt: Attempt = { verb: 'get', resource: resourceName(type), namespace, name: r.name, label };
      if (deferredCrd) {
        entry.action = 'deferred';
        entry.note = `its type is defined by CustomResourceDefinition ${deferredCrd} in this apply: it is dry-run and applied once that CRD is served`;
        entry.waitsFor = { crd: deferredCrd };
        entry.after = conn.redactor.redactLiterals(manifestText(entry.body));
        log.info(`  deferred  ${label}: ${entry.note}`);
        continue;
      }
      const path = resourcePath(type, namespace, r.name);
      const got = await conn.request({ method: 'GET', path, signal: opts.signal, attempt });
      if (got.status === 200) entry.live = JSON.parse(got.body) as KubeObject;
      else if (got.status !== 404) throw conn.errorFor(got, attempt);
      const patchAttempt: Attempt = { ...attempt, verb: 'patch', dryRun: true };
      const res = await conn.request({
        method: 'PATCH',
        path,
        query: { fieldManager: opts.fieldManager, dryRun: 'All', force: opts.force ? 'true' : undefined },
        body: JSON.stringify(entry.body),
        contentType: APPLY_PATCH,
        signal: opts.signal,
        attempt: patchAttempt,
      });
      if (res.status < 200 || res.status >= 300) {
        const err = conn.errorFor(res, patchAttempt);
        if (err.kind === 'namespaceNotFound' && namespace && batchNamespaces.has(namespace) && !entry.live) {
          entry.action = 'deferred';
          entry.note = `namespace "${namespace}" is created by this apply first: it is dry-run and applied after it`;
          entry.waitsFor = { namespace };
          entry.after = conn.redactor.redactLiterals(manifestText(entry.body));
          log.info(`  deferred  ${label}: ${entry.note}`);
          continue;
        }
        throw err;
      }
      entry.dryRun = JSON.parse(res.body) as KubeObject;
      const t = texts(entry.live, entry.dryRun);
      // Resource text is the user's, but a kubeconfig credential must not show even there.
      entry.before = conn.redactor.redactLiterals(t.before);
      entry.after = conn.redactor.redactLiterals(t.after);
      entry.action = !entry.live ? 'create' : t.same ? 'unchanged' : 'update';
      const stat = entry.action === 'update' ? diffStat(t.before, t.after) : undefined;
      log.info(`  ${entry.action.padEnd(9)} ${label}${stat ? ` (+${stat.added} -${stat.removed} lines)` : ''}`);
    } catch (e) {
      const err = toKubeError(e);
      entry.action = 'failed';
      entry.error = err;
      entry.diagnostics = diagnosticsForEntry(r, err);
      log.error(`  failed    ${refLabel(entry.ref)}: ${err.message}`);
      if (FATAL.has(err.kind)) fatal = err;
    }
  }
  opts.onProgress?.(ordered.length, ordered.length, '');
  const count = (a: PlanAction): number => entries.filter((e) => e.action === a).length;
  const counts = { create: count('create'), update: count('update'), unchanged: count('unchanged'), deferred: count('deferred'), failed: count('failed') };
  if (fatal && !errors.includes(fatal)) errors.push(fatal);
  const ok = errors.length === 0 && counts.failed === 0;
  log.info(
    `Dry run ${ok ? 'passed' : 'FAILED'}: ${counts.create} to create, ${counts.update} to update, ${counts.unchanged} unchanged, ${counts.deferred} deferred, ${counts.failed} failed`,
  );
  for (const e of errors) log.error(e.message);
  const skipped = opts.skipped ?? [];
  if (skipped.length) log.info(skippedSummary(skipped));
  return { target: conn.target, fieldManager: opts.fieldManager, force: !!opts.force, entries, errors, ok, counts, skipped };
}

/** Whether every failure of a plan is a field-manager conflict (the case where "Force" is offered). */
export function onlyConflicts(plan: Plan): boolean {
  const failed = plan.entries.filter((e) => e.action === 'failed');
  return plan.errors.length === 0 && failed.length > 0 && failed.every((e) => e.error?.kind === 'conflict');
}

/** The two sides of one diff editor for the whole plan: a header per resource (same on both sides), then its YAML. */
export function planDiffDocuments(plan: Plan, includeUnchanged = false): { left: string; right: string; shown: number } {
  const left: string[] = [];
  const right: string[] = [];
  let shown = 0;
  const skipped = skippedSummary(plan.skipped ?? [], 50);
  const head = skipped ? `# ${skipped}\n` : '';
  for (const e of plan.entries) {
    if (e.action === 'failed' || (e.action === 'unchanged' && !includeUnchanged)) continue;
    shown++;
    const header = `# ${refLabel(e.ref)} (${e.ref.apiVersion}): ${e.action}${e.note ? ` - ${e.note}` : ''}\n`;
    left.push(header + (e.before || '# (not in the cluster)\n'));
    right.push(header + (e.after || '# (nothing)\n'));
  }
  return { left: head + left.join('---\n'), right: head + right.join('---\n'), shown };
}

/** One line per entry, for the output channel and tests. */
export function planLines(plan: Plan): string[] {
  const out = plan.entries.map((e) => {
    const stat = e.action === 'update' ? diffStat(e.before, e.after) : undefined;
    const detail = e.error ? `: ${e.error.message}` : e.note ? ` (${e.note})` : stat ? ` (+${stat.added} -${stat.removed} lines)` : '';
    return `${e.action.padEnd(9)} ${refLabel(e.ref)}${detail}`;
  });
  for (const err of plan.errors) out.push(`error     ${err.message}`);
  for (const sk of plan.skipped ?? []) out.push(`skipped   ${sk.file} (${sk.reason})`);
  return out;
}

/** "2 files skipped (not applied): a.yaml (no mesh resource), b.yaml (template ({{ }}))", at most `max` names. */
export function skippedSummary(skipped: readonly SkippedFile[], max = 10): string {
  if (skipped.length === 0) return '';
  const names = skipped.slice(0, max).map((s) => `${s.file} (${s.reason})`);
  const more = skipped.length > max ? `, and ${skipped.length - max} more (listed in the output)` : '';
  return `${skipped.length} file${skipped.length === 1 ? '' : 's'} skipped (not applied): ${names.join(', ')}${more}.`;
}

/** A Namespace or a CRD: applied before everything else, which may live in it or be of its type. */
export const isFoundationEntry = (e: PlanEntry): boolean =>
  (e.ref.kind === 'Namespace' && e.ref.apiVersion === 'v1') || (e.ref.kind === 'CustomResourceDefinition' && splitApiVersion(e.ref.apiVersion).group === 'apiextensions.k8s.io');

/** What step 1 writes: the Namespaces and CRDs of the plan that are created or changed. */
export function firstStepEntries(plan: Plan): PlanEntry[] {
  return plan.entries.filter((e) => isFoundationEntry(e) && (e.action === 'create' || e.action === 'update'));
}

/** The resources that could not be dry-run before the apply, and what is written before they are. */
export interface DeferredInfo {
  /** Labels of the deferred resources. */
  unchecked: string[];
  /** Labels of the Namespaces/CRDs written before the deferred resources are dry-run: what stays applied if that fails. */
  writtenFirst: string[];
}

export function deferredInfo(plan: Plan): DeferredInfo | undefined {
  const deferred = plan.entries.filter((e) => e.action === 'deferred');
  if (deferred.length === 0) return undefined;
  return { unchecked: deferred.map((e) => refLabel(e.ref)), writtenFirst: firstStepEntries(plan).map((e) => refLabel(e.ref)) };
}
