import { opRule, ROUTE_OBJECTS } from './lib/envoyfilter-patches';

export const envoyFilterRemove = opRule(
  'istio/envoyfilter-remove-operation',
  'IST0154',
  'REMOVE',
  (a) => ROUTE_OBJECTS.has(a),
  (a) => `REMOVE is ignored when applyTo is ${a}; remove routes by patching the VIRTUAL_HOST (MERGE) or change the VirtualService instead.`,
  {
    summary: 'An EnvoyFilter patch uses REMOVE with applyTo ROUTE_CONFIGURATION or HTTP_ROUTE, where istiod ignores it.',
    why: 'The patch silently has no effect: the route the author meant to remove stays in place.',
    fix: 'Change the VirtualService that produces the route, or patch at another level.',
  },
);
