import type { FileDiagnostic } from '../features/diagnostics';
import type { Severity } from '../model';
import type { Resource, WorkspaceIndex } from '../workspace';
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

/** Is this rule silenced on this resource by an annotation? */
export function suppressed(rule: Rule, res: Resource): boolean {
  const codes = [rule.code, ...(rule.alsoCodes ?? [])].filter((c): c is string => !!c);
  const ours = listOf(res.annotations[SUPPRESS_OURS]);
  if (ours.includes('*') || ours.includes(rule.id) || codes.some((c) => ours.includes(c))) return true;
  const ist = listOf(res.annotations[SUPPRESS_ISTIO]);
  if (codes.some((c) => c.startsWith('IST') && (ist.includes('*') || ist.includes(c)))) return true;
  const kia = listOf(res.annotations[SUPPRESS_KIALI]);
  if (codes.some((c) => c.startsWith('KIA') && (kia.includes('*') || kia.includes(c)))) return true;
  return false;
}

/** The configured severity of a rule, or 'off'. Settings may name the rule by id or by code. */
export function effectiveSeverity(rule: { id: string; code?: string | null; severity: Severity }, settings: AnalysisSettings): Severity | 'off' {
  return settings.rules[rule.id] ?? (rule.code ? settings.rules[rule.code] : undefined) ?? rule.severity;
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

/** Runs the rules that apply to each resource and returns their diagnostics, in file positions. */
export function runRules(
  rulesByKind: Map<string, Rule[]>,
  resources: Resource[],
  index: WorkspaceIndex,
  settings: AnalysisSettings,
  onError?: RuleErrorLogger,
): FileDiagnostic[] {
  const out: FileDiagnostic[] = [];
  for (const res of resources) {
    const rules = [...(rulesByKind.get(res.gk) ?? []), ...(rulesByKind.get('*') ?? [])];
    for (const rule of rules) {
      const sev = effectiveSeverity(rule, settings);
      if (sev === 'off' || suppressed(rule, res)) continue;
      if (rule.needsWorkspace && !rule.needsWorkspace.some((gk) => index.of(gk).length > 0)) continue;
      const ctx: RuleContext = {
        index,
        settings,
        report: (r: Resource, f: Finding) => {
          const severity = f.severity && settings.rules[rule.id] === undefined ? f.severity : sev;
          out.push({
            range: findingRange(r, f.path, f.on),
            severity,
            rule: rule.id,
            code: rule.code ?? null,
            message: rule.code ? `${f.message} [${[rule.code, ...(rule.alsoCodes ?? [])].join(', ')}]` : f.message,
            fixes: f.fixes?.length ? f.fixes : undefined,
            resource: { apiVersion: r.apiVersion, kind: r.kind, namespace: r.namespace || null, name: r.name || null },
          });
        },
      };
      try {
        rule.check(ctx, res);
      } catch (e) {
        onError?.(rule, res, e);
      }
    }
  }
  return out;
}
