import { suggest } from '../../text';
import { str, type Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { GK, indexed } from './util';

/** Protocols Istio recognises in a Service port's appProtocol (case-insensitive), plus the Kubernetes standard names. */
export const APP_PROTOCOLS = ['http', 'http2', 'https', 'grpc', 'grpc-web', 'tcp', 'tls', 'udp', 'mongo', 'mysql', 'redis', 'http_proxy'];
const K8S_APP_PROTOCOLS = ['kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss'];

export const serviceAppProtocolUnknown: Rule = {
  id: 'kiali/service-app-protocol-unknown',
  code: 'KIA0602',
  severity: 'error',
  kinds: [GK.svc],
  doc: {
    summary: 'A Service port\'s `appProtocol` is not a protocol Istio knows.',
    why: 'Istio selects the protocol from appProtocol when it is set; an unknown value makes the port plain TCP, so HTTP routing, retries, metrics and authorization by path or method do not apply.',
    fix: 'Use one of http, http2, https, grpc, grpc-web, tcp, tls, udp, mongo, mysql, redis (or kubernetes.io/h2c, kubernetes.io/ws, kubernetes.io/wss).',
  },
  check(ctx: RuleContext, res: Resource) {
    if (res.labels.kiali_wizard !== undefined) return;
    for (const [port, i] of indexed(res.spec.ports)) {
      const ap = str(port.appProtocol);
      if (ap === undefined || (str(port.protocol) ?? '').toUpperCase() === 'UDP') continue;
      if (APP_PROTOCOLS.includes(ap.toLowerCase()) || K8S_APP_PROTOCOLS.includes(ap)) continue;
      const best = suggest(ap, [...APP_PROTOCOLS, ...K8S_APP_PROTOCOLS], 1)[0];
      const path = ['spec', 'ports', i, 'appProtocol'];
      const fix = best ? replaceValue(res, path, best, `Change appProtocol to ${best}`) : undefined;
      ctx.report(res, {
        path,
        on: 'value',
        message: `appProtocol "${ap}" of port ${str(port.name) ?? str(port.port) ?? `#${i + 1}`} is not a protocol Istio recognises, so the port is treated as plain TCP.${best ? ` Did you mean "${best}"?` : ''}`,
        fixes: fix ? [fix] : undefined,
      });
    }
  },
};
