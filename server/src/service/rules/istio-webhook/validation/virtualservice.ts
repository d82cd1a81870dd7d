import type { PathSeg } from '../../../model';
import { isObj, str, strings, type Obj, type Resource } from '../../../workspace';
import { renameKey, replaceValue } from '../../fixes';
import { combine } from '../lib/edits';
import { eachObj, eachStr, has, int, len, wrapped, type Issues } from '../lib/issues';
import { isDnsLabel, isIP, isKnownHttpStatus, msPrecisionError, portError, regexError, subnetError, wildcardDomainError } from '../lib/net';
import { checkDestination, checkDryRun, checkExportTo, checkGatewayNames, checkLabels } from './common';
import { validationRule } from './rule';
import {
  capital,
  checkAuthorityRewrite,
  checkCors,
  checkFault,
  checkHeaderOps,
  checkMirrorPercentage,
  checkStringMatch,
  isJwtClaimHeader,
} from './http';

const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream', 'retriable-status-codes', 'retriable-headers',
  'envoy-ratelimited', 'http3-post-connect-failure', 'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

function retryPolicyOk(p: string): boolean {
  return RETRY_ON.has(p) || (/^\d+$/.test(p) && isKnownHttpStatus(Number(p)));
}

/** A VirtualService host bound to a gateway: like a wildcard domain, plus the generated `outbound_.<port>_...` SNI names. */
function gatewayHostError(sni: boolean, host: string): string | undefined {
  if (sni && host.split('.')[0] === 'outbound_' && /outbound_.[0-8]/.test(host)) return undefined;
  return wildcardDomainError(host);
}

/** istiod's host.Name.Matches: do two (possibly wildcard) host names overlap? */
export function istioHostsMatch(a: string, b: string): boolean {
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw && bw) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** How many host comparisons the overlap check makes at most (a list of thousands of wildcards is not checked whole). */
export const MAX_HOST_COMPARISONS = 1_000_000;

/**
 * For each host that overlaps an earlier one, the pair (earliest such i, j): one finding per host, where istiod
 * reports every pair (n copies of a host would make n(n-1)/2 findings). Two plain hosts overlap only when equal,
 * so only wildcards are compared pairwise: linear for lists of plain hosts.
 */
export function overlappingHosts(hosts: unknown[]): Array<{ i: number; j: number }> {
  const out: Array<{ i: number; j: number }> = [];
  const firstPlain = new Map<string, number>();
  const wildcards: number[] = [];
  let budget = MAX_HOST_COMPARISONS;
  for (let j = 0; j < hosts.length; j++) {
    const b = hosts[j];
    if (typeof b !== 'string') continue;
    let found = -1;
    if (b.startsWith('*')) {
      // a wildcard can overlap any earlier host
      for (let i = 0; i < j && budget > 0; i++, budget--) {
        const a = hosts[i];
        if (typeof a === 'string' && istioHostsMatch(a, b)) {
          found = i;
          break;
        }
      }
      wildcards.push(j);
    } else {
      const same = firstPlain.get(b);
      for (const i of wildcards) {
        if (same !== undefined && i > same) break;
        if (budget-- <= 0) break;
        if (istioHostsMatch(hosts[i] as string, b)) {
          found = i;
          break;
        }
      }
      if (found < 0 && same !== undefined) found = same;
      if (same === undefined) firstPlain.set(b, j);
    }
    if (found >= 0) out.push({ i: found, j });
  }
  return out;
}

/** istiod's host.Name.SubsetOf: is every host matched by `a` also matched by `b`? */
function istioHostSubsetOf(a: string, b: string): boolean {
  if (b.startsWith('*')) {
    if (a.startsWith('*')) return b.length <= a.length && a.slice(1).endsWith(b.slice(1));
    return a.endsWith(b.slice(1));
  }
  return !a.startsWith('*') && a === b;
}

export function validateVirtualService(res: Resource, out: Issues): void {
  const spec = res.spec;
  checkDryRun(out, res);
  const hosts = Array.isArray(spec.hosts) ? spec.hosts : [];
  const gateways = strings(spec.gateways);
  const delegate = hosts.length === 0;
  if (delegate) {
    if (gateways.length) out.error(['spec', 'gateways'], 'A delegate VirtualService (one without hosts) must not list gateways: the root VirtualService decides where it applies.');
    if (len(spec.tls)) out.error(['spec', 'tls'], 'A delegate VirtualService (one without hosts) cannot have tls routes; delegation only works for http routes.');
    if (len(spec.tcp)) out.error(['spec', 'tcp'], 'A delegate VirtualService (one without hosts) cannot have tcp routes; delegation only works for http routes.');
  }
  const appliesToGateway = gateways.length > 0 && !gateways.includes('mesh');
  const appliesToMesh = !appliesToGateway;
  const legacy = (path: PathSeg[]) => (i: number, recommended: string) => {
    const p = [...path, i];
    out.warn(p, `Gateway reference "${gatewayAt(res, p)}" uses the legacy "name.namespace" form; prefer "<namespace>/<name>": "${recommended}".`, {
      on: 'value',
      fixes: [replaceValue(res, p, recommended, `Change to ${recommended}`)],
    });
  };
  if (gateways.length) checkGatewayNames(out, ['spec', 'gateways'], spec.gateways, legacy(['spec', 'gateways']));

  if (!appliesToGateway) {
    eachObj(spec.http, (r, i) =>
      eachObj(r.match, (m, j) => {
        for (const key of ['headers', 'withoutHeaders']) {
          if (!isObj(m[key])) continue;
          for (const h of Object.keys(m[key] as Obj)) {
            if (isJwtClaimHeader(h)) {
              out.error(['spec', 'http', i, 'match', j, key, h], `JWT claim routing ("${h}") only works on VirtualServices bound to an ingress gateway, not on the mesh (sidecars).`);
            }
          }
        }
      }),
    );
  }

  const sni = arrObjs(spec.tls).some((t) => arrObjs(t.match).some((m) => len(m.sniHosts) > 0));
  let allValid = true;
  hosts.forEach((h, i) => {
    if (typeof h !== 'string') return;
    const e = appliesToGateway ? gatewayHostError(sni, h) : wildcardDomainError(h);
    if (e) {
      if (!isIP(h)) {
        out.error(['spec', 'hosts', i], `${capital(e)}.`, { on: 'value' });
        allValid = false;
      }
    } else if (appliesToMesh && h === '*') {
      out.error(['spec', 'hosts', i], 'The host "*" is not allowed on a VirtualService that applies to the mesh (sidecars); list the service hosts, or bind it to a gateway.', { on: 'value' });
      allValid = false;
    }
  });
  if (allValid) {
    for (const { i, j } of overlappingHosts(hosts)) {
      out.error(['spec', 'hosts', j], `Hosts "${String(hosts[i])}" and "${String(hosts[j])}" overlap; a VirtualService must not list the same host twice.`, { on: 'value' });
    }
  }

  if (!len(spec.http) && !len(spec.tcp) && !len(spec.tls)) out.error(['spec'], 'A VirtualService needs at least one http, tcp or tls route.');
  eachObj(spec.http, (r, i) => validateHttpRoute(res, out, r, ['spec', 'http', i], delegate, legacy));
  eachObj(spec.tls, (r, i) => validateTlsRoute(out, r, ['spec', 'tls', i], hosts, gateways, legacy));
  eachObj(spec.tcp, (r, i) => {
    const p: PathSeg[] = ['spec', 'tcp', i];
    eachObj(r.match, (m, j) => checkL4Match(out, m, [...p, 'match', j], legacy));
    if (!len(r.route)) out.error(p, 'This tcp route has no destination (route).');
    checkRouteDestinations(out, r.route, [...p, 'route'], false);
  });
  checkExportTo(out, res, ['spec', 'exportTo'], spec.exportTo);
}

function gatewayAt(res: Resource, path: PathSeg[]): string {
  let cur: unknown = res.obj;
  for (const p of path) cur = typeof p === 'number' ? (Array.isArray(cur) ? cur[p] : undefined) : isObj(cur) ? cur[p] : undefined;
  return str(cur) ?? '';
}

function arrObjs(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

type Legacy = (path: PathSeg[]) => (i: number, recommended: string) => void;

function checkL4Match(out: Issues, m: Obj, path: PathSeg[], legacy: Legacy): void {
  eachStr(m.destinationSubnets, (sn, k) => {
    const e = subnetError(sn);
    if (e) out.error([...path, 'destinationSubnets', k], `${capital(e)}.`, { on: 'value' });
  });
  if (has(m, 'port')) {
    const n = int(m.port);
    if (n !== undefined && n !== 0 && portError(n)) out.error([...path, 'port'], `Match port ${n} is outside 1..65535.`, { on: 'value' });
  }
  checkLabels(out, [...path, 'sourceLabels'], m.sourceLabels);
  checkGatewayNames(out, [...path, 'gateways'], m.gateways, legacy([...path, 'gateways']));
}

function checkRouteDestinations(out: Issues, route: unknown, path: PathSeg[], http: boolean): void {
  let total = 0;
  eachObj(route, (d, j) => {
    if (http) checkHeaderOps(out, [...path, j, 'headers'], d.headers);
    checkDestination(out, [...path, j, 'destination'], d.destination);
    const w = int(d.weight) ?? 0;
    if (w < 0) out.error([...path, j, 'weight'], `Weight ${w} is negative.`, { on: 'value' });
    total += w;
  });
  if (len(route) > 1 && total === 0) out.error(path, 'All destination weights are 0, so no traffic would be routed; give at least one destination a weight.');
}

function validateHttpRoute(res: Resource, out: Issues, r: Obj, p: PathSeg[], delegateVs: boolean, legacy: Legacy): void {
  const type = delegateVs ? 'delegate' : has(r, 'delegate') ? 'root' : 'independent';
  const routes = len(r.route);
  if (type === 'root') {
    if (has(r, 'redirect')) out.error([...p, 'redirect'], 'A route that delegates to another VirtualService cannot also redirect.');
    if (r.route !== undefined && r.route !== null) out.error([...p, 'route'], 'A route that delegates to another VirtualService cannot also list destinations (route).');
  } else {
    if (type === 'delegate' && has(r, 'delegate')) out.error([...p, 'delegate'], 'A delegate VirtualService cannot delegate again: delegation is one level deep.');
    if (has(r, 'redirect')) {
      if (routes > 0) out.error([...p, 'redirect'], 'An HTTP route cannot have both route (destinations) and redirect; keep one.');
      if (has(r, 'fault')) out.error([...p, 'fault'], 'An HTTP route with a redirect cannot have fault injection.');
      if (has(r, 'rewrite')) out.error([...p, 'rewrite'], 'An HTTP route cannot have both redirect and rewrite; keep one.');
      if (has(r, 'directResponse')) out.error([...p, 'directResponse'], 'An HTTP route cannot have both redirect and directResponse; keep one.');
    } else if (has(r, 'directResponse')) {
      if (routes > 0) out.error([...p, 'directResponse'], 'An HTTP route cannot have both route (destinations) and directResponse; keep one.');
      if (has(r, 'fault')) out.error([...p, 'fault'], 'An HTTP route with a directResponse cannot have fault injection.');
      if (has(r, 'rewrite')) out.error([...p, 'rewrite'], 'An HTTP route cannot have both directResponse and rewrite; keep one.');
    } else if (routes === 0 && !has(r, 'delegate')) {
      out.error(p, 'This HTTP route has no route (destinations), redirect, directResponse or delegate, so istiod rejects it.');
    }
  }
  if (has(r, 'mirror') && len(r.mirrors) > 0) out.error([...p, 'mirrors'], 'An HTTP route cannot have both mirror and mirrors; move the mirror into mirrors.');

  eachObj(r.match, (m, j) => {
    const mp: PathSeg[] = [...p, 'match', j];
    for (const key of ['headers', 'withoutHeaders']) {
      if (!isObj(m[key])) continue;
      for (const [name, hm] of Object.entries(m[key] as Obj)) {
        if (hm === null && key === 'headers') out.error([...mp, key, name], `Header match "${name}" has no value (exact, prefix or regex).`);
        if (!isJwtClaimHeader(name)) {
          if (name === '') out.error([...mp, key, name], 'A header name must not be empty.');
          else if (!/^[-_A-Za-z0-9]+$/.test(name)) out.error([...mp, key, name], `"${name}" is not a valid header name (only letters, digits, "-" and "_").`);
        }
        if (key === 'withoutHeaders' && isObj(hm) && hm.regex === '*') continue; // `*` means "header present", not a regex
        checkStringMatch(out, [...mp, key, name], hm);
      }
    }
    checkStringMatch(out, [...mp, 'uri'], m.uri, { emptyPrefixOk: true });
    for (const key of ['scheme', 'method', 'authority']) checkStringMatch(out, [...mp, key], m[key]);
    if (isObj(m.queryParams)) for (const [name, qm] of Object.entries(m.queryParams)) checkStringMatch(out, [...mp, 'queryParams', name], qm);
    if (has(m, 'port')) {
      const n = int(m.port);
      if (n !== undefined && n !== 0 && portError(n)) out.error([...mp, 'port'], `Match port ${n} is outside 1..65535.`, { on: 'value' });
    }
    checkLabels(out, [...mp, 'sourceLabels'], m.sourceLabels);
    checkGatewayNames(out, [...mp, 'gateways'], m.gateways, legacy([...mp, 'gateways']));
    const sns = str(m.sourceNamespace);
    if (sns && !isDnsLabel(sns)) out.error([...mp, 'sourceNamespace'], `"${sns}" is not a valid namespace name.`, { on: 'value' });
  });

  checkHeaderOps(out, [...p, 'headers'], r.headers);
  checkCors(out, [...p, 'corsPolicy'], r.corsPolicy);
  checkFault(out, [...p, 'fault'], r.fault);

  if (has(r, 'mirrorPercent')) {
    const v = wrapped(r.mirrorPercent);
    if (typeof v === 'number' && v > 100) out.error([...p, 'mirrorPercent'], `mirrorPercent ${v} is above 100.`, { on: 'value' });
    const fix =
      typeof v === 'number' && !has(r, 'mirrorPercentage')
        ? combine('Replace with mirrorPercentage', [renameKey(res, [...p, 'mirrorPercent'], 'mirrorPercentage', ''), replaceValue(res, [...p, 'mirrorPercent'], `{value: ${v}}`, '')])
        : undefined;
    out.warn([...p, 'mirrorPercent'], 'mirrorPercent is deprecated; use mirrorPercentage: {value: <percent>} instead.', { fixes: [fix] });
  }
  checkMirrorPercentage(out, [...p, 'mirrorPercentage'], r.mirrorPercentage);
  checkDestination(out, [...p, 'mirror'], r.mirror);
  eachObj(r.mirrors, (m, k) => {
    checkDestination(out, [...p, 'mirrors', k, 'destination'], m.destination);
    checkMirrorPercentage(out, [...p, 'mirrors', k, 'percentage'], m.percentage);
  });

  if (isObj(r.redirect)) {
    const rd = r.redirect;
    const rp: PathSeg[] = [...p, 'redirect'];
    if (!str(rd.uri) && !str(rd.authority) && !has(rd, 'port') && !has(rd, 'derivePort') && !str(rd.scheme)) {
      out.error(rp, 'A redirect must change something: set uri, authority, scheme or port.');
    }
    const code = int(rd.redirectCode);
    if (code !== undefined && code !== 0 && (code < 300 || code > 399)) out.error([...rp, 'redirectCode'], `Redirect code ${code} is not a 3xx status.`, { on: 'value' });
    const scheme = str(rd.scheme);
    if (scheme && scheme !== 'http' && scheme !== 'https') out.error([...rp, 'scheme'], `Redirect scheme "${scheme}" must be "http" or "https".`, { on: 'value' });
    const port = int(rd.port);
    if (port !== undefined && port > 0 && portError(port)) out.error([...rp, 'port'], `Redirect port ${port} is outside 1..65535.`, { on: 'value' });
  }

  if (isObj(r.directResponse)) {
    const dr = r.directResponse;
    const dp: PathSeg[] = [...p, 'directResponse'];
    if (isObj(dr.body)) {
      const size = typeof dr.body.string === 'string' ? Buffer.byteLength(dr.body.string, 'utf8') : typeof dr.body.bytes === 'string' ? Math.floor((dr.body.bytes.replace(/=+$/, '').length * 3) / 4) : 0;
      if (size > 1024 * 1024) out.error([...dp, 'body'], `The directResponse body is ${Math.round(size / 1024)} KiB; istiod rejects bodies over 1 MiB.`);
      else if (size > 100 * 1024) out.warn([...dp, 'body'], `The directResponse body is ${Math.round(size / 1024)} KiB; bodies over 100 KiB are pushed to every proxy and may slow the control plane.`);
    }
    const status = int(dr.status);
    if (status !== undefined && (status < 200 || status > 600)) out.error([...dp, 'status'], `Status ${status} is outside 200-599.`, { on: 'value' });
  }

  if (isObj(r.retries)) {
    const rt = r.retries;
    const rp: PathSeg[] = [...p, 'retries'];
    const attempts = int(rt.attempts) ?? 0;
    if (attempts < 0) out.error([...rp, 'attempts'], 'Retry attempts cannot be negative.', { on: 'value' });
    if (attempts === 0 && (has(rt, 'perTryTimeout') || (typeof rt.retryOn === 'string' && rt.retryOn !== '') || has(rt, 'retryRemoteLocalities'))) {
      out.error(has(rt, 'attempts') ? [...rp, 'attempts'] : rp, 'This retry policy sets perTryTimeout, retryOn or retryRemoteLocalities but attempts is 0 (retries disabled); set attempts, or remove the retry settings.');
    }
    const pe = msPrecisionError(rt.perTryTimeout);
    if (pe) out.error([...rp, 'perTryTimeout'], `${capital(pe)}.`, { on: 'value' });
    if (typeof rt.retryOn === 'string' && rt.retryOn !== '') {
      const parts = rt.retryOn.split(',');
      const bad = parts.filter((x) => !retryPolicyOk(x));
      if (bad.length) {
        const trimmed = parts.map((x) => x.trim()).filter(Boolean);
        const fix = trimmed.every(retryPolicyOk) ? replaceValue(res, [...rp, 'retryOn'], trimmed.join(','), `Change to ${trimmed.join(',')}`) : undefined;
        out.error([...rp, 'retryOn'], `retryOn has ${bad.map((x) => JSON.stringify(x)).join(', ')}, not a retry condition (such as 5xx, gateway-error, connect-failure, reset) or an HTTP status code; separate conditions with "," and no spaces.`, {
          on: 'value',
          fixes: [fix],
        });
      }
    }
  }

  if (isObj(r.rewrite)) {
    const rw = r.rewrite;
    const wp: PathSeg[] = [...p, 'rewrite'];
    if (str(rw.uri) && has(rw, 'uriRegexRewrite')) out.error(wp, 'A rewrite can set uri or uriRegexRewrite, not both.');
    if (!str(rw.uri) && !has(rw, 'uriRegexRewrite') && !str(rw.authority)) out.error(wp, 'A rewrite must set uri, uriRegexRewrite or authority.');
    if (isObj(rw.uriRegexRewrite)) {
      const rr = rw.uriRegexRewrite;
      if (!str(rr.match) || !str(rr.rewrite)) out.error([...wp, 'uriRegexRewrite'], 'uriRegexRewrite needs both match and rewrite.');
      else {
        const e = regexError(str(rr.match)!);
        if (e) out.error([...wp, 'uriRegexRewrite', 'match'], `${capital(e)}.`, { on: 'value' });
      }
    }
  }
  checkAuthorityRewrite(out, p, r);
  checkRouteDestinations(out, r.route, [...p, 'route'], true);
  const te = msPrecisionError(r.timeout);
  if (te) out.error([...p, 'timeout'], `${capital(te)}.`, { on: 'value' });
}

function validateTlsRoute(out: Issues, r: Obj, p: PathSeg[], hosts: unknown[], gateways: string[], legacy: Legacy): void {
  if (Array.isArray(r.match) && r.match.length === 0) out.error([...p, 'match'], 'A tls route needs at least one match (with sniHosts).');
  const boundToGateway = !gateways.includes('mesh');
  eachObj(r.match, (m, j) => {
    const mp: PathSeg[] = [...p, 'match', j];
    if (Array.isArray(m.sniHosts) && m.sniHosts.length === 0) out.error([...mp, 'sniHosts'], 'A tls match needs at least one SNI host.');
    eachStr(m.sniHosts, (h, k) => {
      const e = boundToGateway ? gatewayHostError(true, h) : wildcardDomainError(h);
      if (e) {
        if (isIP(h)) out.warn([...mp, 'sniHosts', k], `SNI host "${h}" is an IP address; SNI is meant to carry host names and most clients never send an IP.`, { on: 'value' });
        else out.error([...mp, 'sniHosts', k], `${capital(e)}.`, { on: 'value' });
        return;
      }
      const vsHosts = hosts.filter((x): x is string => typeof x === 'string');
      if (!vsHosts.some((vh) => istioHostSubsetOf(h, vh))) {
        out.error([...mp, 'sniHosts', k], `SNI host "${h}" is not covered by any host of this VirtualService (${vsHosts.join(', ') || 'none'}).`, { on: 'value' });
      }
    });
    checkL4Match(out, m, mp, legacy);
  });
  if (!len(r.route)) out.error(p, 'This tls route has no destination (route).');
  checkRouteDestinations(out, r.route, [...p, 'route'], false);
}

export const validationVirtualService = validationRule('istio/validation-virtualservice', 'networking.istio.io/VirtualService', validateVirtualService, {
  summary: 'A VirtualService breaks a rule that istiod checks when the object is applied (beyond its CRD schema): routes without a destination, conflicting route actions, invalid hosts, regexes or headers, retry settings that disable themselves.',
  why: 'The Istio validating webhook rejects the object (kubectl apply fails), and istioctl analyze reports it as IST0106.',
  fix: 'Follow the message: give every http route a route, redirect, directResponse or delegate; use RE2 regexes; keep retry settings consistent with attempts.',
});
