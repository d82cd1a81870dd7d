import { arr, get, isObj, num, strings, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { fullName, gatewaySelector, GK, listText, selectorKey, serverHost, serverHostsOverlap } from './util';

export const conflictingGateways: Rule = {
  id: 'istio/conflicting-gateways',
  code: 'IST0145',
  alsoCodes: ['KIA0301'],
  severity: 'error',
  kinds: [GK.gw],
  needsWorkspace: [GK.gw],
  doc: {
    summary: 'Two Istio Gateways with the same selector define servers on the same port with overlapping hosts.',
    why: 'Both servers land on the same gateway proxy listener; Envoy cannot have two filter chains or virtual hosts for the same host and port, so one of the servers (and the routes bound to it) is dropped.',
    fix: 'Serve the host from a single Gateway (several VirtualServices may bind to it), or use distinct hosts or ports.',
  },
  check(ctx: RuleContext, res: Resource) {
    const key = selectorKey(gatewaySelector(res));
    const others = ctx.index.of(GK.gw).filter((o) => o !== res && !(o.uri === res.uri && o.startLine === res.startLine) && selectorKey(gatewaySelector(o)) === key);
    if (!others.length) return;
    arr(res.spec.servers).forEach((server, i) => {
      if (!isObj(server)) return;
      const port = num(get(server, 'port', 'number'));
      if (port === undefined) return;
      const hosts = strings(server.hosts).map((h) => serverHost(h, res.namespace));
      const clashes: string[] = [];
      const overlapping = new Set<string>();
      for (const o of others) {
        for (const s of arr(o.spec.servers)) {
          if (!isObj(s) || num(get(s, 'port', 'number')) !== port) continue;
          const theirs = strings(s.hosts);
          const hit = theirs.filter((t) => hosts.some((h) => serverHostsOverlap(h, serverHost(t, o.namespace))));
          if (!hit.length) continue;
          if (!clashes.includes(fullName(o))) clashes.push(fullName(o));
          hit.forEach((h) => overlapping.add(h));
        }
      }
      if (!clashes.length) return;
      ctx.report(res, {
        path: ['spec', 'servers', i, 'hosts'],
        message:
          `Server on port ${port} for ${listText(strings(server.hosts).map((h) => `"${h}"`))} conflicts with Gateway ${listText(clashes.sort())}: same selector (${key || 'empty'}), same port, overlapping hosts ${listText([...overlapping].sort().map((h) => `"${h}"`))}. ` +
          'The gateway proxy keeps only one of them.',
      });
    });
  },
};
