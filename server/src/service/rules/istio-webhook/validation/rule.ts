import type { Resource } from '../../../workspace';
import type { Rule, RuleContext, RuleDoc } from '../../types';
import { Issues } from '../lib/issues';

export type Validator = (res: Resource, out: Issues) => void;

/** Runs a validator and reports the issues of one level. */
export function reportIssues(ctx: RuleContext, res: Resource, validate: Validator, level: 'error' | 'warning'): void {
  const out = new Issues();
  validate(res, out);
  for (const i of out.list) {
    if (i.level === level) ctx.report(res, { path: i.path, on: i.on, message: i.message, fixes: i.fixes });
  }
}

/** An IST0106 rule: the errors istiod's validating webhook would reject `gk` objects with, beyond the CRD schema. */
export function validationRule(id: string, gk: string, validate: Validator, doc: RuleDoc): Rule {
  return {
    id,
    code: 'IST0106',
    severity: 'error',
    kinds: [gk],
    doc,
    check(ctx, res) {
      reportIssues(ctx, res, validate, 'error');
    },
  };
}
