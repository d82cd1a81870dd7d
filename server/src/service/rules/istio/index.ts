import type { Rule } from '../types';
import { conflictingGateways } from './conflicting-gateways';
import { conflictingMeshGatewayHosts } from './conflicting-mesh-gateway-hosts';
import { conflictingServiceEntryProtocol } from './conflicting-serviceentry-protocol';
import { deprecated } from './deprecated';
import { drHostNotFound } from './dr-host-not-found';
import { drPortTlsNoCaCertificates, drTlsNoCaCertificates } from './dr-tls-no-ca-certificates';
import { envoyFilterRelativeOpProxyVersion } from './envoyfilter-relative-op-proxy-version';
import { gatewayDuplicateCertificate } from './gateway-duplicate-certificate';
import { ingressRouteIgnoresMeshSubsets } from './ingress-route-ignores-mesh-subsets';
import { multipleDefaultSidecars, multipleDefaultTelemetries } from './multiple-default-selectors';
import { vsDestinationHostNotFound } from './vs-destination-host-not-found';
import { vsDestinationPortRequired } from './vs-destination-port-required';
import { vsGatewayNotFound } from './vs-gateway-not-found';
import { vsHostNotInGateway } from './vs-host-not-in-gateway';
import { vsIneffectiveMatch } from './vs-ineffective-match';
import { vsInternalGatewayReference } from './vs-internal-gateway-reference';
import { vsSubsetNotFound } from './vs-subset-not-found';
import { vsUnreachableRule } from './vs-unreachable-rule';

/** Every istio rule; each lives in its own file in this folder. */
export const istioRules: Rule[] = [
  vsDestinationHostNotFound,
  vsSubsetNotFound,
  vsGatewayNotFound,
  conflictingMeshGatewayHosts,
  vsDestinationPortRequired,
  vsHostNotInGateway,
  ingressRouteIgnoresMeshSubsets,
  conflictingGateways,
  gatewayDuplicateCertificate,
  drHostNotFound,
  conflictingServiceEntryProtocol,
  vsInternalGatewayReference,
  vsUnreachableRule,
  vsIneffectiveMatch,
  drTlsNoCaCertificates,
  drPortTlsNoCaCertificates,
  deprecated,
  multipleDefaultTelemetries,
  multipleDefaultSidecars,
  envoyFilterRelativeOpProxyVersion,
];
