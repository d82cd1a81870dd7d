import type { Fix, PathSeg, Severity } from '../model';

export type { Fix };
import type { Resource, WorkspaceIndex } from '../workspace';

/** Our own short documentation of a rule: what it finds, why it matters, how to fix it. */
export interface RuleDoc {
  summary: string;
  why: string;
  fix: string;
}

/**
 * One analyzer rule. A rule reads the workspace index (never raw text) and reports findings on paths of the
 * resource it checks; the engine turns paths into ranges and handles suppression and severity settings.
 */
export interface Rule {
  /** Stable id: `<family>/<kebab-name>`, e.g. `istio/vs-subset-not-found`. */
  id: string;
  /** `istioctl analyze` or Kiali code where one exists (IST0101, KIA1107). */
  code?: string;
  /** Codes of other tools that report the same finding (e.g. Kiali's KIA1101 for IST0101): shown and honoured for suppression. */
  alsoCodes?: string[];
  severity: Severity;
  doc: RuleDoc;
  /** `group/Kind` of the resources checked (`/Service` for core kinds), or `*` for every resource. */
  kinds: string[];
  /**
   * Cross-resource rules need the workspace to hold the resources they look up; when `needsWorkspace` names
   * kinds, the rule only runs when at least one resource of those kinds is in the workspace, so a lone file
   * does not get "not found" noise.
   */
  needsWorkspace?: string[];
  /**
   * Messages of the kinds' CRD CEL rules (x-kubernetes-validations) that this rule reports itself, with its code:
   * the service drops the `schema/cel` findings with these messages on the rule's kinds, so a problem is reported
   * once, and the code's suppression annotation and settings apply to it.
   */
  coversCel?: string[];
  check(ctx: RuleContext, res: Resource): void;
}

export interface Finding {
  /** Path inside the resource (from its root: ['spec', 'http', 0, 'route']). */
  path: PathSeg[];
  /** Point at the key (default when the path ends in a key) or at the value. */
  on?: 'key' | 'value';
  message: string;
  fixes?: Fix[];
  severity?: Severity;
}

export interface AnalysisSettings {
  /** rule id or code -> 'off' or a severity */
  rules: Record<string, 'off' | Severity>;
  /** Glob-like patterns (`*` wildcard) of namespaces treated as production. */
  productionNamespaces: string[];
}

export const DEFAULT_ANALYSIS_SETTINGS: AnalysisSettings = { rules: {}, productionNamespaces: ['*prod*'] };

export interface RuleContext {
  readonly index: WorkspaceIndex;
  readonly settings: AnalysisSettings;
  report(res: Resource, finding: Finding): void;
}
