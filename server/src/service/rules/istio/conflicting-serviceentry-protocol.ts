import type { PathSeg } from '../../model';
import { arr, isObj, num, istioHost, str, strings, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { exportScope, fullName, GK, listText, scopesIntersect } from './util';

function protocolOf(p: Record<string, unknown>): string {
  return (str(p.protocol) ?? '').toUpperCase();
}

export const conflictingServiceEntryProtocol: Rule = {
  id: 'istio/conflicting-serviceentry-protocol',
  code: 'IST0177',
  alsoCodes: ['KIA1212'],
  severity: 'warning',
  kinds: [GK.se],
  needsWorkspace: [GK.se],
  doc: {
    summary: 'Several ServiceEntries visible in the same namespace define the same host and port with different protocols.',
    why: 'Istio keeps one service per host and port: which protocol wins depends on creation order, so the listener may be built as TCP for HTTP traffic (or the reverse) and routing, telemetry or TLS origination break.',
    fix: 'Use one protocol for the host and port in every ServiceEntry (or define the host in a single ServiceEntry).',
  },
  check(ctx: RuleContext, res: Resource) {
    const scope = exportScope(strings(res.spec.exportTo), res.namespace);
    const hosts = strings(res.spec.hosts).map((h) => istioHost(h, res.namespace));
    if (!hosts.length) return;
    const others = ctx.index
      .of(GK.se)
      .filter((o) => o !== res && !(o.uri === res.uri && o.startLine === res.startLine) && scopesIntersect(scope, exportScope(strings(o.spec.exportTo), o.namespace)));
    if (!others.length) return;
    arr(res.spec.ports).forEach((p, i) => {
      if (!isObj(p)) return;
      const n = num(p.number);
      if (n === undefined) return;
      const mine = protocolOf(p);
      const clash = new Map<string, Set<string>>(); // SE -> protocols
      const sharedHosts = new Set<string>();
      for (const o of others) {
        const theirHosts = strings(o.spec.hosts).map((h) => istioHost(h, o.namespace));
        const common = hosts.filter((h) => theirHosts.includes(h));
        if (!common.length) continue;
        for (const q of arr(o.spec.ports)) {
          if (!isObj(q) || num(q.number) !== n || protocolOf(q) === mine) continue;
          const set = clash.get(fullName(o)) ?? new Set<string>();
          set.add(protocolOf(q) || 'unset');
          clash.set(fullName(o), set);
          common.forEach((h) => sharedHosts.add(h));
        }
      }
      if (!clash.size) return;
      const path: PathSeg[] = str(p.protocol) !== undefined ? ['spec', 'ports', i, 'protocol'] : ['spec', 'ports', i];
      const theirs = [...clash].sort(([a], [b]) => a.localeCompare(b)).map(([name, ps]) => `${[...ps].sort().join('/')} in ServiceEntry ${name}`);
      ctx.report(res, {
        path,
        on: 'value',
        message: `Port ${n} of ${listText([...sharedHosts].sort().map((h) => `"${h}"`))} is ${mine || 'unset (auto-detected)'} here but ${listText(theirs)}; Istio keeps only one protocol per host and port, chosen by creation order.`,
      });
    });
  },
};
