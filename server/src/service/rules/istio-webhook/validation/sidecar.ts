import type { PathSeg } from '../../../model';
import { isObj, str, type Obj, type Resource } from '../../../workspace';
import { replaceValue } from '../../fixes';
import { eachObj, eachStr, has, int, len, type Issues } from '../lib/issues';
import { fqdnError, isDnsLabel, isHttpProtocol, isIP, parseProtocol, portError, PROTOCOL_NAMES, unixAddressError } from '../lib/net';
import { checkDestination, checkDryRun, checkEmptySelector } from './common';
import { checkServerTls, hostPartErrors } from './gateway';
import { capital } from './http';
import { validationRule } from './rule';

function checkPortBasics(out: Issues, pp: PathSeg[], port: Obj, bind: string, egress: boolean): void {
  const name = str(port.name);
  if (name && !isDnsLabel(name)) out.error([...pp, 'name'], `Port name "${name}" is not a DNS-1123 label (letters, digits and "-").`, { on: 'value' });
  if (typeof port.protocol === 'string' && port.protocol !== '' && parseProtocol(port.protocol) === 'Unsupported') {
    out.error([...pp, 'protocol'], `"${port.protocol}" is not a protocol Istio supports (${PROTOCOL_NAMES}, HTTP_PROXY).`, { on: 'value' });
  }
  const num = int(port.number) ?? 0;
  if (egress && num === 0) {
    if (!bind.startsWith('unix://')) out.error(pp, 'A listener with port number 0 must bind to a unix domain socket (bind: unix:///path).');
    return;
  }
  if (portError(num)) out.error(has(port, 'number') ? [...pp, 'number'] : pp, `Port ${num} is outside 1..65535.`, has(port, 'number') ? { on: 'value' } : {});
}

function checkBind(out: Issues, path: PathSeg[], bind: string, allowUnix: boolean): void {
  if (!bind) return;
  if (allowUnix && bind.startsWith('unix://')) {
    const e = unixAddressError(bind.slice(7));
    if (e) out.error(path, `${capital(e)}.`, { on: 'value' });
  } else if (!isIP(bind)) out.error(path, `bind "${bind}" is not an IP address.`, { on: 'value' });
}

function checkPool(out: Issues, path: PathSeg[], cp: unknown): void {
  if (!isObj(cp)) return;
  if (!has(cp, 'http') && !has(cp, 'tcp')) out.error(path, 'connectionPool needs http or tcp settings.');
}

export function validateSidecar(res: Resource, out: Issues): void {
  const spec = res.spec;
  checkDryRun(out, res);
  checkEmptySelector(out, ['spec', 'workloadSelector'], spec.workloadSelector, 'labels', 'all-services');
  if (!len(spec.egress) && !len(spec.ingress) && !has(spec, 'outboundTrafficPolicy') && !has(spec, 'inboundConnectionPool')) {
    out.error(['spec'], 'This Sidecar configures nothing: set egress, ingress, outboundTrafficPolicy or inboundConnectionPool.');
    return;
  }

  const ingressPorts = new Set<number>();
  eachObj(spec.ingress, (ing, i) => {
    const ip: PathSeg[] = ['spec', 'ingress', i];
    if (!isObj(ing.port)) return; // required by the schema
    const port = ing.port;
    if ((int(port.targetPort) ?? 0) > 0) out.error([...ip, 'port', 'targetPort'], 'targetPort has no effect on a Sidecar listener; remove it.');
    checkPortBasics(out, [...ip, 'port'], port, '', false);
    checkBind(out, [...ip, 'bind'], str(ing.bind) ?? '', false);
    const num = int(port.number);
    if (num !== undefined) {
      if (ingressPorts.has(num)) out.error([...ip, 'port', 'number'], `Ingress port ${num} is listed twice.`, { on: 'value' });
      ingressPorts.add(num);
    }
    const de = str(ing.defaultEndpoint);
    if (de) {
      if (de.startsWith('unix://')) {
        const e = unixAddressError(de.slice(7));
        if (e) out.error([...ip, 'defaultEndpoint'], `${capital(e)}.`, { on: 'value' });
      } else {
        const m = /^(?:\[([^\]]*)\]|([^:]*)):(.*)$/.exec(de);
        const host = m ? (m[1] ?? m[2]) : undefined;
        if (!m || (host !== '' && !['127.0.0.1', '0.0.0.0', '::1', '::'].includes(host ?? ''))) {
          out.error([...ip, 'defaultEndpoint'], `defaultEndpoint "${de}" must be 127.0.0.1:<port>, 0.0.0.0:<port>, [::1]:<port>, [::]:<port>, :<port> or unix:///path.`, { on: 'value' });
        } else if (!/^\d+$/.test(m[3]) || portError(Number(m[3]))) {
          out.error([...ip, 'defaultEndpoint'], `The port of defaultEndpoint "${de}" must be a number within 1..65535.`, { on: 'value' });
        }
      }
    }
    if (isObj(ing.tls)) {
      const t = ing.tls;
      const tp: PathSeg[] = [...ip, 'tls'];
      if (len(t.subjectAltNames)) out.error([...tp, 'subjectAltNames'], 'subjectAltNames is not supported in Sidecar ingress TLS.');
      if (t.httpsRedirect === true) out.error([...tp, 'httpsRedirect'], 'httpsRedirect is not supported in Sidecar ingress TLS.');
      if (str(t.credentialName)) out.error([...tp, 'credentialName'], 'credentialName is not supported in Sidecar ingress TLS; use serverCertificate and privateKey files.');
      const mode = str(t.mode);
      if (mode === 'ISTIO_MUTUAL' || mode === 'AUTO_PASSTHROUGH') out.error([...tp, 'mode'], `TLS mode ${mode} cannot be used for Sidecar ingress.`, { on: 'value' });
      checkServerTls(out, tp, t);
    }
    checkPool(out, [...ip, 'connectionPool'], ing.connectionPool);
    if (isObj(ing.connectionPool) && has(ing.connectionPool, 'http') && !isHttpProtocol(parseProtocol(str(port.protocol)))) {
      out.warn([...ip, 'connectionPool', 'http'], `HTTP connection pool settings are ignored on port ${num ?? '?'}: its protocol is ${str(port.protocol) || 'unset'}, not HTTP; only tcp settings apply.`);
    }
  });
  checkPool(out, ['spec', 'inboundConnectionPool'], spec.inboundConnectionPool);

  const egressPorts = new Set<number>();
  const sockets = new Set<string>();
  const egress = Array.isArray(spec.egress) ? spec.egress : [];
  let catchAll = false;
  eachObj(egress, (eg, i) => {
    const ep: PathSeg[] = ['spec', 'egress', i];
    if (!isObj(eg.port)) {
      if (catchAll) {
        out.error(ep, 'Only one egress listener may omit the port.');
        return;
      }
      if (i !== egress.length - 1) out.error(ep, 'The egress listener without a port must be the last one in the list.');
      else catchAll = true;
    } else {
      const port = eg.port;
      if ((int(port.targetPort) ?? 0) > 0) out.error([...ep, 'port', 'targetPort'], 'targetPort has no effect on a Sidecar listener; remove it.');
      const bind = str(eg.bind) ?? '';
      checkPortBasics(out, [...ep, 'port'], port, bind, true);
      const num = int(port.number) ?? 0;
      if (num === 0) {
        checkBind(out, [...ep, 'bind'], bind, true);
        const cm = str(eg.captureMode);
        if (cm && cm !== 'DEFAULT' && cm !== 'NONE') out.error([...ep, 'captureMode'], 'A unix domain socket listener needs captureMode DEFAULT or NONE.', { on: 'value' });
        if (sockets.has(bind)) out.error([...ep, 'bind'], `Unix socket "${bind}" is used by two egress listeners.`, { on: 'value' });
        sockets.add(bind);
      } else {
        checkBind(out, [...ep, 'bind'], bind, false);
        if (egressPorts.has(num)) out.error([...ep, 'port', 'number'], `Egress port ${num} is listed twice.`, { on: 'value' });
        egressPorts.add(num);
      }
    }
    if (Array.isArray(eg.hosts) && eg.hosts.length === 0) out.error([...ep, 'hosts'], 'An egress listener needs at least one host ("namespace/host").');
    const byNs = new Map<string, Set<string>>();
    eachStr(eg.hosts, (h, k) => {
      const hp: PathSeg[] = [...ep, 'hosts', k];
      const slash = h.indexOf('/');
      if (slash < 0) {
        const fixed = `*/${h}`;
        out.error(hp, `Egress host "${h}" must be "<namespace>/<host>", for example "${fixed}" (any namespace) or "./${h}" (this namespace).`, {
          on: 'value',
          fixes: [h && !hostPartErrors(h, false).length ? replaceValue(res, hp, JSON.stringify(fixed), `Change to ${fixed}`) : undefined],
        });
        return;
      }
      const ns0 = h.slice(0, slash);
      const dns = h.slice(slash + 1);
      if (!ns0 || !dns) {
        out.error(hp, `Egress host "${h}" must be "<namespace>/<host>" with both parts set.`, { on: 'value' });
        return;
      }
      if (ns0 !== '*' && ns0 !== '.' && ns0 !== '~' && !isDnsLabel(ns0)) out.error(hp, `"${ns0}" in "${h}" must be "*", ".", "~" or a namespace name.`, { on: 'value' });
      const errs = hostPartErrors(dns, false);
      for (const e of errs) out.error(hp, `${capital(e)}.`, { on: 'value' });
      const ns = ns0 === '.' ? res.namespace : ns0;
      const set = byNs.get(ns) ?? new Set<string>();
      if (dns !== '*' ? set.has(dns) || set.has('*') : set.size > 0) out.warn(hp, `Egress host "${h}" is already covered by another host of this listener.`, { on: 'value' });
      set.add(dns);
      byNs.set(ns, set);
    });
    if (byNs.get('*')?.has('*') && byNs.size !== 1) out.warn([...ep, 'hosts'], '"*/*" already selects every host: the other entries of this listener are redundant.');
  });

  const otp = spec.outboundTrafficPolicy;
  if (isObj(otp) && isObj(otp.egressProxy)) {
    const op: PathSeg[] = ['spec', 'outboundTrafficPolicy'];
    if (str(otp.mode) !== 'ALLOW_ANY') out.error([...op, 'egressProxy'], 'egressProxy only works with outboundTrafficPolicy mode ALLOW_ANY.');
    else {
      const host = str(otp.egressProxy.host);
      if (host !== undefined && fqdnError(host)) out.error([...op, 'egressProxy', 'host'], `egressProxy host "${host}" must be a fully qualified host name.`, { on: 'value' });
      if (!isObj(otp.egressProxy.port)) out.error([...op, 'egressProxy'], 'egressProxy needs a port.');
      else checkDestination(out, [...op, 'egressProxy'], otp.egressProxy);
    }
  }
}

export const validationSidecar = validationRule('istio/validation-sidecar', 'networking.istio.io/Sidecar', validateSidecar, {
  summary: 'A Sidecar breaks a rule istiod checks when it is applied: egress hosts not written as "namespace/host", more than one (or a non-final) egress listener without a port, duplicate listener ports, malformed defaultEndpoint.',
  why: 'The Istio validating webhook rejects the object (kubectl apply fails), and istioctl analyze reports it as IST0106.',
  fix: 'Write egress hosts as "<namespace>/<host>" ("*/host", "./host", "istio-system/*"), keep a single port-less egress listener at the end, and use 127.0.0.1:<port> style endpoints.',
});
