import type { Rule } from '../types';
import { authzAllowAll, authzDenyNothing } from './authz-allow-all';
import { gatewayTlsMissingCredentials } from './gateway-tls-missing-credentials';
import { jwtNotEnforced } from './jwt-not-enforced';
import { namespaceNoDefaultDeny } from './namespace-no-default-deny';
import { noCircuitBreaker } from './no-circuit-breaker';
import { peerAuthenticationNotStrict } from './peer-authentication-not-strict';
import { retryExceedsTimeout, retryWithoutPerTryTimeout } from './retries';
import { routeWeightsNot100 } from './route-weights-not-100';
import { shortHostOtherNamespace } from './short-host-other-namespace';
import { vsWildcardHostMesh } from './vs-wildcard-host-mesh';

/** Every practice rule; each lives in its own file in this folder. */
export const practiceRules: Rule[] = [
  routeWeightsNot100,
  peerAuthenticationNotStrict,
  noCircuitBreaker,
  retryWithoutPerTryTimeout,
  retryExceedsTimeout,
  authzAllowAll,
  authzDenyNothing,
  jwtNotEnforced,
  namespaceNoDefaultDeny,
  vsWildcardHostMesh,
  shortHostOtherNamespace,
  gatewayTlsMissingCredentials,
];
