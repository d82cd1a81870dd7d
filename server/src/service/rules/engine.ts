import type { FileDiagnostic } from '../features/diagnostics';
import type { Fix, Severity } from '../model';
import { depChanged, type Resource, type WorkspaceIndex } from '../workspace';
import { findingRange } from './locate';
import type { AnalysisSettings, Finding, Rule, RuleContext } from './types';

export const SUPPRESS_ISTIO = 'galley.istio.io/analyze-suppress';
export const SUPPRESS_KIALI = 'kiali.io/ignore-validations';
/** Our own annotation: comma-separated rule ids or codes, or `*`. */
export const SUPPRESS_OURS = 'mesh-yaml.io/ignore';

function listOf(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

interface Suppressions {
  ours: Set<string>;
  ist: Set<string>;
  kia: Set<string>;
}

const NO_SUPPRESSIONS: Suppressions = { ours: new Set(), ist: new Set(), kia: new Set() };

function suppressionsOf(res: Resource): Suppressions {
  const a = res.annotations;
  if (!a[SUPPRESS_OURS] && !a[SUPPRESS_ISTIO] && !a[SUPPRESS_KIALI]) return NO_SUPPRESSIONS;
  let s = res.seg.cache.get('suppressions') as Suppressions | undefined;
  if (!s) {
    s = { ours: new Set(listOf(a[SUPPRESS_OURS])), ist: new Set(listOf(a[SUPPRESS_ISTIO])), kia: new Set(listOf(a[SUPPRESS_KIALI])) };
    res.seg.cache.set('suppressions', s);
  }
  return s;
}

/** Is this rule silenced on this resource by an annotation? */
export function suppressed(rule: Rule, res: Resource): boolean {
  const s = suppressionsOf(res);
  if (s === NO_SUPPRESSIONS) return false;
  const codes = [rule.code, ...(rule.alsoCodes ?? [])].filter((c): c is string => !!c);
  if (s.ours.has('*') || s.ours.has(rule.id) || codes.some((c) => s.ours.has(c))) return true;
  if (codes.some((c) => c.startsWith('IST') && (s.ist.has('*') || s.ist.has(c)))) return true;
  if (codes.some((c) => c.startsWith('KIA') && (s.kia.has('*') || s.kia.has(c)))) return true;
  return false;
}

/**
 * The severity a setting gives a rule, if any: by rule id first, then by its main code, then by its other codes
 * in order (so `{"KIA0601": "off"}` silences istio/service-port-name, which reports KIA0601 beside IST0118, just
 * as the kiali.io/ignore-validations annotation does).
 */
export function configuredSeverity(rule: { id: string; code?: string | null; alsoCodes?: string[] }, settings: AnalysisSettings): Severity | 'off' | undefined {
  const byId = settings.rules[rule.id];
  if (byId !== undefined) return byId;
  for (const c of [rule.code, ...(rule.alsoCodes ?? [])]) {
    if (!c) continue;
    const v = settings.rules[c];
    if (v !== undefined) return v;
  }
  return undefined;
}

/** The configured severity of a rule, or 'off'. Settings may name the rule by id or by any of its codes. */
export function effectiveSeverity(rule: { id: string; code?: string | null; alsoCodes?: string[]; severity: Severity }, settings: AnalysisSettings): Severity | 'off' {
  return configuredSeverity(rule, settings) ?? rule.severity;
}

export function kindsIndex(rules: Rule[]): Map<string, Rule[]> {
  const m = new Map<string, Rule[]>();
  for (const r of rules) {
    for (const k of r.kinds) {
      let list = m.get(k);
      if (!list) m.set(k, (list = []));
      list.push(r);
    }
  }
  return m;
}

export type RuleErrorLogger = (rule: Rule, res: Resource, error: unknown) => void;

/** At most this many findings of one rule on one resource are kept (then one more says how many were left out). */
export const MAX_RULE_FINDINGS = 1000;

interface RawFinding {
  range: FileDiagnostic['range'];
  severity?: Severity;
  message: string;
  fixes?: Fix[];
}

interface CachedRun {
  startLine: number;
  deps: Array<[string, number]>;
  findings: RawFinding[];
}

/** What a resource without rules emits (shared, never changed). */
const NO_DIAGNOSTICS: FileDiagnostic[] = [];

/**
 * The run of a rule that read nothing from the index and found nothing (most runs): one object shared by all of
 * them, never changed (shifting skips runs without findings).
 */
const QUIET_RUN: CachedRun = Object.freeze({ startLine: 0, deps: Object.freeze([]) as unknown as Array<[string, number]>, findings: Object.freeze([]) as unknown as RawFinding[] });

function shiftFindings(findings: RawFinding[], delta: number, uri: string): RawFinding[] {
  if (!delta) return findings;
  const sr = (r: FileDiagnostic['range']): FileDiagnostic['range'] => ({ start: { line: r.start.line + delta, character: r.start.character }, end: { line: r.end.line + delta, character: r.end.character } });
  return findings.map((f) => ({
    ...f,
    range: sr(f.range),
    fixes: f.fixes?.map((x) => ({ ...x, edits: x.edits.map((e) => (e.uri && e.uri !== uri ? e : { ...e, range: sr(e.range) })) })),
  }));
}

/**
 * Runs the rules that apply to each resource and returns their diagnostics, in file positions.
 * A rule's findings on a resource are cached on the parsed document together with what the rule read from the
 * workspace index (kinds, namespaces, workloads); they are reused until one of those changes, so an edit costs
 * the rules that read what the edit changed, not every rule on every resource.
 */
interface ResourceRuns {
  uri: string;
  startLine: number;
  settingsKey: string;
  runs: Map<Rule, CachedRun>;
  /** The diagnostics last emitted for the resource, reused while every run is still valid. */
  emitted?: FileDiagnostic[];
  /** What every run read, deduplicated, with the versions seen: one check instead of one per rule. */
  deps?: Array<[string, number]>;
}

/**
 * What runRules remembers about one file between calls, so that a call after an edit looks only at the resources
 * whose dependencies changed (WorkspaceIndex.changedSince) instead of checking every resource's.
 */
export interface FileRuleCache {
  index?: WorkspaceIndex;
  generation: number;
  settingsKey: string;
  /** Dependency key -> the resources of the file whose checks read it. */
  reverse: Map<string, Set<Resource>>;
  /** The resources of the last call, with the dependency keys recorded for them. */
  depsOf: Map<Resource, string[]>;
  /** The last call's resources in order, what each emitted, and the rules it ran with. */
  last?: { resources: Resource[]; chunks: FileDiagnostic[][]; rulesByKind: Map<string, Rule[]> };
}

export function newFileRuleCache(): FileRuleCache {
  return { generation: -1, settingsKey: '', reverse: new Map(), depsOf: new Map() };
}

function forget(cache: FileRuleCache, res: Resource): void {
  for (const d of cache.depsOf.get(res) ?? []) {
    const set = cache.reverse.get(d);
    if (!set) continue;
    set.delete(res);
    if (!set.size) cache.reverse.delete(d);
  }
  cache.depsOf.delete(res);
}

function remember(cache: FileRuleCache, res: Resource, deps: string[]): void {
  forget(cache, res);
  for (const d of deps) {
    let set = cache.reverse.get(d);
    if (!set) cache.reverse.set(d, (set = new Set()));
    set.add(res);
  }
  cache.depsOf.set(res, deps);
}

/** The resources of a file whose checks read something that changed, or undefined when that is not known. */
function dirtyResources(cache: FileRuleCache, index: WorkspaceIndex, settingsKey: string): Set<Resource> | undefined {
  if (cache.index !== index || cache.settingsKey !== settingsKey) return undefined;
  const changed = index.changedSince(cache.generation);
  if (!changed) return undefined;
  const dirty = new Set<Resource>();
  if (!changed.size) return dirty;
  const wholeTables = [...changed].some((d) => d.startsWith('@') && d.endsWith('\u0001all'));
  if (wholeTables) {
    for (const [d, set] of cache.reverse) if (depChanged(d, changed)) for (const r of set) dirty.add(r);
  } else {
    for (const d of changed) {
      const set = cache.reverse.get(d);
      if (set) for (const r of set) dirty.add(r);
    }
  }
  return dirty;
}

function runValid(run: CachedRun | undefined, index: WorkspaceIndex): run is CachedRun {
  return !!run && depsValid(run.deps, index);
}

function depsValid(deps: Array<[string, number]>, index: WorkspaceIndex): boolean {
  for (const [d, v] of deps) if (index.version(d) !== v) return false;
  return true;
}

export function runRules(
  rulesByKind: Map<string, Rule[]>,
  resources: Resource[],
  index: WorkspaceIndex,
  settings: AnalysisSettings,
  onError?: RuleErrorLogger,
  cache?: FileRuleCache,
): FileDiagnostic[] {
  const out: FileDiagnostic[] = [];
  const settingsKey = `${settings.productionNamespaces.join(',')}|${JSON.stringify(settings.rules)}`;
  // with what the last call saw: the resources it checked whose dependencies did not change are taken as they are
  const dirty = cache ? dirtyResources(cache, index, settingsKey) : undefined;
  if (cache && !dirty) {
    cache.reverse.clear();
    cache.depsOf.clear();
  }
  const seen = cache ? new Set<Resource>() : undefined;
  /** What a call needs of each rule, worked out once: its severity, the codes its messages end with, whether a setting names it. */
  const facts = new Map<Rule, { sev: Severity | 'off'; codes: string; configured: boolean }>();
  const factsOf = (rule: Rule): { sev: Severity | 'off'; codes: string; configured: boolean } => {
    let f = facts.get(rule);
    if (!f) {
      f = { sev: effectiveSeverity(rule, settings), codes: [rule.code, ...(rule.alsoCodes ?? [])].filter(Boolean).join(', '), configured: configuredSeverity(rule, settings) !== undefined };
      facts.set(rule, f);
    }
    return f;
  };
  // One context for every run (runs are synchronous): `report` files findings of the resource being checked.
  const scratch: RawFinding[] = [];
  const tracker = new Set<string>();
  let dropped = 0;
  let current: Resource | undefined;
  const ctx: RuleContext = {
    index,
    settings,
    report: (r: Resource, f: Finding) => {
      if (!current || r.uri !== current.uri || r.startLine !== current.startLine) return; // rules report on the resource they check
      if (scratch.length >= MAX_RULE_FINDINGS) {
        dropped++;
        return;
      }
      scratch.push({ range: findingRange(r, f.path, f.on), severity: f.severity, message: f.message, fixes: f.fixes?.length ? f.fixes : undefined });
    },
  };
  const forAll = rulesByKind.get('*') ?? [];
  const perKind = new Map<string, { rules: Rule[]; set: Set<Rule> }>();
  // After an edit, a resource at the same place as in the last call, whose dependencies did not change, emits what
  // it emitted then: no lookup at all (an edit of a file of thousands of resources touches only the few it changed).
  const last = dirty && cache!.last?.rulesByKind === rulesByKind ? cache!.last : undefined;
  // The checks of one resource (or what they emitted last, when still valid). A function of its own: closures in
  // the body of the loop below would make V8 allocate a context on every iteration, and the loop runs over every
  // resource of the file on every edit.
  const check = (res: Resource): FileDiagnostic[] => {
    let kindRules = perKind.get(res.gk);
    if (!kindRules) {
      const own = rulesByKind.get(res.gk) ?? [];
      const list = forAll.length ? [...own, ...forAll] : own;
      perKind.set(res.gk, (kindRules = { rules: list, set: new Set(list) }));
    }
    const rules = kindRules.rules;
    if (!rules.length) return NO_DIAGNOSTICS;
    seen?.add(res);
    let state = res.seg.cache.get('rules') as ResourceRuns | undefined;
    if (!state || state.uri !== res.uri || state.settingsKey !== settingsKey) {
      state = { uri: res.uri, startLine: res.startLine, settingsKey, runs: new Map() };
      res.seg.cache.set('rules', state);
    }
    if (dirty && state.emitted && state.startLine === res.startLine && cache!.depsOf.has(res) && !dirty.has(res)) {
      return state.emitted;
    }
    // Nothing this resource's checks read has changed: reuse what was emitted (shifted if the document moved).
    if (state.emitted && state.deps && depsValid(state.deps, index)) {
      const delta = res.startLine - state.startLine;
      if (delta) {
        state.emitted = state.emitted.map((d) => ({ ...d, range: shiftRange(d.range, delta), fixes: d.fixes ? shiftFixes(d.fixes, delta, res.uri) : undefined }));
        for (const run of state.runs.values()) {
          if (!run.findings.length) continue;
          run.findings = shiftFindings(run.findings, delta, res.uri);
          run.startLine = res.startLine;
        }
        state.startLine = res.startLine;
      }
      if (cache) remember(cache, res, state.deps.map(([d]) => d));
      return state.emitted;
    }
    const emitted: FileDiagnostic[] = [];
    for (const rule of rules) {
      const { sev, codes, configured } = factsOf(rule);
      if (sev === 'off' || suppressed(rule, res)) continue;
      const cached = state.runs.get(rule);
      let findings: RawFinding[];
      if (runValid(cached, index)) {
        findings = cached.findings.length ? shiftFindings(cached.findings, res.startLine - cached.startLine, res.uri) : cached.findings;
      } else {
        scratch.length = 0;
        dropped = 0;
        tracker.clear();
        current = res;
        index.tracker = tracker;
        try {
          if (!rule.needsWorkspace || rule.needsWorkspace.some((gk) => index.has(gk))) rule.check(ctx, res);
        } catch (e) {
          onError?.(rule, res, e);
        } finally {
          index.tracker = undefined;
        }
        if (dropped) scratch.push({ range: findingRange(res, ['kind'], 'value'), severity: 'info', message: `${dropped} more finding(s) of this rule on this resource are not shown.` });
        if (!scratch.length && !tracker.size) {
          findings = QUIET_RUN.findings;
          state.runs.set(rule, QUIET_RUN);
        } else {
          findings = scratch.slice();
          state.runs.set(rule, { startLine: res.startLine, deps: [...tracker].map((d) => [d, index.version(d)]), findings });
        }
      }
      for (const f of findings) {
        emitted.push({
          range: f.range,
          // a finding may pick its own severity (e.g. warning in production namespaces) unless a setting names the rule
          severity: f.severity && !configured ? f.severity : sev,
          rule: rule.id,
          code: rule.code ?? null,
          message: codes ? `${f.message} [${codes}]` : f.message,
          fixes: f.fixes,
          resource: { apiVersion: res.apiVersion, kind: res.kind, namespace: res.namespace || null, name: res.name || null },
        });
      }
    }
    // (index loops and forEach: this runs for every resource, and iterators allocate)
    const runs = state.runs;
    const deps = new Map<string, number>();
    runs.forEach((run, r) => {
      if (!kindRules.set.has(r)) runs.delete(r);
      else for (let i = 0; i < run.deps.length; i++) deps.set(run.deps[i][0], run.deps[i][1]);
    });
    state.deps = deps.size ? [...deps] : [];
    state.emitted = emitted;
    state.startLine = res.startLine;
    if (cache) remember(cache, res, state.deps.map(([d]) => d));
    return emitted;
  };
  // The arrays of the last call are updated in place when the file has as many resources (an edit replaced a few);
  // the resources they held that are no longer at their place may be gone.
  const inPlace = !!last && last.resources.length === resources.length;
  const lastResources = inPlace ? last.resources : resources.slice();
  const chunks: FileDiagnostic[][] = inPlace ? last.chunks : new Array<FileDiagnostic[]>(resources.length);
  const moved: Resource[] = [];
  for (let i = 0; i < resources.length; i++) {
    const res = resources[i];
    if (last && last.resources[i] === res && !dirty!.has(res)) {
      const chunk = last.chunks[i];
      chunks[i] = chunk;
      for (let j = 0; j < chunk.length; j++) out.push(chunk[j]);
      continue;
    }
    if (inPlace) {
      const was = lastResources[i];
      if (was !== res && cache!.depsOf.has(was)) moved.push(was);
      lastResources[i] = res;
    }
    const chunk = check(res);
    chunks[i] = chunk;
    for (let j = 0; j < chunk.length; j++) out.push(chunk[j]);
  }
  if (cache && seen) {
    if (last) {
      // the resources of the last call that are gone: among those not at their old place (an edit replaces a few)
      if (!inPlace) for (let i = 0; i < last.resources.length; i++) if (resources[i] !== last.resources[i] && cache.depsOf.has(last.resources[i])) moved.push(last.resources[i]);
      const present = moved.length > 8 ? new Set(resources) : undefined;
      for (const r of moved) if (present ? !present.has(r) : !resources.includes(r)) forget(cache, r);
    } else {
      for (const r of [...cache.depsOf.keys()]) if (!seen.has(r)) forget(cache, r);
    }
    cache.last = inPlace ? last! : { resources: lastResources, chunks, rulesByKind };
    cache.index = index;
    cache.generation = index.generation;
    cache.settingsKey = settingsKey;
  }
  return out;
}

function shiftRange(r: FileDiagnostic['range'], delta: number): FileDiagnostic['range'] {
  return { start: { line: r.start.line + delta, character: r.start.character }, end: { line: r.end.line + delta, character: r.end.character } };
}

function shiftFixes(fixes: Fix[], delta: number, uri: string): Fix[] {
  return fixes.map((x) => ({ ...x, edits: x.edits.map((e) => (e.uri && e.uri !== uri ? e : { ...e, range: shiftRange(e.range, delta) })) }));
}
