import type { Fix } from '../../model';
import { istioHost, type Resource } from '../../workspace';
import { setField } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { GK, hostPorts, listText, vsDests } from './util';

export const vsDestinationPortRequired: Rule = {
  id: 'istio/vs-destination-port-required',
  code: 'IST0112',
  severity: 'error',
  kinds: [GK.vs],
  needsWorkspace: [GK.service, GK.se],
  doc: {
    summary: 'A VirtualService destination has no `port` while its Service or ServiceEntry exposes several ports.',
    why: 'With several ports Istio cannot tell which one the route targets; the route may be attached to the wrong port or not at all.',
    fix: 'Add `port: {number: <port>}` to the destination.',
  },
  check(ctx: RuleContext, res: Resource) {
    for (const d of vsDests(res)) {
      if (d.hasPort || d.host.includes('*')) continue;
      const fqdn = istioHost(d.host, res.namespace);
      const found = hostPorts(ctx.index, fqdn, res.namespace);
      if (!found) continue;
      const numbers = [...new Set(found.ports.map((p) => p.number).filter((n) => n > 0))];
      if (numbers.length < 2) continue;
      const fixes: Fix[] = [];
      // for HTTP routes, offer the HTTP ports first (then gRPC), in declaration order
      const score = (n: number): number => {
        const name = (found.ports.find((p) => p.number === n)?.name ?? '').toLowerCase();
        if (d.section !== 'http') return 0;
        if (/^http(?!s)/.test(name)) return 0;
        if (/^grpc/.test(name)) return 1;
        return 2;
      };
      const ordered = [...numbers].sort((a, b) => score(a) - score(b));
      for (const n of ordered.slice(0, 3)) {
        const name = found.ports.find((p) => p.number === n)?.name;
        const fix = setField(res, d.path, 'port', `\nnumber: ${n}`, `Add port ${n}${name ? ` (${name})` : ''}`);
        if (fix) fixes.push(fix);
      }
      if (fixes[0]) fixes[0].preferred = true;
      ctx.report(res, {
        path: [...d.path, 'host'],
        on: 'value',
        message: `Destination "${d.host}" has no port, but ${found.owner} exposes ${numbers.length} ports (${listText(numbers.map(String))}); set destination.port.number.`,
        fixes: fixes.length ? fixes : undefined,
      });
    }
  },
};
