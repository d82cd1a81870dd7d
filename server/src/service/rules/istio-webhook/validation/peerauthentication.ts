import type { PathSeg } from '../../../model';
import { isObj, str, type Resource } from '../../../workspace';
import { mapSize, type Issues } from '../lib/issues';
import { checkDryRun, checkEmptySelector } from './common';
import type { Rule } from '../../types';
import { validationRule } from './rule';

/**
 * The CRD's CEL rules (x-kubernetes-validations) this validator reports itself, under IST0106: the service drops
 * the schema/cel findings with these messages on PeerAuthentications, so one problem gives one finding, and the
 * IST0106 suppression annotation and settings apply to it.
 */
export const PEER_AUTHENTICATION_CEL = [
  'portLevelMtls requires selector',
  'port must be between 1-65535',
  'wildcard not allowed in label key match',
  'key must not be empty',
  'wildcard not allowed in label value match',
];

/**
 * PeerAuthentication, as istiod's ValidatePeerAuthentication: port-level mTLS only with a selector that has labels,
 * ports 1..65535 (an empty map is left to the schema's minProperties); selector labels without empty keys or wildcards. Also the empty-selector warning.
 */
export function validatePeerAuthentication(res: Resource, out: Issues): void {
  const spec = res.spec;
  checkDryRun(out, res);
  checkEmptySelector(out, ['spec', 'selector'], spec.selector, 'matchLabels', 'no-labels');
  const labels = isObj(spec.selector) ? spec.selector.matchLabels : undefined;
  if (isObj(labels)) {
    const base: PathSeg[] = ['spec', 'selector', 'matchLabels'];
    for (const [k, v] of Object.entries(labels)) {
      if (k === '') out.error([...base, k], 'A selector label key must not be empty.');
      else if (k.includes('*')) out.error([...base, k], `Selector label "${k}": wildcards are not supported; name the label exactly.`);
      const sv = str(v);
      if (sv !== undefined && sv.includes('*')) out.error([...base, k], `Selector label ${k}: "${sv}": wildcards are not supported in label values; give the exact value.`, { on: 'value' });
    }
  }
  const ports = spec.portLevelMtls;
  if (!isObj(ports)) return;
  const path: PathSeg[] = ['spec', 'portLevelMtls'];
  // an empty portLevelMtls is the schema's business (minProperties: 1)
  if (mapSize(ports) === 0) return;
  if (mapSize(labels) === 0) {
    out.error(path, 'portLevelMtls needs a selector with matchLabels: a namespace-wide or mesh-wide PeerAuthentication cannot set mTLS per port. Add a selector for the workloads, or move the port settings to a PeerAuthentication that has one.');
  }
  for (const k of Object.keys(ports)) {
    const n = /^\d+$/.test(k.trim()) ? Number(k.trim()) : NaN;
    if (!(n >= 1 && n <= 65535)) out.error([...path, k], `Port "${k}" is not a port number: portLevelMtls keys are ports 1..65535 (the workload's container port).`);
  }
}

export const validationPeerAuthentication: Rule = {
  ...validationRule('istio/validation-peerauthentication', 'security.istio.io/PeerAuthentication', validatePeerAuthentication, {
    summary: 'A PeerAuthentication breaks a rule istiod checks when it is applied: port-level mTLS without a selector, a port outside 1..65535, an empty or wildcard selector label.',
    why: 'The Istio validating webhook (and the CRD\u2019s own validation rules) reject the object, so kubectl apply fails and the intended mTLS mode never applies; istioctl analyze reports it as IST0106.',
    fix: 'Give a PeerAuthentication with portLevelMtls a selector with matchLabels, use container port numbers as keys, and name selector labels and values exactly.',
  }),
  coversCel: PEER_AUTHENTICATION_CEL,
};
