import type { Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { GK, resolvePort, selectorKey, selectsAll, serverPort, serverSelector, serverWorkloads } from './util';

/** Why two Servers claim the same pod port, or undefined when they do not. */
function conflict(ctx: RuleContext, a: Resource, b: Resource): string | undefined {
  const sa = serverSelector(a);
  const sb = serverSelector(b);
  const pa = serverPort(a);
  const pb = serverPort(b);
  if (!sa || !sb || pa === undefined || pb === undefined || sa.kind !== sb.kind) return undefined;
  if (pa === pb && (selectsAll(sa.selector) || selectsAll(sb.selector) || selectorKey(sa.selector) === selectorKey(sb.selector))) {
    return `Server "${b.name}" also selects these pods on port ${String(pb)}`;
  }
  if (sa.kind !== 'pod') return undefined;
  const mine = serverWorkloads(ctx.index, a);
  if (!mine.length) return undefined;
  const theirs = new Set(serverWorkloads(ctx.index, b));
  for (const w of mine) {
    if (!theirs.has(w)) continue;
    const ports = resolvePort(pb, w);
    const shared = resolvePort(pa, w).find((p) => ports.includes(p));
    if (shared !== undefined) return `Server "${b.name}" also claims port ${shared} of ${w.res.kind} "${w.res.name}"`;
  }
  return undefined;
}

export const serverPortConflict: Rule = {
  id: 'linkerd/server-port-conflict',
  severity: 'error',
  kinds: [GK.server],
  needsWorkspace: [GK.server],
  doc: {
    summary: 'Two Servers in a namespace claim the same port of the same pods.',
    why: 'Linkerd applies only one Server per pod port (the oldest) and merely logs "Port already matched by another server; skipping" for the other, so the other Server and every authorization attached to it silently do nothing. The admission webhook rejects identical selectors on the same port.',
    fix: 'Merge the two Servers, or narrow their podSelectors or ports so that each pod port has exactly one Server.',
  },
  check(ctx: RuleContext, res: Resource) {
    if (!serverSelector(res) || serverPort(res) === undefined) return;
    for (const other of ctx.index.of(GK.server)) {
      if (other === res || other.namespace !== res.namespace || other.name === res.name) continue;
      const why = conflict(ctx, res, other);
      if (why) {
        ctx.report(res, {
          path: ['spec', 'port'],
          on: 'value',
          message: `${why}: Linkerd uses only one Server per pod port and ignores the other, with its authorizations.`,
        });
        return;
      }
    }
  },
};
