import type { PathSeg } from '../../../model';
import { isObj, str, type Obj, type Resource } from '../../../workspace';
import { replaceValue } from '../../fixes';
import { eachObj, eachStr, has, int, len, text, type Issues } from '../lib/issues';
import {
  isDnsLabel,
  isHttpProtocol,
  isIP,
  isTlsProtocol,
  parseProtocol,
  partialWildcardError,
  portError,
  PROTOCOL_NAMES,
  unixAddressError,
  wildcardDomainError,
} from '../lib/net';
import { checkDryRun } from './common';
import { capital } from './http';
import { validationRule } from './rule';

const CIPHERS = new Set([
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305', 'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-RSA-AES256-SHA', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-SHA', 'AES256-SHA', 'DES-CBC3-SHA',
]);

function validCipher(c: string): boolean {
  if (c === '' || c === 'ALL') return true;
  if (!/^[A-Za-z0-9]/.test(c)) return true; // `-FOO`, `+FOO`, `!FOO` expressions
  return CIPHERS.has(c);
}

/** Server-side TLS settings (Gateway servers, Sidecar ingress): certificate sources consistent with the mode. */
export function checkServerTls(out: Issues, path: PathSeg[], tls: unknown): void {
  if (!isObj(tls)) return;
  const mode = str(tls.mode) ?? 'PASSTHROUGH';
  const set = (k: string): boolean => !!text(tls[k]);
  const certNames = len(tls.credentialNames) > 0;
  const tlsCerts = len(tls.tlsCertificates) > 0;
  const minV = str(tls.minProtocolVersion);
  if ((minV === 'TLSV1_0' || minV === 'TLSV1_1') && !len(tls.cipherSuites)) {
    out.warn([...path, 'minProtocolVersion'], `minProtocolVersion ${minV} needs cipherSuites that work with it: the default cipher list no longer includes any for TLS below 1.2.`);
  }
  const seen = new Set<string>();
  const invalid: string[] = [];
  const dup: string[] = [];
  eachStr(tls.cipherSuites, (c) => {
    if (!validCipher(c)) invalid.push(c);
    else if (seen.has(c)) dup.push(c);
    else seen.add(c);
  });
  if (invalid.length) out.warn([...path, 'cipherSuites'], `Unknown cipher suites are ignored: ${invalid.join(', ')}.`);
  if (dup.length) out.warn([...path, 'cipherSuites'], `Duplicate cipher suites are ignored: ${dup.join(', ')}.`);

  if (mode === 'ISTIO_MUTUAL') {
    const extra = ['serverCertificate', 'privateKey', 'caCertificates', 'credentialName'].filter(set);
    if (tlsCerts) extra.push('tlsCertificates');
    if (certNames) extra.push('credentialNames');
    for (const k of extra) out.error([...path, k], `ISTIO_MUTUAL uses the mesh certificates: ${k} cannot be set.`);
    return;
  }
  if (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') {
    const extra = ['caCrl', 'serverCertificate', 'privateKey', 'caCertificates', 'credentialName'].filter(set);
    if (tlsCerts) extra.push('tlsCertificates');
    if (certNames) extra.push('credentialNames');
    if (extra.length) {
      out.warn(has(tls, 'mode') ? [...path, 'mode'] : path, `${mode} mode does not terminate TLS, so ${extra.join(', ')} ${extra.length > 1 ? 'are' : 'is'} ignored${has(tls, 'mode') ? '' : ' (mode defaults to PASSTHROUGH: set mode: SIMPLE to terminate TLS here)'}.`);
    }
  }
  const sources = (set('serverCertificate') && set('privateKey') ? 1 : 0) + (set('credentialName') ? 1 : 0) + (certNames ? 1 : 0) + (tlsCerts ? 1 : 0);
  if (sources > 1) out.error(path, 'Set only one certificate source: credentialName, credentialNames, serverCertificate/privateKey, or tlsCertificates.');
  const terminating = mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL';
  if (terminating && !(set('credentialName') || certNames)) {
    const mutual = mode !== 'SIMPLE';
    if (mutual && !set('caCertificates')) out.error([...path, 'mode'], `${mode} TLS needs caCertificates to verify clients (or a credentialName).`, { on: 'value' });
    const certs: Array<[Obj, PathSeg[]]> = [];
    if (tlsCerts) eachObj(tls.tlsCertificates, (c, i) => certs.push([c, [...path, 'tlsCertificates', i]]));
    else certs.push([tls, [...path, 'mode']]);
    for (const [c, p] of certs) {
      const missing = ['serverCertificate', 'privateKey'].filter((k) => !text(c[k]));
      if (missing.length) out.error(p, `${mode} TLS needs ${missing.join(' and ')} (or a credentialName).`, p[p.length - 1] === 'mode' ? { on: 'value' } : {});
    }
  }
  if (set('caCrl')) {
    if (set('credentialName')) out.error([...path, 'caCrl'], 'caCrl cannot be combined with credentialName: put the CRL in the credential (Secret) instead.');
    if (mode === 'SIMPLE') out.error([...path, 'caCrl'], 'caCrl is not supported with SIMPLE TLS (there are no client certificates to revoke).');
  }
}

/** A Gateway or Sidecar host: `host`, `ns/host`, `*` forms; short names are not allowed. */
export function hostPartErrors(host: string, gateway: boolean): string[] {
  const errs: string[] = [];
  if (host !== '*' && !host.includes('.')) errs.push(`"${host}" is a short name; use a fully qualified host name (for example "${host}.example.com" or "${host}.<namespace>.svc.cluster.local")`);
  const e = wildcardDomainError(host);
  if (e && !(gateway && isIP(host))) errs.push(e);
  const pw = partialWildcardError(host);
  if (pw) errs.push(pw);
  return errs;
}

export function validateGateway(res: Resource, out: Issues): void {
  const spec = res.spec;
  checkDryRun(out, res);
  if (res.name && !isDnsLabel(res.name)) out.error(['metadata', 'name'], `Gateway name "${res.name}" must be a DNS-1123 label (no dots): VirtualServices refer to it as <namespace>/<name>.`, { on: 'value' });
  if (Array.isArray(spec.servers) && spec.servers.length === 0) out.error(['spec', 'servers'], 'A Gateway needs at least one server.');
  const names = new Map<string, number>();
  eachObj(spec.servers, (srv, i) => {
    const sp: PathSeg[] = ['spec', 'servers', i];
    if (Array.isArray(srv.hosts) && srv.hosts.length === 0) out.error([...sp, 'hosts'], 'A server needs at least one host.');
    eachStr(srv.hosts, (h, k) => {
      const hp = [...sp, 'hosts', k];
      const slash = h.indexOf('/');
      if (slash < 0) {
        for (const e of hostPartErrors(h, true)) out.error(hp, `${capital(e)}.`, { on: 'value' });
        return;
      }
      const ns = h.slice(0, slash);
      const dns = h.slice(slash + 1);
      if (!ns || !dns) {
        out.error(hp, `Host "${h}" must be "<namespace>/<host>" with both parts set.`, { on: 'value' });
        return;
      }
      if (ns !== '*' && ns !== '.' && !isDnsLabel(ns)) out.error(hp, `"${ns}" in host "${h}" must be "*", "." or a namespace name.`, { on: 'value' });
      for (const e of hostPartErrors(dns, true)) out.error(hp, `${capital(e)}.`, { on: 'value' });
    });
    const port = isObj(srv.port) ? srv.port : undefined;
    let portOk = !!port;
    const bind = str(srv.bind) ?? '';
    if (port) {
      const pp: PathSeg[] = [...sp, 'port'];
      if (typeof port.protocol === 'string' && parseProtocol(port.protocol) === 'Unsupported') {
        portOk = false;
        out.error([...pp, 'protocol'], `"${port.protocol}" is not a protocol Istio supports (${PROTOCOL_NAMES}).`, { on: 'value' });
      }
      const num = int(port.number);
      if (num !== undefined && (num > 0 || !bind.startsWith('unix://')) && portError(num)) {
        portOk = false;
        out.error([...pp, 'number'], `Port ${num} is outside 1..65535.`, { on: 'value' });
      }
      const tp = int(port.targetPort);
      if (tp !== undefined && tp > 0) {
        portOk = false;
        out.error([...pp, 'targetPort'], 'targetPort has no effect on a Gateway server; remove it (the gateway pod listens on port.number).');
      }
      if (port.name === '') {
        portOk = false;
        out.error([...pp, 'name'], 'The server port needs a name.', { on: 'value' });
      }
      const name = str(port.name);
      if (name !== undefined) {
        if (names.has(name)) out.error([...pp, 'name'], `Port name "${name}" is already used by server ${names.get(name)}; port names must be unique within a Gateway.`, { on: 'value' });
        else names.set(name, i);
      }
      const proto = parseProtocol(str(port.protocol));
      if (!isHttpProtocol(proto) && isObj(srv.tls) && srv.tls.httpsRedirect === true) {
        out.warn([...sp, 'tls', 'httpsRedirect'], `httpsRedirect only works on HTTP servers; this server is ${str(port.protocol) ?? 'not HTTP'}.`);
      }
    }
    if (bind.startsWith('unix://')) {
      const e = unixAddressError(bind.slice(7));
      if (e) out.error([...sp, 'bind'], `${capital(e)}.`, { on: 'value' });
      const num = port ? int(port.number) : undefined;
      if (num !== undefined && num !== 0) out.error([...sp, 'bind'], 'A server bound to a unix socket must use port number 0.', { on: 'value' });
    } else if (bind && !isIP(bind)) out.error([...sp, 'bind'], `bind "${bind}" is not an IP address.`, { on: 'value' });
    checkServerTls(out, [...sp, 'tls'], srv.tls);
    if (portOk && port) {
      const proto = parseProtocol(str(port.protocol));
      if (isTlsProtocol(proto) && !has(srv, 'tls')) {
        out.error([...sp, 'port', 'protocol'], `A server with protocol ${str(port.protocol)} needs tls settings (for example mode: SIMPLE with a credentialName).`, { on: 'value' });
      } else if (!isTlsProtocol(proto) && isObj(srv.tls)) {
        const t = srv.tls;
        if (isHttpProtocol(proto)) {
          const mode = str(t.mode) ?? 'PASSTHROUGH';
          const passthrough = mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH';
          if (!passthrough || text(t.caCertificates) || text(t.privateKey) || text(t.serverCertificate)) {
            out.error([...sp, 'tls'], `A plain-text ${str(port.protocol)} server can only use tls.httpsRedirect; to terminate TLS, use protocol HTTPS.`, {
              fixes: [str(port.protocol)?.toUpperCase() === 'HTTP' && passthrough === false ? replaceValue(res, [...sp, 'port', 'protocol'], 'HTTPS', 'Change protocol to HTTPS') : undefined],
            });
          }
        } else {
          out.error([...sp, 'tls'], `A server with protocol ${str(port.protocol)} cannot have tls settings; use protocol TLS or HTTPS to terminate or pass through TLS.`);
        }
      }
    }
  });
}

export const validationGateway = validationRule('istio/validation-gateway', 'networking.istio.io/Gateway', validateGateway, {
  summary: 'A Gateway breaks a rule istiod checks when it is applied: duplicate server port names, short or malformed hosts, HTTPS/TLS servers without tls settings, TLS modes without the certificates they need.',
  why: 'The Istio validating webhook rejects the object (kubectl apply fails), and istioctl analyze reports it as IST0106.',
  fix: 'Use unique port names, fully qualified hosts (or "ns/host"), and for SIMPLE/MUTUAL TLS a credentialName (or serverCertificate and privateKey).',
});
