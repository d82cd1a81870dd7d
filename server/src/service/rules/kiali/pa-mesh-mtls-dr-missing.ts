import type { Resource } from '../../workspace';
import { appendDocument } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { GK, doc, meshSettings, meshWideDrs, peerAuthn, ref } from './util';

export const paMeshMtlsDrMissing: Rule = {
  id: 'kiali/pa-mesh-mtls-dr-missing',
  code: 'KIA0401',
  severity: 'error',
  kinds: [GK.pa],
  needsWorkspace: [GK.dr],
  doc: {
    summary: 'With auto mTLS disabled, the mesh-wide PeerAuthentication requires mTLS (STRICT) but no mesh-wide DestinationRule (`*.local`) makes clients use ISTIO_MUTUAL.',
    why: 'Without auto mTLS, clients only use mTLS when a DestinationRule tells them to; servers that require it reject their plain-text requests. Only reported when the workspace shows `enableAutoMtls: false` in the mesh config and holds DestinationRules.',
    fix: 'Add a DestinationRule for host `*.local` with `trafficPolicy.tls.mode: ISTIO_MUTUAL` (or re-enable auto mTLS).',
  },
  check(ctx: RuleContext, res: Resource) {
    const mesh = meshSettings(ctx.index);
    const pa = peerAuthn(res);
    if (mesh.autoMtls || res.namespace !== mesh.rootNamespace || !pa.namespaceWide || pa.mode !== 'STRICT') return;
    if (meshWideDrs(ctx.index, ['ISTIO_MUTUAL']).length) return;
    const fix = appendDocument(
      res,
      doc(['apiVersion: networking.istio.io/v1', 'kind: DestinationRule', 'metadata:', '  name: default', `  namespace: ${mesh.rootNamespace}`, 'spec:', '  host: "*.local"', '  trafficPolicy:', '    tls:', '      mode: ISTIO_MUTUAL']),
      'Add a mesh-wide DestinationRule (*.local, ISTIO_MUTUAL)',
    );
    ctx.report(res, {
      path: ['spec', 'mtls', 'mode'],
      on: 'value',
      message: `This mesh-wide PeerAuthentication requires mTLS, but no DestinationRule for host *.local enables ISTIO_MUTUAL and auto mTLS is disabled (${ref(mesh.source!)}): clients will send plain text and be rejected.`,
      fixes: [fix],
    });
  },
};
