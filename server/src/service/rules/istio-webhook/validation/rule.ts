import type { Resource } from '../../../workspace';
import type { Rule, RuleContext, RuleDoc } from '../../types';
import { Issues } from '../lib/issues';

export type Validator = (res: Resource, out: Issues) => void;

/**
 * The issues of a resource, found once for both levels: the error rule (IST0106) and the warning rule (IST0133)
 * of a kind run the same validator on the same resource. A validator reads the resource alone.
 */
const issuesOf = new WeakMap<Resource, { validate: Validator; out: Issues }>();

/** Runs a validator (or takes what it found for this resource already) and reports the issues of one level. */
export function reportIssues(ctx: RuleContext, res: Resource, validate: Validator, level: 'error' | 'warning'): void {
  let found = issuesOf.get(res);
  if (!found || found.validate !== validate) {
    found = { validate, out: new Issues() };
    validate(res, found.out);
    issuesOf.set(res, found);
  }
  for (const i of found.out.list) {
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
