import { opRule, ROUTE_OBJECTS } from './lib/envoyfilter-patches';

export const envoyFilterAdd = opRule(
  'istio/envoyfilter-add-operation',
  'IST0153',
  'ADD',
  (a) => ROUTE_OBJECTS.has(a),
  (a) => `ADD is ignored when applyTo is ${a}: there is no list of ${a === 'HTTP_ROUTE' ? 'routes to add to at this level; use INSERT_FIRST/INSERT_BEFORE/INSERT_AFTER with a routeConfiguration match' : 'route configurations to add to; use MERGE'}.`,
  {
    summary: 'An EnvoyFilter patch uses ADD with applyTo ROUTE_CONFIGURATION or HTTP_ROUTE, where istiod ignores it.',
    why: 'The patch silently has no effect: the route configuration or route the author meant to add never appears.',
    fix: 'Use MERGE for ROUTE_CONFIGURATION, and INSERT_BEFORE / INSERT_AFTER / INSERT_FIRST for HTTP_ROUTE.',
  },
);
