import type { Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { GK, andList, meshSettings, meshWideDrs, peerAuthn, ref } from './util';

export const paMeshDisableDrMissing: Rule = {
  id: 'kiali/pa-mesh-disable-dr-missing',
  code: 'KIA0506',
  severity: 'error',
  kinds: [GK.pa],
  needsWorkspace: [GK.dr],
  doc: {
    summary: 'The mesh-wide PeerAuthentication disables mTLS while a mesh-wide DestinationRule (`*.local`) makes clients use mTLS.',
    why: 'Clients start mTLS towards workloads that only accept plain text, so requests across the mesh fail.',
    fix: 'Set the mesh-wide PeerAuthentication to PERMISSIVE, or change the mesh-wide DestinationRule to `tls.mode: DISABLE`.',
  },
  check(ctx: RuleContext, res: Resource) {
    const pa = peerAuthn(res);
    if (res.namespace !== meshSettings(ctx.index).rootNamespace || !pa.namespaceWide || pa.mode !== 'DISABLE') return;
    const culprits = meshWideDrs(ctx.index, ['ISTIO_MUTUAL', 'MUTUAL']);
    if (!culprits.length) return;
    const path = ['spec', 'mtls', 'mode'];
    const fix = replaceValue(res, path, 'PERMISSIVE', 'Change mode to PERMISSIVE');
    ctx.report(res, {
      path,
      on: 'value',
      message: `This mesh-wide PeerAuthentication disables mTLS, but ${andList(culprits.map(ref))} makes every client use mTLS: their requests will fail. Use PERMISSIVE, or disable TLS in the mesh-wide DestinationRule.`,
      fixes: fix ? [fix] : undefined,
    });
  },
};
