import type { Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { GK, andList, drHost, drTlsMode, namespaceWideHost, namespaceWidePeerAuthns, peerAuthn, ref } from './util';

export const drMtlsDisabledNsPolicyStrict: Rule = {
  id: 'kiali/dr-mtls-disabled-ns-policy-strict',
  code: 'KIA0207',
  severity: 'error',
  kinds: [GK.dr],
  needsWorkspace: [GK.pa],
  doc: {
    summary: 'A namespace-wide DestinationRule disables TLS while the namespace\'s PeerAuthentication requires mTLS (STRICT).',
    why: 'Clients send plain text to workloads that only accept mTLS, so every request to the namespace fails.',
    fix: 'Set the PeerAuthentication to PERMISSIVE, or make the DestinationRule use `ISTIO_MUTUAL`.',
  },
  check(ctx: RuleContext, res: Resource) {
    if (drHost(res) !== namespaceWideHost(res.namespace) || drTlsMode(res) !== 'DISABLE') return;
    const pas = namespaceWidePeerAuthns(ctx.index, res.namespace);
    const strict = pas.filter((p) => peerAuthn(p).mode === 'STRICT');
    if (!strict.length || pas.some((p) => peerAuthn(p).mode === 'PERMISSIVE')) return;
    const path = ['spec', 'trafficPolicy', 'tls', 'mode'];
    const fix = replaceValue(res, path, 'ISTIO_MUTUAL', 'Change tls.mode to ISTIO_MUTUAL');
    ctx.report(res, {
      path,
      on: 'value',
      message: `This DestinationRule disables TLS for namespace ${res.namespace}, but ${andList(strict.map(ref))} requires mTLS (STRICT): requests to the namespace will be rejected. Use PERMISSIVE in the PeerAuthentication or ISTIO_MUTUAL here.`,
      fixes: fix ? [fix] : undefined,
    });
  },
};
