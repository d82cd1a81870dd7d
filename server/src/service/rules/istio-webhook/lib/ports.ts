import type { Fix, PathSeg } from '../../../model';
import { isObj, num, str, type Obj, type Resource } from '../../../workspace';
import { replaceValue, setField } from '../../fixes';
import type { RuleContext } from '../../types';
import { linkerdNamespace, SYSTEM_NAMESPACES, usesIstio } from './mesh';
import { parseProtocol, type Protocol } from './net';

/**
 * How istiod reads the protocol of a Kubernetes Service port: UDP as is; otherwise `appProtocol` when set
 * (with the Kubernetes `kubernetes.io/h2c|ws|wss` names), else the port name's prefix before the first `-`
 * (`grpc-web` as a whole); well-known ports (SMTP, DNS, MySQL, MongoDB) default to TCP.
 */
export function servicePortProtocol(port: { port: number; name?: string; protocol?: string; appProtocol?: string }): Protocol {
  if ((port.protocol ?? '').toUpperCase() === 'UDP') return 'UDP';
  let name = port.name ?? '';
  if (port.appProtocol !== undefined) {
    name = port.appProtocol;
    if (name === 'kubernetes.io/h2c') return 'HTTP2';
    if (name === 'kubernetes.io/ws') return 'HTTP';
    if (name === 'kubernetes.io/wss') return 'HTTPS';
  }
  if (name.toLowerCase().startsWith('grpc-web')) return 'GRPC-Web';
  const dash = name.indexOf('-');
  const p = parseProtocol(dash >= 0 ? name.slice(0, dash) : name);
  if (p === 'Unsupported' && [25, 53, 3306, 27017].includes(port.port)) return 'TCP';
  return p;
}

/** A protocol guess for a port that names none: from its name, then its number. */
export function guessProtocol(name: string, port: number, targetPort: unknown): string {
  const n = name.toLowerCase();
  const hints: Array<[RegExp, string]> = [
    [/grpc/, 'grpc'],
    [/https|tls|ssl|secure/, 'https'],
    [/http2|h2c/, 'http2'],
    [/http|web|api|rest|metrics|ui|admin|health|prom/, 'http'],
    [/redis/, 'redis'],
    [/mongo/, 'mongo'],
    [/mysql|maria/, 'mysql'],
    [/postgres|pg|sql|db|amqp|kafka|nats|mqtt|smtp|ldap|tcp|zookeeper|zk|memcache/, 'tcp'],
  ];
  for (const [re, p] of hints) if (re.test(n)) return p;
  const target = typeof targetPort === 'number' ? targetPort : port;
  for (const p of [port, target]) {
    if ([80, 8080, 8000, 8081, 8888, 3000, 5000, 9080, 9090, 4180].includes(p)) return 'http';
    if ([443, 8443, 9443].includes(p)) return 'https';
    if (p === 50051) return 'grpc';
    if (p === 6379) return 'redis';
    if ([5432, 9092, 5672, 4222, 1883, 11211, 2181].includes(p)) return 'tcp';
  }
  return 'http';
}

export interface PortInfo {
  i: number;
  raw: Obj;
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
}

export function servicePorts(res: Resource): PortInfo[] {
  const out: PortInfo[] = [];
  const ports = Array.isArray(res.spec.ports) ? res.spec.ports : [];
  ports.forEach((p, i) => {
    if (!isObj(p)) return;
    out.push({ i, raw: p, name: str(p.name), port: num(p.port) ?? 0, protocol: str(p.protocol), appProtocol: typeof p.appProtocol === 'string' ? p.appProtocol : undefined });
  });
  return out;
}

export function skipService(ctx: RuleContext, res: Resource): boolean {
  // only under Istio; not the control plane, nor the Services Istio generates for Gateway API gateways
  if (!usesIstio(ctx.index) || SYSTEM_NAMESPACES.has(res.namespace) || linkerdNamespace(ctx.index, res.namespace)) return true;
  return 'gateway.istio.io/managed' in res.labels || 'gateway.networking.k8s.io/gateway-name' in res.labels;
}

export function renameFixes(res: Resource, p: PortInfo, all: PortInfo[]): Fix[] {
  const guess = guessProtocol(p.name ?? '', p.port, p.raw.targetPort);
  const path: PathSeg[] = ['spec', 'ports', p.i];
  const taken = new Set(all.filter((x) => x !== p).map((x) => x.name));
  const options = [guess, ...(guess === 'tcp' ? [] : ['tcp'])];
  const fixes: Fix[] = [];
  for (const proto of options) {
    if (p.appProtocol !== undefined) {
      const f = replaceValue(res, [...path, 'appProtocol'], proto, `Set appProtocol to ${proto}`);
      if (f) fixes.push(f);
      continue;
    }
    let name = p.name ? `${proto}-${p.name}` : all.length === 1 ? proto : `${proto}-${p.port}`;
    if (taken.has(name)) name = `${proto}-${p.port}`;
    if (taken.has(name) || name.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) continue;
    const f = p.name !== undefined ? replaceValue(res, [...path, 'name'], name, `Rename port to ${name}`) : setField(res, path, 'name', name, `Name port ${name}`);
    if (f) fixes.push(f);
  }
  return fixes;
}
