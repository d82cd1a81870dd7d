import type { Resource } from '../../workspace';
import { appendDocument } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { GK, MESH_WIDE_HOST, doc, drHost, drTlsMode, meshSettings, namespaceWidePeerAuthns, peerAuthn, ref } from './util';

export const drMeshMtlsPolicyMissing: Rule = {
  id: 'kiali/dr-mesh-mtls-policy-missing',
  code: 'KIA0205',
  severity: 'error',
  kinds: [GK.dr],
  needsWorkspace: [GK.pa],
  doc: {
    summary: 'With auto mTLS disabled, a mesh-wide DestinationRule (`*.local`) enables ISTIO_MUTUAL but no mesh-wide PeerAuthentication (root namespace, no selector) enables mTLS.',
    why: 'The DestinationRule makes every client start mTLS; the servers should be told to accept it with a mesh-wide PeerAuthentication in STRICT or PERMISSIVE mode, otherwise mTLS is configured on one side only. Only reported when the workspace shows `enableAutoMtls: false` in the mesh config and holds PeerAuthentications.',
    fix: 'Add a PeerAuthentication without selector in the root namespace (istio-system) with `mtls.mode: STRICT` or `PERMISSIVE`.',
  },
  check(ctx: RuleContext, res: Resource) {
    const mesh = meshSettings(ctx.index);
    if (mesh.autoMtls || drHost(res) !== MESH_WIDE_HOST || drTlsMode(res) !== 'ISTIO_MUTUAL') return;
    const meshPas = namespaceWidePeerAuthns(ctx.index, mesh.rootNamespace);
    if (meshPas.some((p) => ['STRICT', 'PERMISSIVE'].includes(peerAuthn(p).mode))) return;
    const fix = meshPas.length
      ? undefined
      : appendDocument(
          res,
          doc(['apiVersion: security.istio.io/v1', 'kind: PeerAuthentication', 'metadata:', '  name: default', `  namespace: ${mesh.rootNamespace}`, 'spec:', '  mtls:', '    mode: PERMISSIVE']),
          `Add a mesh-wide PeerAuthentication (PERMISSIVE) in ${mesh.rootNamespace}`,
        );
    ctx.report(res, {
      path: ['spec', 'trafficPolicy', 'tls', 'mode'],
      on: 'value',
      message: `This mesh-wide DestinationRule enables ISTIO_MUTUAL, but no PeerAuthentication without selector in the root namespace ${mesh.rootNamespace} enables mTLS${meshPas.length ? ` (${meshPas.map(ref).join(', ')} does not)` : ''}, and auto mTLS is disabled (${ref(mesh.source!)}).`,
      fixes: fix ? [fix] : undefined,
    });
  },
};
