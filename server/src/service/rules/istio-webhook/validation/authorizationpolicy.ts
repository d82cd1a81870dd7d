import type { PathSeg } from '../../../model';
import { isObj, str, type Resource } from '../../../workspace';
import { eachObj, eachStr, has, len, type Issues } from '../lib/issues';
import { isIP, isCIDR } from '../lib/net';
import { checkDryRun, checkEmptySelector, checkTargetRefs } from './common';
import { capital } from './http';
import { validationRule } from './rule';

const SOURCE_FIELDS = [
  'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces', 'serviceAccounts', 'notServiceAccounts',
  'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks',
];
const OPERATION_FIELDS = ['ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths', 'hosts', 'notHosts'];
/** Source fields that work for plain TCP traffic (everything but request principals). */
const TCP_SOURCE_FIELDS = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces', 'serviceAccounts', 'notServiceAccounts', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'];

function ipListErrors(out: Issues, path: PathSeg[], v: unknown): void {
  eachStr(v, (ip, i) => {
    if (ip === '') return;
    const ok = ip.includes('/') ? isCIDR(ip) : isIP(ip);
    if (!ok) out.error([...path, i], `"${ip}" is not a valid ${ip.includes('/') ? 'CIDR range' : 'IP address'}.`, { on: 'value' });
  });
}

function emptyValues(out: Issues, path: PathSeg[], v: unknown, field: string): void {
  eachStr(v, (x, i) => {
    if (x === '') out.error([...path, i], `An empty string in ${field} is not allowed.`, { on: 'value' });
  });
}

function portListErrors(out: Issues, path: PathSeg[], v: unknown): void {
  eachStr(v, (p, i) => {
    if (p !== '' && (!/^\d+$/.test(p) || Number(p) > 65535)) out.error([...path, i], `"${p}" is not a port number (0..65535).`, { on: 'value' });
  });
}

const UNSUPPORTED_TEMPLATE = /\/\{\w+=\*[*]?\}|\{\w*\}|\/\*[*]?|\*[*]?\//;

/** `when` condition keys istiod understands, and their value formats. */
function attributeError(key: string, values: string[]): string | undefined {
  if (values.some((v) => v === '')) return `an empty value is not allowed for condition key "${key}"`;
  const mapKey = (): string | undefined => {
    const open = key.indexOf('[');
    return key.endsWith(']') && open > 0 && open < key.length - 2 ? undefined : `condition key "${key}" must have the form name[key], for example request.headers[x-user]`;
  };
  const ips = (): string | undefined => {
    const bad = values.find((v) => !(v.includes('/') ? isCIDR(v) : isIP(v)));
    return bad === undefined ? undefined : `"${bad}" is not an IP address or CIDR range`;
  };
  if (key.startsWith('request.headers')) return mapKey();
  if (key.startsWith('request.auth.claims')) return mapKey();
  if (key.startsWith('experimental.envoy.filters.')) return mapKey();
  switch (key) {
    case 'source.ip':
    case 'remote.ip':
    case 'destination.ip':
      return ips();
    case 'destination.port': {
      const bad = values.find((v) => !/^\d+$/.test(v) || Number(v) > 65535);
      return bad === undefined ? undefined : `"${bad}" is not a port number`;
    }
    case 'source.namespace':
    case 'source.principal':
    case 'source.serviceAccount':
    case 'request.auth.principal':
    case 'request.auth.audiences':
    case 'request.auth.presenter':
    case 'connection.sni':
      return undefined;
    case 'destination.namespace':
      return `condition key "${key}" is not supported: the policy's own namespace already scopes it`;
    case 'destination.name':
    case 'destination.user':
      return `condition key "${key}" is not supported any more`;
  }
  if (key.startsWith('destination.labels')) return `condition key "${key}" is not supported: use the policy's selector instead`;
  return `condition key "${key}" is not one istiod knows (such as request.headers[...], source.ip, request.auth.claims[...], destination.port)`;
}

export function validateAuthorizationPolicy(res: Resource, out: Issues): void {
  const spec = res.spec;
  checkDryRun(out, res);
  checkEmptySelector(out, ['spec', 'selector'], spec.selector, 'matchLabels', 'no-labels');
  checkTargetRefs(out, spec);
  const action = str(spec.action) ?? 'ALLOW';
  const rulesSet = spec.rules !== undefined && spec.rules !== null;
  if (action === 'CUSTOM') {
    if (!rulesSet) out.error(['spec', 'action'], 'A CUSTOM policy without rules never triggers; add rules (an empty rule "- {}" matches every request).', { on: 'value' });
    else if (!isObj(spec.provider) || !str(spec.provider.name)) out.error(['spec', 'action'], 'A CUSTOM policy needs provider.name (an extension provider from the mesh config).', { on: 'value' });
    eachObj(spec.rules, (rule, i) => {
      eachObj(rule.from, (f, j) => {
        if (!isObj(f.source)) return;
        for (const k of ['namespaces', 'notNamespaces', 'serviceAccounts', 'notServiceAccounts', 'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals']) {
          if (len(f.source[k])) out.error(['spec', 'rules', i, 'from', j, 'source', k], `from.source.${k} is not supported with the CUSTOM action.`);
        }
      });
      eachObj(rule.when, (w, j) => {
        const key = str(w.key) ?? '';
        if (key === 'source.namespace' || key === 'source.serviceAccount' || key === 'source.principal' || key.startsWith('request.auth.')) {
          out.error(['spec', 'rules', i, 'when', j, 'key'], `Condition "${key}" is not supported with the CUSTOM action.`, { on: 'value' });
        }
      });
    });
  }
  if (has(spec, 'provider') && action !== 'CUSTOM') out.error(['spec', 'provider'], `provider only applies to action CUSTOM, but the action is ${action}.`);
  if (action === 'DENY' && !rulesSet) out.error(['spec', 'action'], 'A DENY policy without rules never triggers; add rules (an empty rule "- {}" denies every request).', { on: 'value' });

  eachObj(spec.rules, (rule, i) => {
    const rp: PathSeg[] = ['spec', 'rules', i];
    if (Array.isArray(rule.from) && rule.from.length === 0) out.error([...rp, 'from'], '"from" is an empty list; remove it or add a source.');
    let fromExists = false;
    let toExists = false;
    let tcpFrom = false;
    let tcpTo = false;
    eachObj(rule.from, (f, j) => {
      const fp: PathSeg[] = [...rp, 'from', j];
      if (!isObj(f.source)) {
        out.error(fp, 'Each "from" entry needs a source.');
        return;
      }
      fromExists = true;
      const src = f.source;
      const sp: PathSeg[] = [...fp, 'source'];
      if (!SOURCE_FIELDS.some((k) => len(src[k]))) out.error(sp, 'This source is empty: it would match nothing; set principals, namespaces, ipBlocks or another field.');
      for (const k of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks']) ipListErrors(out, [...sp, k], src[k]);
      for (const k of SOURCE_FIELDS) emptyValues(out, [...sp, k], src[k], k);
      if (TCP_SOURCE_FIELDS.some((k) => src[k] !== undefined && src[k] !== null)) tcpFrom = true;
    });
    if (Array.isArray(rule.to) && rule.to.length === 0) out.error([...rp, 'to'], '"to" is an empty list; remove it or add an operation.');
    eachObj(rule.to, (t, j) => {
      const tp: PathSeg[] = [...rp, 'to', j];
      if (!isObj(t.operation)) {
        out.error(tp, 'Each "to" entry needs an operation.');
        return;
      }
      toExists = true;
      const op = t.operation;
      const opp: PathSeg[] = [...tp, 'operation'];
      if (!OPERATION_FIELDS.some((k) => len(op[k]))) out.error(opp, 'This operation is empty: it would match nothing; set ports, methods, paths or hosts.');
      portListErrors(out, [...opp, 'ports'], op.ports);
      portListErrors(out, [...opp, 'notPorts'], op.notPorts);
      for (const k of OPERATION_FIELDS) emptyValues(out, [...opp, k], op[k], k);
      for (const k of ['paths', 'notPaths']) {
        eachStr(op[k], (p, n) => {
          if ((p.includes('{*}') || p.includes('{**}')) && UNSUPPORTED_TEMPLATE.test(p)) {
            out.error([...opp, k, n], `Path template "${p}" is not supported: use {*} or {**} as whole path segments, without named variables or bare "*".`, { on: 'value' });
          }
        });
      }
      if ((op.ports !== undefined && op.ports !== null) || (op.notPorts !== undefined && op.notPorts !== null)) tcpTo = true;
    });
    eachObj(rule.when, (w, j) => {
      const wp: PathSeg[] = [...rp, 'when', j];
      const key = str(w.key) ?? '';
      if (key === '') {
        out.error(wp, 'A condition needs a key.');
        return;
      }
      const values = Array.isArray(w.values) ? w.values.map((x) => String(x)) : [];
      const notValues = Array.isArray(w.notValues) ? w.notValues.map((x) => String(x)) : [];
      if (!values.length && !notValues.length) {
        out.error([...wp, 'key'], `Condition "${key}" needs values or notValues.`, { on: 'value' });
        return;
      }
      const e = (values.length ? attributeError(key, values) : undefined) ?? (notValues.length ? attributeError(key, notValues) : undefined);
      if (e) out.error([...wp, 'key'], `${capital(e)}.`, { on: 'value' });
    });
    if (action === 'DENY' && ((fromExists && !toExists && !tcpFrom) || (toExists && !tcpTo))) {
      out.warn(rp, 'This DENY rule only uses HTTP attributes, so it denies all traffic to TCP (non-HTTP) ports in its scope; add ports to the rule to limit it.');
    }
  });
}

export const validationAuthorizationPolicy = validationRule('istio/validation-authorizationpolicy', 'security.istio.io/AuthorizationPolicy', validateAuthorizationPolicy, {
  summary: 'An AuthorizationPolicy breaks a rule istiod checks when it is applied: CUSTOM without a provider, DENY or CUSTOM without rules, empty sources or operations, unknown condition keys, malformed IPs, ports or path templates.',
  why: 'The Istio validating webhook rejects the policy (kubectl apply fails) and istioctl analyze reports IST0106; a rejected DENY policy means the traffic it was meant to block stays allowed.',
  fix: 'Follow the message: give CUSTOM policies a provider, give DENY/CUSTOM policies rules, use supported condition keys (request.headers[...], source.ip, request.auth.claims[...]) and valid values.',
});
