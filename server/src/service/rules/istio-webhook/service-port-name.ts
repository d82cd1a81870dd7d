import type { PathSeg } from '../../model';
import { str } from '../../workspace';
import type { Rule } from '../types';
import { renameFixes, servicePortProtocol, servicePorts, skipService } from './lib/ports';

export const servicePortName: Rule = {
  id: 'istio/service-port-name',
  code: 'IST0118',
  alsoCodes: ['KIA0601'],
  severity: 'warning',
  kinds: ['/Service'],
  doc: {
    summary: 'A Service port neither names its protocol (`http`, `http-web`, `grpc-api`, `tcp-db`...) nor sets appProtocol, so Istio cannot tell which protocol it carries.',
    why: 'Istio falls back to protocol sniffing: HTTP features (routing, retries, metrics per request) may not apply, server-first protocols (MySQL-like) can stall, and the result can differ between clients.',
    fix: 'Name the port `<protocol>[-suffix]` (http, http2, https, grpc, grpc-web, tcp, tls, mongo, mysql, redis) or set appProtocol; a quick fix renames it.',
  },
  check(ctx, res) {
    if (skipService(ctx, res) || str(res.spec.type) === 'ExternalName') return;
    const all = servicePorts(res);
    for (const p of all) {
      if (servicePortProtocol(p) !== 'Unsupported') continue;
      const path: PathSeg[] = ['spec', 'ports', p.i];
      const what = p.appProtocol !== undefined ? `appProtocol "${p.appProtocol}"` : p.name ? `Port name "${p.name}"` : 'This unnamed port';
      const advice = p.appProtocol !== undefined ? 'set appProtocol to a protocol Istio knows' : 'name it <protocol>[-suffix] or set appProtocol';
      ctx.report(res, {
        path: p.appProtocol !== undefined ? [...path, 'appProtocol'] : p.name !== undefined ? [...path, 'name'] : path,
        on: 'value',
        message: `${what} (port ${p.port}) does not tell Istio which protocol the port carries, so Istio guesses by sniffing the traffic: ${advice} (http, http2, https, grpc, grpc-web, tcp, tls, mongo, mysql, redis).`,
        fixes: renameFixes(res, p, all),
      });
    }
  },
};
