import type { Rule } from '../types';
import { reportIssues, type Validator } from './validation/rule';
import { validateVirtualService } from './validation/virtualservice';

/** Every validator that can produce warnings, by `group/Kind`. */
const VALIDATORS: Record<string, Validator> = {
  'networking.istio.io/VirtualService': validateVirtualService,
};

export const validationWarning: Rule = {
  id: 'istio/validation-warning',
  code: 'IST0133',
  severity: 'warning',
  kinds: Object.keys(VALIDATORS),
  doc: {
    summary: 'istiod accepts the object but warns about it when it is applied: deprecated fields, settings that are ignored, TLS or SNI choices most clients cannot use, selectors that select everything.',
    why: 'kubectl apply prints these as warnings and istioctl analyze reports them as IST0133; each points at configuration that does not do what it seems to.',
    fix: 'Follow the message (most have a quick fix); suppress with galley.istio.io/analyze-suppress: IST0133 when the setting is deliberate.',
  },
  check(ctx, res) {
    const v = VALIDATORS[res.gk];
    if (v) reportIssues(ctx, res, v, 'warning');
  },
};
