import type { PathSeg } from '../../model';
import { arr, str, type Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Fix, Rule, RuleContext } from '../types';
import { DR, routeDestinations, VS } from './util';

export const shortHostOtherNamespace: Rule = {
  id: 'practice/short-host-other-namespace',
  severity: 'warning',
  kinds: [VS, DR],
  needsWorkspace: ['/Service'],
  doc: {
    summary: 'A VirtualService or DestinationRule names a host by its short name, no Service of that name exists in the resource\'s namespace, but one exists in another namespace.',
    why: 'Istio always reads a short name in the namespace of the resource that uses it ("reviews" in namespace "web" is reviews.web.svc.cluster.local), so the rule configures a host that does not exist instead of the intended Service.',
    fix: 'Write the fully qualified name (name.namespace.svc.cluster.local) of the Service meant.',
  },
  check(ctx: RuleContext, res: Resource) {
    const services = ctx.index.of('/Service');
    const hosts: Array<{ host: string; path: PathSeg[] }> = [];
    if (res.gk === DR) {
      const h = str(res.spec.host);
      if (h) hosts.push({ host: h, path: ['spec', 'host'] });
    } else {
      arr(res.spec.hosts).forEach((h, i) => {
        const s = str(h);
        if (s) hosts.push({ host: s, path: ['spec', 'hosts', i] });
      });
      for (const d of routeDestinations(res)) hosts.push({ host: d.host, path: [...d.path, 'host'] });
    }
    for (const { host, path } of hosts) {
      if (host.includes('.') || host.includes('*')) continue;
      if (services.some((s) => s.name === host && s.namespace === res.namespace)) continue;
      const elsewhere = [...new Set(services.filter((s) => s.name === host).map((s) => s.namespace))].sort();
      if (!elsewhere.length) continue;
      const fixes = elsewhere
        .map((ns) => replaceValue(res, path, `${host}.${ns}.svc.cluster.local`, `Change to ${host}.${ns}.svc.cluster.local`))
        .filter((f): f is Fix => !!f);
      ctx.report(res, {
        path,
        on: 'value',
        message: `"${host}" means ${host}.${res.namespace}.svc.cluster.local here (short names resolve in the resource's namespace), but Service "${host}" is in namespace ${elsewhere.map((n) => `"${n}"`).join(', ')}. Write the full name.`,
        fixes,
      });
    }
  },
};
