import type { PathSeg } from '../../model';
import { arr, isObj, str, type Obj, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { fullName, gatewaySelector, GK, listText } from './util';

/** Is `x` a subset of `y` (every label of x in y with the same value)? An empty selector is a subset of any. */
function selectorSubset(x: Record<string, string>, y: Record<string, string>): boolean {
  return Object.entries(x).every(([k, v]) => y[k] === v);
}

/** The certificate a server's TLS settings use, as istioctl compares them. */
function certificate(tls: Obj): { key: string; field: string; text: string } | undefined {
  const cred = str(tls.credentialName);
  if (cred) return { key: `cred:${cred}`, field: 'credentialName', text: `credentialName "${cred}"` };
  const cert = str(tls.serverCertificate);
  const pk = str(tls.privateKey);
  if (cert && pk) return { key: `file:${cert}\u0000${pk}`, field: 'serverCertificate', text: `serverCertificate "${cert}"` };
  return undefined;
}

export const gatewayDuplicateCertificate: Rule = {
  id: 'istio/gateway-duplicate-certificate',
  code: 'IST0138',
  severity: 'warning',
  kinds: [GK.gw],
  needsWorkspace: [GK.gw],
  doc: {
    summary: 'Several Gateways on the same gateway workload (selector) use the same certificate (`credentialName`, or `serverCertificate` + `privateKey`).',
    why: 'Browsers reuse an HTTP/2 connection for every host the certificate covers; a request for a host of the other Gateway arrives on a connection whose filter chain does not route it, and gets a 404.',
    fix: 'Serve the hosts that share a certificate from one Gateway (one server with all the hosts), or use a distinct certificate per Gateway.',
  },
  check(ctx: RuleContext, res: Resource) {
    const selector = gatewaySelector(res);
    const others = ctx.index.of(GK.gw).filter((o) => o !== res && !(o.uri === res.uri && o.startLine === res.startLine) && selectorSubset(selector, gatewaySelector(o)));
    if (!others.length) return;
    const theirs = new Map<string, Set<string>>();
    for (const o of others) {
      for (const s of arr(o.spec.servers)) {
        if (!isObj(s) || !isObj(s.tls)) continue;
        const c = certificate(s.tls);
        if (!c) continue;
        const set = theirs.get(c.key) ?? new Set<string>();
        set.add(fullName(o));
        theirs.set(c.key, set);
      }
    }
    arr(res.spec.servers).forEach((s, i) => {
      if (!isObj(s) || !isObj(s.tls)) return;
      const c = certificate(s.tls);
      const with_ = c && theirs.get(c.key);
      if (!c || !with_) return;
      const path: PathSeg[] = ['spec', 'servers', i, 'tls', c.field];
      ctx.report(res, {
        path,
        on: 'value',
        message: `Gateway ${listText([...with_].sort())} on the same gateway workload also uses ${c.text}; HTTP/2 connection reuse across the hosts of these Gateways leads to 404s. Serve them from one Gateway.`,
      });
    });
  },
};
