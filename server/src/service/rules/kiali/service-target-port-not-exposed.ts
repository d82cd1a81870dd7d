import { num, str, type Resource, type Workload } from '../../workspace';
import { replaceValue, setField } from '../fixes';
import type { Fix } from '../../model';
import type { Rule, RuleContext } from '../types';
import { GK, andList, indexed, meshSettings, ref } from './util';

const GATEWAY_LABELS = ['gateway.istio.io/managed', 'gateway.networking.k8s.io/gateway-name', 'istio.io/gateway-name'];

export const serviceTargetPortNotExposed: Rule = {
  id: 'kiali/service-target-port-not-exposed',
  code: 'KIA0701',
  severity: 'warning',
  kinds: [GK.svc],
  doc: {
    summary: 'None of the workloads a Service selects declares the container port its targetPort names.',
    why: 'A named targetPort that no container declares gives the Service no endpoints; a numeric one that no container declares usually means the Service and the Deployment disagree on the port. Only reported when the Service selects at least one workload of the workspace (numeric ports only when those workloads declare ports at all).',
    fix: 'Make the Service\'s targetPort (or port, when targetPort is absent) match a containerPort (number) or a container port name of the selected workloads.',
  },
  check(ctx: RuleContext, res: Resource) {
    const selector = res.spec.selector;
    if (!selector || typeof selector !== 'object' || Array.isArray(selector) || !Object.keys(selector).length) return;
    if (res.namespace === meshSettings(ctx.index).rootNamespace || GATEWAY_LABELS.some((l) => l in res.labels)) return;
    const sel: Record<string, string> = {};
    for (const [k, v] of Object.entries(selector)) {
      const s = str(v);
      if (s === undefined) return;
      sel[k] = s;
    }
    const workloads = ctx.index.workloadsMatching(res.namespace, sel);
    if (!workloads.length) return;
    const names = workloads.map((w: Workload) => ref(w.res));
    const declared = workloads.flatMap((w) => w.ports);
    for (const [port, i] of indexed(res.spec.ports)) {
      const tp = port.targetPort;
      const named = typeof tp === 'string' && !/^\d+$/.test(tp) ? tp : undefined;
      const number = named === undefined ? (num(tp) ?? num(port.port)) : undefined;
      if (named !== undefined) {
        if (declared.some((p) => p.name === named)) continue;
      } else {
        if (number === undefined || !declared.length || declared.some((p) => p.containerPort === number)) continue;
      }
      const hasTarget = tp !== undefined && tp !== null;
      const path = hasTarget ? ['spec', 'ports', i, 'targetPort'] : ['spec', 'ports', i, 'port'];
      // offer the only port the workloads declare, when there is exactly one
      const distinct = [...new Set(declared.map((p) => (named !== undefined ? p.name : String(p.containerPort))).filter((x): x is string => !!x))];
      let fix: Fix | undefined;
      if (distinct.length === 1) {
        const title = `Set targetPort to ${distinct[0]}`;
        fix = hasTarget ? replaceValue(res, path, distinct[0], title) : setField(res, ['spec', 'ports', i], 'targetPort', distinct[0], title);
      }
      ctx.report(res, {
        path,
        on: 'value',
        message: `${named !== undefined ? `Target port name "${named}"` : `Target port ${number}`} of Service port ${str(port.name) ?? str(port.port) ?? `#${i + 1}`} is not declared by ${names.length > 1 ? 'any of ' : ''}${andList(names)}${distinct.length ? ` (declared: ${distinct.join(', ')})` : ''}.`,
        fixes: fix ? [fix] : undefined,
      });
    }
  },
};
