import type { Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { GK, MESH_WIDE_HOST, andList, drHost, drTlsMode, meshSettings, namespaceWideHost, namespaceWidePeerAuthns, peerAuthn, ref } from './util';

export const drMtlsDisabledMeshPolicyStrict: Rule = {
  id: 'kiali/dr-mtls-disabled-mesh-policy-strict',
  code: 'KIA0208',
  severity: 'error',
  kinds: [GK.dr],
  needsWorkspace: [GK.pa],
  doc: {
    summary: 'A mesh-wide (or namespace-wide) DestinationRule disables TLS while the mesh-wide PeerAuthentication requires mTLS (STRICT).',
    why: 'Clients send plain text to workloads that only accept mTLS, so the requests fail. For a namespace-wide rule, a namespace PeerAuthentication that enables mTLS takes precedence and is checked by KIA0207 instead.',
    fix: 'Set the mesh-wide PeerAuthentication to PERMISSIVE, or make the DestinationRule use `ISTIO_MUTUAL`.',
  },
  check(ctx: RuleContext, res: Resource) {
    const host = drHost(res);
    if (drTlsMode(res) !== 'DISABLE') return;
    const root = meshSettings(ctx.index).rootNamespace;
    if (host === namespaceWideHost(res.namespace)) {
      // a namespace PeerAuthentication enabling mTLS decides (KIA0207)
      if (namespaceWidePeerAuthns(ctx.index, res.namespace).some((p) => ['STRICT', 'PERMISSIVE'].includes(peerAuthn(p).mode))) return;
    } else if (host !== MESH_WIDE_HOST) return;
    const strict = namespaceWidePeerAuthns(ctx.index, root).filter((p) => peerAuthn(p).mode === 'STRICT');
    if (!strict.length) return;
    const path = ['spec', 'trafficPolicy', 'tls', 'mode'];
    const fix = replaceValue(res, path, 'ISTIO_MUTUAL', 'Change tls.mode to ISTIO_MUTUAL');
    ctx.report(res, {
      path,
      on: 'value',
      message: `This DestinationRule disables TLS for ${host === MESH_WIDE_HOST ? 'the whole mesh' : `namespace ${res.namespace}`}, but the mesh-wide ${andList(strict.map(ref))} requires mTLS (STRICT): requests will be rejected. Use PERMISSIVE in the PeerAuthentication or ISTIO_MUTUAL here.`,
      fixes: fix ? [fix] : undefined,
    });
  },
};
