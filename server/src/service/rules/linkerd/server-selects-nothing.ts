import { suggest } from '../../text';
import { matchesLabelSelector, stringMap, type Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { GK, serverPort, serverSelector, serverWorkloads, WORKLOAD_KINDS } from './util';

export const serverSelectsNothing: Rule = {
  id: 'linkerd/server-selects-nothing',
  severity: 'warning',
  kinds: [GK.server],
  needsWorkspace: [...WORKLOAD_KINDS, GK.externalWorkload],
  doc: {
    summary: 'A Server selects no workload of its namespace in the workspace (checked only when the namespace has workloads in the workspace).',
    why: 'A Server that selects no pods configures nothing; usually its labels do not match the pod template labels (not the Deployment labels).',
    fix: 'Make podSelector match the labels of the pod template (spec.template.metadata.labels) of the workload.',
  },
  check(ctx: RuleContext, res: Resource) {
    const sel = serverSelector(res);
    if (!sel) return;
    if (sel.kind === 'pod') {
      if (!ctx.index.hasWorkloads(res.namespace) || serverWorkloads(ctx.index, res).length) return;
      ctx.report(res, {
        path: ['spec', 'podSelector'],
        message: `This Server's podSelector matches none of the workloads of namespace "${res.namespace}" in the workspace, so it applies to no pod.`,
      });
    } else {
      const ext = ctx.index.of(GK.externalWorkload).filter((w) => w.namespace === res.namespace);
      if (!ext.length || ext.some((w) => matchesLabelSelector(sel.selector, w.labels))) return;
      ctx.report(res, {
        path: ['spec', 'externalWorkloadSelector'],
        message: `This Server's externalWorkloadSelector matches none of the ExternalWorkloads of namespace "${res.namespace}" in the workspace.`,
      });
    }
  },
};

export const serverPortNotFound: Rule = {
  id: 'linkerd/server-port-not-found',
  severity: 'warning',
  kinds: [GK.server],
  needsWorkspace: WORKLOAD_KINDS,
  doc: {
    summary: 'A Server names a port that no container of the workloads it selects declares.',
    why: 'Linkerd resolves a named Server port against the pods\' container ports; a name no container declares matches nothing, so the Server (and its authorizations) never apply.',
    fix: 'Use the name of a declared container port, or the port number.',
  },
  check(ctx: RuleContext, res: Resource) {
    const port = serverPort(res);
    if (typeof port !== 'string' || /^\d+$/.test(port)) return;
    const ws = serverWorkloads(ctx.index, res);
    if (!ws.length || ws.some((w) => w.ports.some((p) => p.name === port))) return;
    const names = [...new Set(ws.flatMap((w) => w.ports.map((p) => p.name).filter((n): n is string => !!n)))];
    const best = suggest(port, names, 1)[0];
    const fix = best ? replaceValue(res, ['spec', 'port'], best, `Change port to ${best}`) : undefined;
    const labels = Object.entries(stringMap(serverSelector(res)?.selector.matchLabels)).map(([k, v]) => `${k}=${v}`).join(',');
    ctx.report(res, {
      path: ['spec', 'port'],
      on: 'value',
      message: `No container of the selected workloads (${ws.map((w) => w.res.name).join(', ')}${labels ? `; ${labels}` : ''}) declares a port named "${port}".${names.length ? ` Declared: ${names.join(', ')}.` : ''}${best ? ` Did you mean "${best}"?` : ''}`,
      fixes: fix ? [fix] : undefined,
    });
  },
};
