import type { Rule } from '../types';
import { annotationDeprecated } from './annotations/annotation-deprecated';
import { annotationInvalid } from './annotations/annotation-invalid';
import { annotationMisplaced } from './annotations/annotation-misplaced';
import { annotationUnknown } from './annotations/annotation-unknown';
import { deploymentConflictingPorts } from './deployment-conflicting-ports';
import { deploymentMultipleServices } from './deployment-port-protocol-conflict';
import { podProxyUid } from './deployment-uid-1337';
import { envoyFilterAdd } from './envoyfilter-add-operation';
import { envoyFilterRelativeOperation } from './envoyfilter-relative-operation';
import { envoyFilterRemove } from './envoyfilter-remove-operation';
import { envoyFilterReplace } from './envoyfilter-replace-operation';
import { namespaceMultipleInjectionLabels } from './namespace-multiple-injection-labels';
import { namespaceNotInjected } from './namespace-not-injected';
import { externalNamePortName } from './service-externalname-port-name';
import { servicePortName } from './service-port-name';
import { validationAuthorizationPolicy } from './validation/authorizationpolicy';
import { validationDestinationRule } from './validation/destinationrule';
import { validationEnvoyFilter } from './validation/envoyfilter';
import { validationGateway } from './validation/gateway';
import { validationPeerAuthentication } from './validation/peerauthentication';
import { validationRequestAuthentication } from './validation/requestauthentication';
import { validationServiceEntry } from './validation/serviceentry';
import { validationSidecar } from './validation/sidecar';
import { validationTelemetry } from './validation/telemetry';
import { validationVirtualService } from './validation/virtualservice';
import { validationWarning } from './validation-warning';

/**
 * Istio rules that mirror istiod's validating webhook (IST0106 per kind, IST0133 warnings) and istioctl's
 * per-resource analyzers (annotations, port naming, injection labels, EnvoyFilter operations).
 * `validation/` holds one webhook rule per kind; `annotations/` the annotation rules; `lib/` shared helpers.
 */
export const istioWebhookRules: Rule[] = [
  validationVirtualService,
  validationDestinationRule,
  validationGateway,
  validationServiceEntry,
  validationSidecar,
  validationAuthorizationPolicy,
  validationRequestAuthentication,
  validationPeerAuthentication,
  validationTelemetry,
  validationEnvoyFilter,
  validationWarning,
  annotationMisplaced,
  annotationUnknown,
  annotationInvalid,
  annotationDeprecated,
  servicePortName,
  externalNamePortName,
  deploymentMultipleServices,
  deploymentConflictingPorts,
  podProxyUid,
  envoyFilterRelativeOperation,
  envoyFilterReplace,
  envoyFilterAdd,
  envoyFilterRemove,
  namespaceNotInjected,
  namespaceMultipleInjectionLabels,
];
