import type { Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { GK, andList, meshSettings, meshWideDrs, namespaceWideDrs, peerAuthn, ref } from './util';

const ENABLING = ['ISTIO_MUTUAL', 'MUTUAL'];

export const paNsDisableDrMissing: Rule = {
  id: 'kiali/pa-ns-disable-dr-missing',
  code: 'KIA0505',
  severity: 'error',
  kinds: [GK.pa],
  needsWorkspace: [GK.dr],
  doc: {
    summary: 'A namespace-wide PeerAuthentication disables mTLS while a namespace-wide or mesh-wide DestinationRule makes clients use mTLS, and no namespace-wide DestinationRule disables it.',
    why: 'Clients start mTLS towards workloads that only accept plain text, so the requests to the namespace fail.',
    fix: 'Set the PeerAuthentication to PERMISSIVE (accepts both), or add a DestinationRule for `*.<namespace>.svc.cluster.local` with `tls.mode: DISABLE`.',
  },
  check(ctx: RuleContext, res: Resource) {
    const pa = peerAuthn(res);
    if (res.namespace === meshSettings(ctx.index).rootNamespace || !pa.namespaceWide || pa.mode !== 'DISABLE') return;
    const nsEnabling = namespaceWideDrs(ctx.index, res.namespace, ENABLING);
    let culprits = nsEnabling;
    if (!culprits.length) {
      if (namespaceWideDrs(ctx.index, res.namespace, ['DISABLE']).length) return;
      culprits = meshWideDrs(ctx.index, ENABLING);
    }
    if (!culprits.length) return;
    const path = ['spec', 'mtls', 'mode'];
    const fix = replaceValue(res, path, 'PERMISSIVE', 'Change mode to PERMISSIVE');
    ctx.report(res, {
      path,
      on: 'value',
      message: `This PeerAuthentication disables mTLS in namespace ${res.namespace}, but ${andList(culprits.map(ref))} makes clients use mTLS: their requests will fail. Use PERMISSIVE, or disable TLS with a DestinationRule for the namespace.`,
      fixes: fix ? [fix] : undefined,
    });
  },
};
