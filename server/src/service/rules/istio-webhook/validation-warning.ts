import type { Rule } from '../types';
import { validateAuthorizationPolicy } from './validation/authorizationpolicy';
import { validateDestinationRule } from './validation/destinationrule';
import { validateEnvoyFilter } from './validation/envoyfilter';
import { validateGateway } from './validation/gateway';
import { validatePeerAuthentication } from './validation/peerauthentication';
import { validateRequestAuthentication } from './validation/requestauthentication';
import { reportIssues, type Validator } from './validation/rule';
import { validateServiceEntry } from './validation/serviceentry';
import { validateSidecar } from './validation/sidecar';
import { validateTelemetry } from './validation/telemetry';
import { validateVirtualService } from './validation/virtualservice';

/** The webhook validators, by `group/Kind`: the same checks report errors (IST0106, one rule per kind) and warnings (here). */
const VALIDATORS: Record<string, Validator> = {
  'networking.istio.io/VirtualService': validateVirtualService,
  'networking.istio.io/DestinationRule': validateDestinationRule,
  'networking.istio.io/Gateway': validateGateway,
  'networking.istio.io/ServiceEntry': validateServiceEntry,
  'networking.istio.io/Sidecar': validateSidecar,
  'networking.istio.io/EnvoyFilter': validateEnvoyFilter,
  'security.istio.io/AuthorizationPolicy': validateAuthorizationPolicy,
  'security.istio.io/RequestAuthentication': validateRequestAuthentication,
  'security.istio.io/PeerAuthentication': validatePeerAuthentication,
  'telemetry.istio.io/Telemetry': validateTelemetry,
};

export const validationWarning: Rule = {
  id: 'istio/validation-warning',
  code: 'IST0133',
  severity: 'warning',
  kinds: Object.keys(VALIDATORS),
  doc: {
    summary: 'istiod accepts the object but warns about it when it is applied: deprecated fields, settings that are ignored, TLS or SNI choices most clients cannot use, selectors without labels that select every workload, EnvoyFilters in general.',
    why: 'kubectl apply prints these as warnings and istioctl analyze reports them as IST0133; each points at configuration that does not do what it seems to, or that may break on upgrade.',
    fix: 'Follow the message (several have a quick fix); suppress with the galley.istio.io/analyze-suppress: IST0133 annotation when the setting is deliberate.',
  },
  check(ctx, res) {
    const v = VALIDATORS[res.gk];
    if (v) reportIssues(ctx, res, v, 'warning');
  },
};
