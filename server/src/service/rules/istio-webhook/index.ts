import type { Rule } from '../types';

/** Istio rules that mirror istiod's validating webhook and per-resource analyzers; each in its own file here. */
export const istioWebhookRules: Rule[] = [];
