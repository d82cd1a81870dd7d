import type { Rule } from '../types';
import { validationVirtualService } from './validation/virtualservice';
import { validationWarning } from './validation-warning';

/** Istio rules that mirror istiod's validating webhook and per-resource analyzers; each in its own file here. */
export const istioWebhookRules: Rule[] = [validationVirtualService, validationWarning];
