import { isObj, type Resource } from '../../../workspace';
import { eachObj, len, type Issues } from '../lib/issues';
import { checkDryRun, checkEmptySelector, checkTargetRefs } from './common';
import { validationRule } from './rule';

export function validateTelemetry(res: Resource, out: Issues): void {
  const spec = res.spec;
  checkDryRun(out, res);
  checkEmptySelector(out, ['spec', 'selector'], spec.selector, 'matchLabels', 'no-labels');
  checkTargetRefs(out, spec);
  if (len(spec.tracing) > 1) out.warn(['spec', 'tracing'], 'Only one tracing entry is supported; the others are ignored.');
  eachObj(spec.tracing, (t, i) => {
    if (len(t.providers) > 1) out.warn(['spec', 'tracing', i, 'providers'], 'Only one tracing provider per entry is supported; the others are ignored.');
    if (isObj(t.customTags) && '' in t.customTags) out.error(['spec', 'tracing', i, 'customTags', ''], 'A custom tag name must not be empty.');
  });
  eachObj(spec.metrics, (m, i) =>
    eachObj(m.overrides, (o, j) => {
      if (isObj(o.tagOverrides) && '' in o.tagOverrides) out.warn(['spec', 'metrics', i, 'overrides', j, 'tagOverrides', ''], 'A tag override with an empty name has no effect.');
    }),
  );
}

export const validationTelemetry = validationRule('istio/validation-telemetry', 'telemetry.istio.io/Telemetry', validateTelemetry, {
  summary: 'A Telemetry resource breaks a rule istiod checks when it is applied, such as an empty custom tag name or a targetRef to a kind policies cannot attach to.',
  why: 'The Istio validating webhook rejects the object (kubectl apply fails), and istioctl analyze reports it as IST0106.',
  fix: 'Name every custom tag, and point targetRefs at a Service, ServiceEntry, Gateway or GatewayClass.',
});
