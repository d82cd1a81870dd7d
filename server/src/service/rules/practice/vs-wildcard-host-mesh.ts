import { arr, str, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { boundToMesh, VS } from './util';

export const vsWildcardHostMesh: Rule = {
  id: 'practice/vs-wildcard-host-mesh',
  severity: 'error',
  kinds: [VS],
  doc: {
    summary: 'A VirtualService bound to the mesh (no gateways, or "mesh" among them) lists the host "*".',
    why: 'A mesh VirtualService for "*" would take over the routing of every service the sidecars call; Istio rejects it ("wildcard host * is not allowed for virtual services bound to the mesh gateway").',
    fix: 'List the service hosts the routes are meant for, or bind the VirtualService to an ingress/egress gateway only.',
  },
  check(ctx: RuleContext, res: Resource) {
    if (!boundToMesh(res)) return;
    arr(res.spec.hosts).forEach((h, i) => {
      if (str(h) !== '*') return;
      ctx.report(res, {
        path: ['spec', 'hosts', i],
        on: 'value',
        message: 'The host "*" is not allowed on a VirtualService bound to the mesh: it would capture traffic to every service. List the service hosts instead, or bind it to a gateway only.',
      });
    });
  },
};
