import { num, str, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { GK, andList, indexed, lc } from './util';

export const k8sGatewayListenerNotUnique: Rule = {
  id: 'kiali/k8s-gateway-listener-not-unique',
  code: 'KIA1503',
  severity: 'error',
  kinds: [GK.k8sGw],
  doc: {
    summary: 'Two listeners of one Gateway API Gateway have the same hostname, port and protocol.',
    why: 'The Gateway API requires every listener of a Gateway to have a unique hostname+port+protocol combination; conflicting listeners are marked Conflicted and do not accept routes.',
    fix: 'Remove the duplicate listener, or give it a distinct hostname, port or protocol.',
  },
  check(ctx: RuleContext, res: Resource) {
    const listeners = indexed(res.spec.listeners).map(([l, i]) => ({
      i,
      name: str(l.name) ?? `#${i + 1}`,
      key: `${lc(str(l.hostname) ?? '')}|${num(l.port) ?? str(l.port) ?? ''}|${str(l.protocol) ?? ''}`,
      hasName: str(l.name) !== undefined,
      desc: `${str(l.hostname) ?? '(any hostname)'}:${num(l.port) ?? '?'} ${str(l.protocol) ?? ''}`.trim(),
    }));
    for (const l of listeners) {
      const dups = listeners.filter((o) => o.i !== l.i && o.key === l.key);
      if (!dups.length) continue;
      ctx.report(res, {
        path: l.hasName ? ['spec', 'listeners', l.i, 'name'] : ['spec', 'listeners', l.i],
        on: l.hasName ? 'value' : undefined,
        message: `Listener ${l.name} (${l.desc}) has the same hostname, port and protocol as listener ${andList(dups.map((d) => d.name))}: listeners must be unique.`,
      });
    }
  },
};
