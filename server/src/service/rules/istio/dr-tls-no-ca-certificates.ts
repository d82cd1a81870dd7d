import type { Fix, PathSeg } from '../../model';
import { arr, get, isObj, num, str, type Obj, type Resource } from '../../workspace';
import { setField } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { GK } from './util';

/** Path of the system CA bundle in the istio-proxy image. */
const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** The TLS mode when the settings originate TLS without verifying the server certificate, else undefined. */
function unverifiedMode(tls: unknown): string | undefined {
  if (!isObj(tls)) return undefined;
  const mode = str(tls.mode);
  if (mode !== 'SIMPLE' && mode !== 'MUTUAL') return undefined;
  if (str(tls.caCertificates)) return undefined;
  // the Secret named by credentialName carries the CA (ca.crt / <name>-cacert); insecureSkipVerify is an explicit opt-out
  if (str(tls.credentialName) || tls.insecureSkipVerify === true) return undefined;
  return mode;
}

function fixFor(res: Resource, tlsPath: PathSeg[]): Fix[] | undefined {
  const fix = setField(res, tlsPath, 'caCertificates', SYSTEM_CA_BUNDLE, 'Verify the server against the proxy\u2019s system CA bundle');
  return fix ? [fix] : undefined;
}

function hostOf(res: Resource): string {
  return str(res.spec.host) ?? '(no host)';
}

export const drTlsNoCaCertificates: Rule = {
  id: 'istio/dr-tls-no-ca-certificates',
  code: 'IST0128',
  severity: 'warning',
  kinds: [GK.dr],
  doc: {
    summary: 'A DestinationRule originates TLS (`trafficPolicy.tls.mode` SIMPLE or MUTUAL) without `caCertificates` (nor a `credentialName` Secret carrying the CA).',
    why: 'Without a CA to check against, the server certificate may not be verified, so the proxy can talk TLS to an impostor.',
    fix: 'Set `tls.caCertificates` to the CA bundle that signed the server certificate (or `credentialName` to a Secret holding `ca.crt`), and `sni`/`subjectAltNames` as needed.',
  },
  check(ctx: RuleContext, res: Resource) {
    const path: PathSeg[] = ['spec', 'trafficPolicy', 'tls'];
    const mode = unverifiedMode(get(res.spec, 'trafficPolicy', 'tls'));
    if (!mode) return;
    ctx.report(res, {
      path: [...path, 'mode'],
      on: 'value',
      message: `TLS mode ${mode} for host "${hostOf(res)}" has no caCertificates: the server certificate is not verified against a known CA.`,
      fixes: fixFor(res, path),
    });
  },
};

export const drPortTlsNoCaCertificates: Rule = {
  id: 'istio/dr-port-tls-no-ca-certificates',
  code: 'IST0129',
  severity: 'warning',
  kinds: [GK.dr],
  doc: {
    summary: 'A DestinationRule port-level setting originates TLS (`portLevelSettings[].tls.mode` SIMPLE or MUTUAL) without `caCertificates` (nor a `credentialName` Secret carrying the CA).',
    why: 'Without a CA to check against, the server certificate on that port may not be verified, so the proxy can talk TLS to an impostor.',
    fix: 'Set `tls.caCertificates` on the port-level settings to the CA bundle that signed the server certificate (or `credentialName` to a Secret holding `ca.crt`).',
  },
  check(ctx: RuleContext, res: Resource) {
    arr(get(res.spec, 'trafficPolicy', 'portLevelSettings')).forEach((p, i) => {
      if (!isObj(p)) return;
      const mode = unverifiedMode(p.tls);
      if (!mode) return;
      const path: PathSeg[] = ['spec', 'trafficPolicy', 'portLevelSettings', i, 'tls'];
      const port = num(get(p as Obj, 'port', 'number'));
      ctx.report(res, {
        path: [...path, 'mode'],
        on: 'value',
        message: `TLS mode ${mode} for host "${hostOf(res)}"${port !== undefined ? ` port ${port}` : ''} has no caCertificates: the server certificate is not verified against a known CA.`,
        fixes: fixFor(res, path),
      });
    });
  },
};
