import { istioRules } from './istio';
import { istioWebhookRules } from './istio-webhook';
import { kialiRules } from './kiali';
import { linkerdRules } from './linkerd';
import { practiceRules } from './practice';
import type { Rule } from './types';

/** Every analyzer rule of the project. */
export const ALL_RULES: Rule[] = [...istioRules, ...istioWebhookRules, ...kialiRules, ...linkerdRules, ...practiceRules];
