import { isObj, str, type Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { globMatch, PA } from './util';

const WEAK = ['PERMISSIVE', 'DISABLE'];

export const peerAuthenticationNotStrict: Rule = {
  id: 'practice/peer-authentication-not-strict',
  severity: 'warning',
  kinds: [PA],
  doc: {
    summary: 'A PeerAuthentication sets mTLS to PERMISSIVE or DISABLE (reported as a warning in production namespaces, as info elsewhere).',
    why: 'PERMISSIVE accepts plain-text traffic next to mTLS and DISABLE turns mTLS off: peers are not authenticated, traffic can be read on the wire, and principal-based AuthorizationPolicies cannot identify plain-text callers.',
    fix: 'Switch to STRICT once every client is in the mesh (keep PERMISSIVE only during a migration, on the ports that need it).',
  },
  check(ctx: RuleContext, res: Resource) {
    const prod = ctx.settings.productionNamespaces.some((p) => globMatch(p, res.namespace));
    const severity = prod ? 'warning' : 'info';
    const where = prod ? ` in production namespace "${res.namespace}"` : '';
    const report = (path: string[], mode: string, what: string): void => {
      const fix = replaceValue(res, path, 'STRICT', 'Switch to STRICT mTLS');
      ctx.report(res, {
        path,
        on: 'value',
        severity,
        message: `${what} mTLS mode is ${mode}${where}: ${mode === 'DISABLE' ? 'traffic is plain text and peers are not authenticated' : 'plain-text clients are accepted without authentication'}. Use STRICT once every client is in the mesh.`,
        fixes: fix ? [fix] : undefined,
      });
    };
    const mtls = res.spec.mtls;
    const mode = isObj(mtls) ? str(mtls.mode) : undefined;
    if (mode && WEAK.includes(mode)) report(['spec', 'mtls', 'mode'], mode, 'The');
    const ports = res.spec.portLevelMtls;
    if (isObj(ports)) {
      for (const [port, v] of Object.entries(ports)) {
        const m = isObj(v) ? str(v.mode) : undefined;
        if (m && WEAK.includes(m)) report(['spec', 'portLevelMtls', port, 'mode'], m, `Port ${port}:`);
      }
    }
  },
};
