import { num, objs, str, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { GK, andList, indexed, lc, ref, same } from './util';

export const k8sGatewayListenerConflict: Rule = {
  id: 'kiali/k8s-gateway-listener-conflict',
  code: 'KIA1501',
  severity: 'warning',
  kinds: [GK.k8sGw],
  needsWorkspace: [GK.k8sGw],
  doc: {
    summary: 'Two Gateway API Gateways of the same GatewayClass have a listener for the same hostname, port and protocol.',
    why: 'Routes for that hostname may attach to either Gateway and traffic handling can conflict, depending on how the implementation deploys the Gateways. Gateways of different classes are run by different controllers and are not compared.',
    fix: 'Serve the hostname from one Gateway (attach the routes of both to it), or use distinct hostnames or ports.',
  },
  check(ctx: RuleContext, res: Resource) {
    const cls = str(res.spec.gatewayClassName);
    const others = ctx.index.of(GK.k8sGw).filter((g) => !same(g, res) && str(g.spec.gatewayClassName) === cls);
    if (!others.length) return;
    for (const [l, i] of indexed(res.spec.listeners)) {
      const host = str(l.hostname);
      const port = num(l.port);
      const protocol = str(l.protocol);
      if (!host || port === undefined) continue;
      const clashes = others.filter((g) => objs(g.spec.listeners).some((o) => lc(str(o.hostname) ?? '') === lc(host) && num(o.port) === port && str(o.protocol) === protocol));
      if (!clashes.length) continue;
      ctx.report(res, {
        path: ['spec', 'listeners', i, 'hostname'],
        on: 'value',
        message: `Listener ${str(l.name) ?? `#${i + 1}`} (${host}:${port}${protocol ? ` ${protocol}` : ''}) is also declared by ${andList(clashes.map(ref))}: traffic for this hostname may be handled by either Gateway.`,
      });
    }
  },
};
