import type { Rule } from '../types';
import { authzInvalidMethod } from './authz-invalid-method';
import { drMeshMtlsPolicyMissing } from './dr-mesh-mtls-policy-missing';
import { drMtlsDisabledMeshPolicyStrict } from './dr-mtls-disabled-mesh-policy-strict';
import { drMtlsDisabledNsPolicyStrict } from './dr-mtls-disabled-ns-policy-strict';
import { drMtlsOverridden } from './dr-mtls-overridden';
import { drMultipleMatch } from './dr-multiple-match';
import { drNsMtlsPolicyMissing } from './dr-ns-mtls-policy-missing';
import { drSubsetNoLabels } from './dr-subset-no-labels';
import { k8sGatewayListenerConflict } from './k8s-gateway-listener-conflict';
import { k8sGatewayListenerNotUnique } from './k8s-gateway-listener-not-unique';
import { paMeshDisableDrMissing } from './pa-mesh-disable-dr-missing';
import { paMeshMtlsDrMissing } from './pa-mesh-mtls-dr-missing';
import { paNsDisableDrMissing } from './pa-ns-disable-dr-missing';
import { paNsMtlsDrMissing } from './pa-ns-mtls-dr-missing';
import { routeBackendNotFound } from './route-backend-not-found';
import { routeParentGatewayNotFound } from './route-parent-gateway-not-found';
import { seMultipleMatch } from './se-multiple-match';
import { serviceAppProtocolUnknown } from './service-app-protocol-unknown';
import { serviceTargetPortNotExposed } from './service-target-port-not-exposed';
import { sidecarEgressHostNotFound } from './sidecar-egress-host-not-found';
import { sidecarOutboundModeMissing } from './sidecar-outbound-mode-missing';
import { sidecarRootWorkloadSelector } from './sidecar-root-workload-selector';
import { vsGatewayNomenclature } from './vs-gateway-nomenclature';
import { vsHostInMultiple } from './vs-host-in-multiple';
import { vsRepeatedDestination } from './vs-repeated-destination';
import { vsSingleDestinationWeight } from './vs-single-destination-weight';
import { workloadgroupDuplicateLabels } from './workloadgroup-duplicate-labels';

/** Every kiali rule (Kiali's offline checks, KIA codes); each lives in its own file in this folder. */
export const kialiRules: Rule[] = [
  authzInvalidMethod, // KIA0102
  drMultipleMatch, // KIA0201
  drMtlsOverridden, // KIA0204
  drMeshMtlsPolicyMissing, // KIA0205
  drNsMtlsPolicyMissing, // KIA0206
  drMtlsDisabledNsPolicyStrict, // KIA0207
  drMtlsDisabledMeshPolicyStrict, // KIA0208
  drSubsetNoLabels, // KIA0209
  paMeshMtlsDrMissing, // KIA0401
  paNsMtlsDrMissing, // KIA0501
  paNsDisableDrMissing, // KIA0505
  paMeshDisableDrMissing, // KIA0506
  serviceAppProtocolUnknown, // KIA0602
  serviceTargetPortNotExposed, // KIA0701
  sidecarEgressHostNotFound, // KIA1004
  sidecarRootWorkloadSelector, // KIA1006
  sidecarOutboundModeMissing, // KIA1007
  vsSingleDestinationWeight, // KIA1104
  vsRepeatedDestination, // KIA1105
  vsHostInMultiple, // KIA1106
  vsGatewayNomenclature, // KIA1108
  seMultipleMatch, // KIA1211
  routeParentGatewayNotFound, // KIA1401
  routeBackendNotFound, // KIA1402
  k8sGatewayListenerConflict, // KIA1501
  k8sGatewayListenerNotUnique, // KIA1503
  workloadgroupDuplicateLabels, // KIA1702
];
