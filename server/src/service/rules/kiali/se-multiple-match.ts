import { WorkspaceIndex, num, str, strings, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { GK, andList, indexed, lc, ref, same } from './util';

/** Can some proxy see both ServiceEntries (exportTo)? */
function meet(a: Resource, b: Resource): boolean {
  const ea = strings(a.spec.exportTo);
  const eb = strings(b.spec.exportTo);
  return WorkspaceIndex.visible(ea, a.namespace, b.namespace) || WorkspaceIndex.visible(eb, b.namespace, a.namespace) || (ea.some((e) => e !== '.' && e !== a.namespace && eb.includes(e)));
}

export const seMultipleMatch: Rule = {
  id: 'kiali/se-multiple-match',
  code: 'KIA1211',
  severity: 'warning',
  kinds: [GK.se],
  needsWorkspace: [GK.se],
  doc: {
    summary: 'More than one ServiceEntry defines the same host and port (with the same protocol).',
    why: 'Istio keeps one definition per host and port, so the resolution, endpoints and location of the other ServiceEntry are ignored depending on which one it sees first. (ServiceEntries that disagree on the protocol are reported by the protocol-conflict rule.)',
    fix: 'Define each host:port in one ServiceEntry: merge them, or remove the duplicate host.',
  },
  check(ctx: RuleContext, res: Resource) {
    const hosts = strings(res.spec.hosts).map(lc);
    if (!hosts.length) return;
    const others = ctx.index.of(GK.se).filter((o) => !same(o, res) && meet(res, o));
    for (const [port, p] of indexed(res.spec.ports)) {
      const number = num(port.number);
      if (number === undefined) continue;
      const protocol = (str(port.protocol) ?? '').toUpperCase();
      const clashes: string[] = [];
      const clashHosts = new Set<string>();
      for (const o of others) {
        const common = strings(o.spec.hosts).map(lc).filter((h) => hosts.includes(h));
        if (!common.length) continue;
        const samePort = indexed(o.spec.ports).some(([op]) => num(op.number) === number && (str(op.protocol) ?? '').toUpperCase() === protocol);
        if (!samePort) continue;
        clashes.push(ref(o));
        common.forEach((h) => clashHosts.add(h));
      }
      if (!clashes.length) continue;
      ctx.report(res, {
        path: ['spec', 'ports', p],
        message: `${andList([...clashHosts])} port ${number}${protocol ? ` (${protocol})` : ''} is also defined by ${andList(clashes)}: only one definition is used.`,
      });
    }
  },
};
