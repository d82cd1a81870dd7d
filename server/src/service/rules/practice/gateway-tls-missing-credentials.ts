import { arr, isObj, objs, str, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { GW } from './util';

const NEEDS_CERT = ['SIMPLE', 'MUTUAL', 'OPTIONAL_MUTUAL'];

export const gatewayTlsMissingCredentials: Rule = {
  id: 'practice/gateway-tls-missing-credentials',
  severity: 'error',
  kinds: [GW],
  doc: {
    summary: 'An Istio Gateway server terminates TLS (mode SIMPLE, MUTUAL or OPTIONAL_MUTUAL) but names no credentialName and no serverCertificate/privateKey pair (nor caCertificates for MUTUAL).',
    why: 'The gateway has no certificate to present, so Istio rejects the server or the listener fails its TLS handshakes.',
    fix: 'Set tls.credentialName to the Kubernetes Secret holding the certificate (in the gateway\'s namespace), or serverCertificate and privateKey (and caCertificates for MUTUAL) as file paths.',
  },
  check(ctx: RuleContext, res: Resource) {
    objs(res.spec.servers).forEach((server, i) => {
      const tls = server.tls;
      if (!isObj(tls)) return;
      const mode = str(tls.mode);
      if (!mode || !NEEDS_CERT.includes(mode)) return;
      if (str(tls.credentialName) || arr(tls.credentialNames).length || arr(tls.tlsCertificates).length) return;
      const base = ['spec', 'servers', i, 'tls'];
      const missing = ['serverCertificate', 'privateKey', ...(mode === 'SIMPLE' ? [] : ['caCertificates'])].filter((k) => !str(tls[k]));
      if (!missing.length) return;
      ctx.report(res, {
        path: [...base, 'mode'],
        on: 'value',
        message: `TLS mode ${mode} needs ${missing.includes('privateKey') || missing.includes('serverCertificate') ? 'a certificate' : 'a CA bundle to verify clients'}: set credentialName (a Secret) or ${missing.join(' and ')}.`,
      });
    });
  },
};
