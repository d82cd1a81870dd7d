import type { Resource } from '../../workspace';
import { appendDocument } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { GK, doc, drHost, drTlsMode, meshSettings, namespaceWideHost, namespaceWidePeerAuthns, peerAuthn, ref } from './util';

export const drNsMtlsPolicyMissing: Rule = {
  id: 'kiali/dr-ns-mtls-policy-missing',
  code: 'KIA0206',
  severity: 'error',
  kinds: [GK.dr],
  needsWorkspace: [GK.pa],
  doc: {
    summary: 'With auto mTLS disabled, a namespace-wide DestinationRule (`*.<ns>.svc.cluster.local`) enables ISTIO_MUTUAL but no PeerAuthentication of that namespace or of the mesh enables mTLS.',
    why: 'The DestinationRule makes the namespace\'s clients start mTLS; the workloads should accept it through a namespace-wide (or mesh-wide) PeerAuthentication in STRICT or PERMISSIVE mode. Only reported when the workspace shows `enableAutoMtls: false` in the mesh config and holds PeerAuthentications.',
    fix: 'Add a PeerAuthentication without selector in the DestinationRule\'s namespace with `mtls.mode: STRICT` or `PERMISSIVE`.',
  },
  check(ctx: RuleContext, res: Resource) {
    const mesh = meshSettings(ctx.index);
    if (mesh.autoMtls || drHost(res) !== namespaceWideHost(res.namespace) || drTlsMode(res) !== 'ISTIO_MUTUAL') return;
    const enabling = (p: Resource) => ['STRICT', 'PERMISSIVE'].includes(peerAuthn(p).mode);
    const nsPas = namespaceWidePeerAuthns(ctx.index, res.namespace);
    if (nsPas.some(enabling) || namespaceWidePeerAuthns(ctx.index, mesh.rootNamespace).some(enabling)) return;
    const fix = nsPas.length
      ? undefined
      : appendDocument(
          res,
          doc(['apiVersion: security.istio.io/v1', 'kind: PeerAuthentication', 'metadata:', '  name: default', `  namespace: ${res.namespace}`, 'spec:', '  mtls:', '    mode: PERMISSIVE']),
          `Add a namespace-wide PeerAuthentication (PERMISSIVE) in ${res.namespace}`,
        );
    ctx.report(res, {
      path: ['spec', 'trafficPolicy', 'tls', 'mode'],
      on: 'value',
      message: `This namespace-wide DestinationRule enables ISTIO_MUTUAL, but no PeerAuthentication without selector in namespace ${res.namespace} (or in the root namespace ${mesh.rootNamespace}) enables mTLS${nsPas.length ? ` (${nsPas.map(ref).join(', ')} does not)` : ''}, and auto mTLS is disabled (${ref(mesh.source!)}).`,
      fixes: fix ? [fix] : undefined,
    });
  },
};
