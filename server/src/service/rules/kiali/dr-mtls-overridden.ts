import { get, hostMatches, isObj, objs, istioHost, type Resource } from '../../workspace';
import { setField } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { GK, andList, drHost, drTlsMode, isNonLocalMtlsDr, lc, meshSettings, ref, same } from './util';

/** Does the DR set TLS at the top level or on some port? */
function hasTlsSettings(res: Resource): boolean {
  if (isObj(get(res.spec, 'trafficPolicy', 'tls'))) return true;
  return objs(get(res.spec, 'trafficPolicy', 'portLevelSettings')).some((p) => isObj(p.tls));
}

export const drMtlsOverridden: Rule = {
  id: 'kiali/dr-mtls-overridden',
  code: 'KIA0204',
  severity: 'warning',
  kinds: [GK.dr],
  needsWorkspace: [GK.dr],
  doc: {
    summary: 'With auto mTLS disabled, a DestinationRule without TLS settings overrides the mesh-wide or namespace-wide DestinationRule that enables ISTIO_MUTUAL for its host.',
    why: 'Istio picks the most specific DestinationRule for a host and does not merge in the TLS settings of the wider one, so clients of this host stop using mTLS; with STRICT PeerAuthentication the requests fail. Only reported when the workspace shows `enableAutoMtls: false` in the mesh config (with auto mTLS, Istio picks mTLS itself).',
    fix: 'Add `trafficPolicy.tls.mode: ISTIO_MUTUAL` to this DestinationRule (or the TLS settings you intend).',
  },
  check(ctx: RuleContext, res: Resource) {
    if (meshSettings(ctx.index).autoMtls) return;
    const host = drHost(res);
    if (!host || hasTlsSettings(res)) return;
    const fqdn = lc(istioHost(host, res.namespace));
    const wider: string[] = [];
    for (const other of ctx.index.of(GK.dr)) {
      if (same(other, res)) continue;
      const oh = drHost(other);
      if (!oh) continue;
      if (isNonLocalMtlsDr(other) ? hostMatches(lc(oh), fqdn) && lc(oh) !== fqdn : drTlsMode(other) === 'ISTIO_MUTUAL' && lc(istioHost(oh, other.namespace)) === fqdn) {
        wider.push(`${ref(other)} (host ${oh})`);
      }
    }
    if (!wider.length) return;
    const hasPolicy = isObj(res.spec.trafficPolicy);
    const fix = setField(res, ['spec', 'trafficPolicy', 'tls'], 'mode', 'ISTIO_MUTUAL', 'Set trafficPolicy.tls.mode: ISTIO_MUTUAL');
    ctx.report(res, {
      path: hasPolicy ? ['spec', 'trafficPolicy'] : ['spec', 'host'],
      message: `This DestinationRule has no TLS settings, so it overrides the ISTIO_MUTUAL mode of ${andList(wider)} for host ${host}: with auto mTLS disabled (${ref(meshSettings(ctx.index).source!)}), its clients send plain text.`,
      fixes: fix ? [fix] : undefined,
    });
  },
};
