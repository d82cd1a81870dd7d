import { FILTERS, opRule } from './lib/envoyfilter-patches';

export const envoyFilterReplace = opRule(
  'istio/envoyfilter-replace-operation',
  'IST0152',
  'REPLACE',
  (a) => !FILTERS.has(a),
  (a) => `REPLACE only works on HTTP_FILTER and NETWORK_FILTER, not ${a || 'this applyTo'}; use MERGE to change other objects.`,
  {
    summary: 'An EnvoyFilter patch uses REPLACE with an applyTo other than HTTP_FILTER or NETWORK_FILTER.',
    why: 'REPLACE is only implemented for filters; for listeners, clusters or routes the patch does nothing.',
    fix: 'Use MERGE (or REMOVE and ADD) for other objects, or target the filter itself with applyTo HTTP_FILTER / NETWORK_FILTER.',
  },
);
