import type { Resource } from '../../workspace';
import { appendDocument } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { GK, doc, meshSettings, meshWideDrs, namespaceWideDrs, namespaceWideHost, peerAuthn, ref } from './util';

export const paNsMtlsDrMissing: Rule = {
  id: 'kiali/pa-ns-mtls-dr-missing',
  code: 'KIA0501',
  severity: 'error',
  kinds: [GK.pa],
  needsWorkspace: [GK.dr],
  doc: {
    summary: 'With auto mTLS disabled, a namespace-wide PeerAuthentication requires mTLS (STRICT) but no namespace-wide or mesh-wide DestinationRule makes clients use ISTIO_MUTUAL.',
    why: 'Without auto mTLS, clients only use mTLS when a DestinationRule tells them to; the namespace\'s workloads reject their plain-text requests. Only reported when the workspace shows `enableAutoMtls: false` in the mesh config and holds DestinationRules.',
    fix: 'Add a DestinationRule for host `*.<namespace>.svc.cluster.local` with `trafficPolicy.tls.mode: ISTIO_MUTUAL` (or re-enable auto mTLS).',
  },
  check(ctx: RuleContext, res: Resource) {
    const mesh = meshSettings(ctx.index);
    const pa = peerAuthn(res);
    if (mesh.autoMtls || res.namespace === mesh.rootNamespace || !pa.namespaceWide || pa.mode !== 'STRICT') return;
    if (namespaceWideDrs(ctx.index, res.namespace, ['ISTIO_MUTUAL']).length || meshWideDrs(ctx.index, ['ISTIO_MUTUAL']).length) return;
    const host = namespaceWideHost(res.namespace);
    const fix = appendDocument(
      res,
      doc(['apiVersion: networking.istio.io/v1', 'kind: DestinationRule', 'metadata:', '  name: default', `  namespace: ${res.namespace}`, 'spec:', `  host: "${host}"`, '  trafficPolicy:', '    tls:', '      mode: ISTIO_MUTUAL']),
      `Add a namespace-wide DestinationRule (${host}, ISTIO_MUTUAL)`,
    );
    ctx.report(res, {
      path: ['spec', 'mtls', 'mode'],
      on: 'value',
      message: `This PeerAuthentication requires mTLS in namespace ${res.namespace}, but no DestinationRule for host ${host} (or *.local) enables ISTIO_MUTUAL and auto mTLS is disabled (${ref(mesh.source!)}): clients will send plain text and be rejected.`,
      fixes: [fix],
    });
  },
};
