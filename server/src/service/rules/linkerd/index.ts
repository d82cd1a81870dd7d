import type { Rule } from '../types';
import { authenticationRefNotFound } from './authentication-ref-not-found';
import { authorizationPolicyAuthenticationInvalid } from './authorization-policy-authentication-invalid';
import { authorizationPolicyTargetInvalid } from './authorization-policy-target-invalid';
import { meshTlsAuthenticationInvalid } from './meshtls-authentication-invalid';
import { networkCidrInvalid } from './network-cidr-invalid';
import { policyTargetNotFound } from './policy-target-not-found';
import { rateLimitPolicyInvalid } from './ratelimit-policy-invalid';
import { routeAnnotationInvalid } from './route-annotation-invalid';
import { routeEgressParentPort } from './route-egress-parent-port';
import { routeMatchInvalid } from './route-match-invalid';
import { routeParentRefInvalid } from './route-parent-ref-invalid';
import { routeSingleRule } from './route-single-rule';
import { routeTimeoutsInvalid } from './route-timeouts-invalid';
import { serverAuthorizationClientInvalid } from './server-authorization-client-invalid';
import { serverFieldInvalid } from './server-field-invalid';
import { serverNoAuthorization } from './server-no-authorization';
import { serverPortConflict } from './server-port-conflict';
import { serverPortNotFound, serverSelectsNothing } from './server-selects-nothing';
import { serviceProfileName, serviceProfileServiceNotFound } from './serviceprofile-name';
import { serviceProfileRouteConflict } from './serviceprofile-route-conflict';
import { serviceProfileRetryBudgetInvalid, serviceProfileRouteInvalid } from './serviceprofile-route-invalid';
import { trafficSplitServiceNotFound, trafficSplitWeightsZero } from './trafficsplit';

/** Every linkerd rule; each lives in its own file in this folder. */
export const linkerdRules: Rule[] = [
  // policy-validator webhook checks the CRD schemas do not make
  authorizationPolicyTargetInvalid,
  authorizationPolicyAuthenticationInvalid,
  meshTlsAuthenticationInvalid,
  serverFieldInvalid,
  networkCidrInvalid,
  serverAuthorizationClientInvalid,
  routeEgressParentPort,
  routeParentRefInvalid,
  routeAnnotationInvalid,
  routeMatchInvalid,
  routeTimeoutsInvalid,
  routeSingleRule,
  rateLimitPolicyInvalid,
  // sp-validator webhook and ServiceProfile conventions
  serviceProfileName,
  serviceProfileRouteInvalid,
  serviceProfileRetryBudgetInvalid,
  // what no Linkerd tool reports
  serverPortConflict,
  serverSelectsNothing,
  serverPortNotFound,
  serverNoAuthorization,
  policyTargetNotFound,
  authenticationRefNotFound,
  serviceProfileServiceNotFound,
  serviceProfileRouteConflict,
  trafficSplitServiceNotFound,
  trafficSplitWeightsZero,
];
