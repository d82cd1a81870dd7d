import type { PathSeg } from '../../../model';
import { isObj, str, type Obj, type Resource } from '../../../workspace';
import { eachObj, has, int, len, wrapped, type Issues } from '../lib/issues';
import { fqdnError, isDnsLabel, isIP, msPrecisionError, portError, wildcardDomainError } from '../lib/net';
import { checkDryRun, checkEmptySelector, checkExportTo, checkLabels } from './common';
import { capital } from './http';
import { validationRule } from './rule';

function durationField(out: Issues, path: PathSeg[], v: unknown): void {
  const e = msPrecisionError(v);
  if (e) out.error(path, `${capital(e)}.`, { on: 'value' });
}

function nonNegative(out: Issues, o: Obj, path: PathSeg[], key: string, what: string): void {
  const n = int(o[key]);
  if (n !== undefined && n < 0) out.error([...path, key], `${what} must not be negative.`, { on: 'value' });
}

function checkOutlier(out: Issues, path: PathSeg[], od: unknown): void {
  if (!isObj(od)) return;
  durationField(out, [...path, 'baseEjectionTime'], od.baseEjectionTime);
  durationField(out, [...path, 'interval'], od.interval);
  const ce = int(od.consecutiveErrors);
  if (ce !== undefined && ce !== 0) {
    out.warn([...path, 'consecutiveErrors'], 'consecutiveErrors is deprecated; use consecutive5xxErrors or consecutiveGatewayErrors instead.');
  }
  const lof = int(wrapped(od.consecutiveLocalOriginFailures));
  if (lof !== undefined && lof > 0 && od.splitExternalLocalOriginErrors !== true) {
    out.error([...path, 'consecutiveLocalOriginFailures'], 'consecutiveLocalOriginFailures only works with splitExternalLocalOriginErrors: true.');
  }
  for (const key of ['maxEjectionPercent', 'minHealthPercent']) {
    const n = int(od[key]);
    if (n !== undefined && (n < 0 || n > 100)) out.error([...path, key], `${key} ${n} is outside 0..100.`, { on: 'value' });
  }
}

function checkConnectionPool(out: Issues, path: PathSeg[], cp: unknown): void {
  if (!isObj(cp)) return;
  if (!has(cp, 'http') && !has(cp, 'tcp')) {
    out.error(path, 'connectionPool needs http or tcp settings.');
    return;
  }
  if (isObj(cp.http)) {
    const h = cp.http;
    const hp = [...path, 'http'];
    nonNegative(out, h, hp, 'http1MaxPendingRequests', 'http1MaxPendingRequests');
    nonNegative(out, h, hp, 'http2MaxRequests', 'http2MaxRequests');
    nonNegative(out, h, hp, 'maxRequestsPerConnection', 'maxRequestsPerConnection');
    nonNegative(out, h, hp, 'maxRetries', 'maxRetries');
    nonNegative(out, h, hp, 'maxConcurrentStreams', 'maxConcurrentStreams');
    durationField(out, [...hp, 'idleTimeout'], h.idleTimeout);
    if (h.h2UpgradePolicy === 'UPGRADE' && h.useClientProtocol === true) {
      out.error([...hp, 'useClientProtocol'], 'useClientProtocol cannot be true when h2UpgradePolicy is UPGRADE.');
    }
  }
  if (isObj(cp.tcp)) {
    const t = cp.tcp;
    const tp = [...path, 'tcp'];
    nonNegative(out, t, tp, 'maxConnections', 'maxConnections');
    durationField(out, [...tp, 'connectTimeout'], t.connectTimeout);
    durationField(out, [...tp, 'maxConnectionDuration'], t.maxConnectionDuration);
    durationField(out, [...tp, 'idleTimeout'], t.idleTimeout);
    if (isObj(t.tcpKeepalive)) {
      durationField(out, [...tp, 'tcpKeepalive', 'time'], t.tcpKeepalive.time);
      durationField(out, [...tp, 'tcpKeepalive', 'interval'], t.tcpKeepalive.interval);
    }
  }
}

function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  for (let f = 3; f * f <= x; f += 2) if (x % f === 0) return false;
  return true;
}

const TOPOLOGY_LABELS = ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone'];

function checkLocalities(localities: string[]): string | undefined {
  const seen: string[] = [];
  for (const loc of localities) {
    const stars = (loc.match(/\*/g) ?? []).length;
    if (stars > 1 || (stars === 1 && !loc.endsWith('*'))) return `locality "${loc}" may only use one "*", at its end`;
    const parts = loc.split('/');
    if (parts.length > 3 || parts.some((p) => p === '')) return `locality "${loc}" must be region[/zone[/subzone]] without empty parts`;
    if (seen.some((s) => covers(s, loc) || covers(loc, s))) return `locality "${loc}" overlaps another locality in the same list`;
    seen.push(loc);
  }
  return undefined;
}

function covers(a: string, b: string): boolean {
  if (a === '*' || a === b) return true;
  const pa = a.split('/');
  const pb = b.split('/');
  if (pa[pa.length - 1] === '*') return pb.length >= pa.length && pa.slice(0, -1).every((x, i) => x === pb[i]);
  return pa.length < pb.length && pa.every((x, i) => x === pb[i]);
}

function checkLoadBalancer(out: Issues, path: PathSeg[], lb: unknown, outlier: unknown): void {
  if (!isObj(lb)) return;
  if (isObj(lb.consistentHash)) {
    const ch = lb.consistentHash;
    const cp = [...path, 'consistentHash'];
    if (isObj(ch.httpCookie) && ch.httpCookie.name === '') out.error([...cp, 'httpCookie', 'name'], 'The httpCookie needs a name.', { on: 'value' });
    const mrs = int(ch.minimumRingSize);
    if (mrs !== undefined && mrs !== 0) {
      out.warn([...cp, 'minimumRingSize'], 'minimumRingSize is deprecated; use ringHash: {minimumRingSize: ...} instead.');
      if (has(ch, 'ringHash') || has(ch, 'maglev')) out.error([...cp, 'minimumRingSize'], 'minimumRingSize cannot be combined with ringHash or maglev.');
    }
    if (isObj(ch.maglev)) {
      const ts = int(ch.maglev.tableSize) ?? 0;
      const tp: PathSeg[] = has(ch.maglev, 'tableSize') ? [...cp, 'maglev', 'tableSize'] : [...cp, 'maglev'];
      if (ts === 0) out.error(tp, 'maglev needs a tableSize (a prime number below 5000011).');
      else if (ts >= 5000011) out.error(tp, `maglev tableSize ${ts} must be below 5000011.`, { on: 'value' });
      else if (!isPrime(ts)) out.error(tp, `maglev tableSize ${ts} must be a prime number (for example 65537).`, { on: 'value' });
    }
  }
  if (isObj(lb.localityLbSetting)) {
    const l = lb.localityLbSetting;
    const lp = [...path, 'localityLbSetting'];
    if (len(l.distribute) && len(l.failover)) out.error(lp, 'localityLbSetting cannot set both distribute and failover.');
    else {
      if (len(l.failover) && Array.isArray(l.failoverPriority)) {
        const bad = l.failoverPriority.find((x) => typeof x === 'string' && TOPOLOGY_LABELS.includes(x));
        if (bad) out.error([...lp, 'failoverPriority'], `failoverPriority cannot list "${String(bad)}" together with failover.`);
      }
      const from: string[] = [];
      eachObj(l.distribute, (d, i) => {
        if (typeof d.from === 'string') from.push(d.from);
        if (!isObj(d.to)) return;
        let total = 0;
        for (const [loc, w] of Object.entries(d.to)) {
          const n = int(w) ?? 0;
          if (n < 1 || n > 100) {
            out.error([...lp, 'distribute', i, 'to', loc], `Locality weight ${n} must be within 1..100.`, { on: 'value' });
            return;
          }
          total += n;
        }
        if (total !== 100) {
          out.error([...lp, 'distribute', i, 'to'], `The weights of "to" add up to ${total}; they must add up to 100.`);
          return;
        }
        const e = checkLocalities(Object.keys(d.to));
        if (e) out.error([...lp, 'distribute', i, 'to'], `${capital(e)}.`);
      });
      const fe = checkLocalities(from);
      if (fe) out.error([...lp, 'distribute'], `${capital(fe)}.`);
      if ((len(l.failover) || len(l.failoverPriority)) && !isObj(outlier)) {
        out.warn(lp, 'Locality failover only happens when outlierDetection is configured in the same traffic policy.');
      }
      eachObj(l.failover, (f, i) => {
        const a = str(f.from) ?? '';
        const b = str(f.to) ?? '';
        if (a === b) out.error([...lp, 'failover', i], 'A failover entry must go from one region to a different region.');
        if (a.includes('/') || b.includes('/')) out.error([...lp, 'failover', i], 'failover from/to take regions only, not region/zone.');
        if (a.includes('*') || b.includes('*')) out.error([...lp, 'failover', i], 'failover regions cannot contain "*".');
      });
    }
  }
  if (isObj(lb.warmup)) {
    const w = lb.warmup;
    if (!has(w, 'duration')) out.error([...path, 'warmup'], 'warmup needs a duration.');
    else durationField(out, [...path, 'warmup', 'duration'], w.duration);
    const agg = wrapped(w.aggression);
    if (typeof agg === 'number' && agg < 1) out.error([...path, 'warmup', 'aggression'], `warmup aggression ${agg} must be at least 1.`, { on: 'value' });
  }
  durationField(out, [...path, 'warmupDurationSecs'], lb.warmupDurationSecs);
}

/** Client TLS of a DestinationRule: certificates by file or by credentialName, consistent with the mode. */
function checkClientTls(out: Issues, path: PathSeg[], tls: unknown): void {
  if (!isObj(tls)) return;
  const mode = str(tls.mode) ?? 'DISABLE';
  const set = (k: string): boolean => typeof tls[k] === 'string' && tls[k] !== '';
  if (wrapped(tls.insecureSkipVerify) === true) {
    if (mode === 'SIMPLE' && (set('caCertificates') || set('credentialName') || has(tls, 'subjectAltNames'))) {
      out.error([...path, 'insecureSkipVerify'], 'With insecureSkipVerify: true, caCertificates, credentialName and subjectAltNames cannot be set (they would not be checked).');
    }
    if (mode === 'MUTUAL' && (set('caCertificates') || has(tls, 'subjectAltNames'))) {
      out.error([...path, 'insecureSkipVerify'], 'With insecureSkipVerify: true, caCertificates and subjectAltNames cannot be set (they would not be checked).');
    }
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && set('credentialName')) {
    const extra = ['clientCertificate', 'caCertificates', 'privateKey', 'caCrl'].filter(set);
    if (extra.length) out.error([...path, extra[0]], `credentialName already supplies the certificates: remove ${extra.join(', ')}.`);
    return;
  }
  if (mode === 'MUTUAL') {
    if (!set('clientCertificate')) out.error([...path, 'mode'], 'MUTUAL TLS needs clientCertificate and privateKey (or a credentialName).', { on: 'value' });
    else if (!set('privateKey')) out.error([...path, 'clientCertificate'], 'MUTUAL TLS needs a privateKey with the clientCertificate (or a credentialName).');
  }
}

function checkTunnel(out: Issues, path: PathSeg[], t: unknown): void {
  if (!isObj(t)) return;
  const proto = str(t.protocol);
  if (proto && proto !== 'CONNECT' && proto !== 'POST') out.error([...path, 'protocol'], `Tunnel protocol must be CONNECT or POST, not "${proto}".`, { on: 'value' });
  const host = str(t.targetHost);
  if (host !== undefined && fqdnError(host) && !isIP(host)) out.error([...path, 'targetHost'], `Tunnel targetHost "${host}" must be a fully qualified host name or an IP address.`, { on: 'value' });
  const port = int(t.targetPort);
  if (port !== undefined && portError(port)) out.error([...path, 'targetPort'], `Tunnel targetPort ${port} is outside 1..65535.`, { on: 'value' });
}

function checkPolicyParts(out: Issues, path: PathSeg[], tp: Obj): void {
  checkOutlier(out, [...path, 'outlierDetection'], tp.outlierDetection);
  checkConnectionPool(out, [...path, 'connectionPool'], tp.connectionPool);
  checkLoadBalancer(out, [...path, 'loadBalancer'], tp.loadBalancer, tp.outlierDetection);
  checkClientTls(out, [...path, 'tls'], tp.tls);
}

function checkTrafficPolicy(out: Issues, path: PathSeg[], tp: unknown): void {
  if (!isObj(tp)) return;
  if (Object.keys(tp).length === 0) {
    out.error(path, 'This trafficPolicy is empty; remove it or set at least one field.');
    return;
  }
  if (has(tp, 'tunnel') && has(tp, 'proxyProtocol')) out.error(path, 'tunnel and proxyProtocol cannot be set together.');
  checkPolicyParts(out, path, tp);
  checkTunnel(out, [...path, 'tunnel'], tp.tunnel);
  eachObj(tp.portLevelSettings, (pl, i) => {
    const pp = [...path, 'portLevelSettings', i];
    if (!isObj(pl.port)) out.error(pp, 'A portLevelSettings entry needs a port.');
    if (!['outlierDetection', 'connectionPool', 'loadBalancer', 'tls'].some((k) => has(pl, k))) {
      out.error(pp, 'This portLevelSettings entry sets nothing: add outlierDetection, connectionPool, loadBalancer or tls.');
    } else checkPolicyParts(out, pp, pl);
  });
}

export function validateDestinationRule(res: Resource, out: Issues): void {
  const spec = res.spec;
  checkDryRun(out, res);
  const host = str(spec.host);
  if (host !== undefined) {
    const e = wildcardDomainError(host);
    if (e) out.error(['spec', 'host'], `${capital(e)}.`, { on: 'value' });
  }
  checkTrafficPolicy(out, ['spec', 'trafficPolicy'], spec.trafficPolicy);
  const names = new Set<string>();
  eachObj(spec.subsets, (sub, i) => {
    const sp: PathSeg[] = ['spec', 'subsets', i];
    const name = str(sub.name);
    if (name !== undefined) {
      if (names.has(name)) out.error([...sp, 'name'], `Subset "${name}" is defined twice.`, { on: 'value' });
      names.add(name);
      if (name === '') out.error([...sp, 'name'], 'The subset name must not be empty.', { on: 'value' });
      else if (!isDnsLabel(name)) out.error([...sp, 'name'], `Subset name "${name}" is not a DNS-1123 label (letters, digits and "-").`, { on: 'value' });
    }
    checkLabels(out, [...sp, 'labels'], sub.labels);
    checkTrafficPolicy(out, [...sp, 'trafficPolicy'], sub.trafficPolicy);
  });
  checkExportTo(out, res, ['spec', 'exportTo'], spec.exportTo, { drWithSelector: isObj(spec.workloadSelector) });
  checkEmptySelector(out, ['spec', 'workloadSelector'], spec.workloadSelector, 'matchLabels', 'no-labels');
}

export const validationDestinationRule = validationRule('istio/validation-destinationrule', 'networking.istio.io/DestinationRule', validateDestinationRule, {
  summary: 'A DestinationRule breaks a rule istiod checks when it is applied: duplicate or invalid subset names, empty traffic policies, MUTUAL TLS without client certificates, locality weights not adding up to 100, invalid maglev table sizes.',
  why: 'The Istio validating webhook rejects the object (kubectl apply fails), and istioctl analyze reports it as IST0106.',
  fix: 'Follow the message: unique DNS-label subset names, a client certificate and key (or credentialName) for MUTUAL, percentages within 0..100.',
});
