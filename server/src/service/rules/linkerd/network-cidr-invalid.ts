import { get, isObj, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { GK, networkProblems } from './util';

export const networkCidrInvalid: Rule = {
  id: 'linkerd/network-cidr-invalid',
  severity: 'error',
  kinds: [GK.networkAuthn, GK.egressNetwork, GK.serverAuthorization],
  doc: {
    summary: 'A NetworkAuthentication, EgressNetwork or ServerAuthorization has no networks, an invalid CIDR, or an exception outside its network or covering all of it.',
    why: "Linkerd's policy admission webhook rejects these resources, so the networks are never authorized (or matched).",
    fix: 'List at least one network; write CIDRs such as 10.0.0.0/8 (or a single address); keep each `except` a strict subnet of its `cidr`.',
  },
  check(ctx: RuleContext, res: Resource) {
    let path: Array<string | number>;
    let networks: unknown;
    if (res.gk === GK.serverAuthorization) {
      path = ['spec', 'client', 'networks'];
      networks = get(res.spec, 'client', 'networks');
    } else {
      path = ['spec', 'networks'];
      networks = res.spec.networks;
      const required = res.gk === GK.networkAuthn;
      if (Array.isArray(networks) && networks.length === 0 && (required || 'networks' in res.spec)) {
        ctx.report(res, { path, on: 'value', message: 'At least one network must be listed; Linkerd rejects an empty list.' });
        return;
      }
    }
    if (!Array.isArray(networks) || (res.gk === GK.serverAuthorization && !isObj(res.spec.client))) return;
    for (const p of networkProblems(networks, path)) ctx.report(res, { path: p.path, on: 'value', message: p.message });
  },
};
