import type { PathSeg } from '../model';
import { findingRange } from '../rules/locate';
import { destinationRulesFor as chosenDestinationRules } from '../rules/istio/util';
import { vsDestinations } from '../rules/istio/vs-destination-host-not-found';
import type { Rng } from '../text';
import { get, isObj, matchesLabelSelector, matchesSelector, obj, objs, istioHost, str, stringMap, strings, type Resource, type WorkspaceIndex } from '../workspace';

export interface RefEnd {
  res: Resource;
  path: PathSeg[];
}

/** A reference from a field of one resource to (a field of) another: the edges of navigation. */
export interface RefEdge {
  from: RefEnd;
  to: RefEnd;
}

const NAME: PathSeg[] = ['metadata', 'name'];

function hostTargets(index: WorkspaceIndex, host: string, namespace: string): RefEnd[] {
  const fqdn = istioHost(host, namespace);
  const found = index.lookupHost(fqdn, namespace);
  const out: RefEnd[] = [];
  if (found.service) out.push({ res: found.service.res, path: NAME });
  for (const e of found.entries) {
    const k = strings(e.res.spec.hosts).indexOf(e.host);
    out.push({ res: e.res, path: k >= 0 ? ['spec', 'hosts', k] : NAME });
  }
  // what defines the host without exporting it to the namespace is still what the name refers to (IST0101 says why
  // it does not resolve): navigation leads there
  for (const r of found.hidden) {
    const k = strings(r.spec.hosts).indexOf(fqdn);
    out.push({ res: r, path: r.gk !== '/Service' && k >= 0 ? ['spec', 'hosts', k] : NAME });
  }
  return out;
}

/** The DestinationRules a client in `namespace` uses for `fqdn`, as istiod picks them (wildcard hosts included). */
function destinationRulesFor(index: WorkspaceIndex, fqdn: string, namespace: string): Resource[] {
  return chosenDestinationRules(index, fqdn, namespace).drs.map((d) => d.res);
}

/** ServiceAccounts of a namespace: their manifests, else the workloads that run as the account. */
function serviceAccountTargets(index: WorkspaceIndex, namespace: string, name: string | undefined): RefEnd[] {
  if (!name || name === '*') return [];
  const manifests = named(index, ['/ServiceAccount'], namespace, name);
  if (manifests.length) return manifests;
  return index
    .workloads()
    .filter((w) => w.namespace === namespace && w.serviceAccount === name)
    .map((w) => ({ res: w.res, path: NAME }));
}

function workloadTargets(index: WorkspaceIndex, namespace: string, match: (labels: Record<string, string>) => boolean): RefEnd[] {
  return index
    .workloads()
    .filter((w) => w.namespace === namespace && match(w.labels))
    .map((w) => ({ res: w.res, path: NAME }));
}

function named(index: WorkspaceIndex, gks: string[], namespace: string, name: string | undefined): RefEnd[] {
  if (!name) return [];
  return gks.flatMap((gk) => {
    const r = index.find(gk, namespace, name);
    return r ? [{ res: r, path: NAME }] : [];
  });
}

/** Every reference made by one resource. */
export function edgesFrom(index: WorkspaceIndex, res: Resource): RefEdge[] {
  const out: RefEdge[] = [];
  const add = (path: PathSeg[], targets: RefEnd[]): void => {
    for (const t of targets) out.push({ from: { res, path }, to: t });
  };
  const spec = res.spec;
  switch (res.gk) {
    case 'networking.istio.io/VirtualService': {
      for (const d of vsDestinations(res)) {
        add([...d.path, 'host'], hostTargets(index, d.host, res.namespace));
        if (d.subset) {
          const fqdn = istioHost(d.host, res.namespace);
          for (const dr of destinationRulesFor(index, fqdn, res.namespace)) {
            const i = objs(dr.spec.subsets).findIndex((s) => str(s.name) === d.subset);
            if (i >= 0) add([...d.path, 'subset'], [{ res: dr, path: ['spec', 'subsets', i, 'name'] }]);
          }
        }
      }
      const gwRef = (g: string): RefEnd[] => {
        if (g === 'mesh') return [];
        const [ns, name] = g.includes('/') ? g.split('/', 2) : [res.namespace, g];
        return named(index, ['networking.istio.io/Gateway'], ns, name);
      };
      strings(spec.gateways).forEach((g, i) => add(['spec', 'gateways', i], gwRef(g)));
      objs(spec.http).forEach((h, i) => objs(h.match).forEach((m, j) => strings(m.gateways).forEach((g, k) => add(['spec', 'http', i, 'match', j, 'gateways', k], gwRef(g)))));
      break;
    }
    case 'networking.istio.io/DestinationRule': {
      const h = str(spec.host);
      if (h) add(['spec', 'host'], hostTargets(index, h, res.namespace));
      break;
    }
    case '/Service': {
      const sel = stringMap(spec.selector);
      if (Object.keys(sel).length) add(['spec', 'selector'], workloadTargets(index, res.namespace, (l) => matchesSelector(sel, l)));
      break;
    }
    case 'networking.istio.io/Gateway': {
      const sel = stringMap(spec.selector);
      if (Object.keys(sel).length) add(['spec', 'selector'], index.workloads().filter((w) => matchesSelector(sel, w.labels)).map((w) => ({ res: w.res, path: NAME })));
      break;
    }
    case 'networking.istio.io/Sidecar': {
      const sel = stringMap(get(spec, 'workloadSelector', 'labels'));
      if (Object.keys(sel).length) add(['spec', 'workloadSelector', 'labels'], workloadTargets(index, res.namespace, (l) => matchesSelector(sel, l)));
      break;
    }
    case 'security.istio.io/AuthorizationPolicy':
    case 'security.istio.io/PeerAuthentication':
    case 'security.istio.io/RequestAuthentication':
    case 'telemetry.istio.io/Telemetry':
    case 'extensions.istio.io/WasmPlugin': {
      const sel = stringMap(get(spec, 'selector', 'matchLabels'));
      if (Object.keys(sel).length) add(['spec', 'selector', 'matchLabels'], workloadTargets(index, res.namespace, (l) => matchesSelector(sel, l)));
      break;
    }
    case 'policy.linkerd.io/Server': {
      if (spec.podSelector) add(['spec', 'podSelector'], workloadTargets(index, res.namespace, (l) => matchesLabelSelector(spec.podSelector, l)));
      break;
    }
    case 'policy.linkerd.io/AuthorizationPolicy': {
      const t = obj(spec.targetRef);
      const kind = str(t.kind);
      const gk = kind === 'Server' ? 'policy.linkerd.io/Server' : kind === 'HTTPRoute' ? (str(t.group) === 'gateway.networking.k8s.io' ? 'gateway.networking.k8s.io/HTTPRoute' : 'policy.linkerd.io/HTTPRoute') : kind === 'GRPCRoute' ? 'gateway.networking.k8s.io/GRPCRoute' : kind === 'Namespace' ? '/Namespace' : '';
      if (gk) add(['spec', 'targetRef', 'name'], gk === '/Namespace' ? index.of('/Namespace').filter((n) => n.name === str(t.name)).map((n) => ({ res: n, path: NAME })) : named(index, [gk], str(t.namespace) ?? res.namespace, str(t.name)));
      objs(spec.requiredAuthenticationRefs).forEach((r, i) => {
        const k = str(r.kind);
        const g = k === 'MeshTLSAuthentication' ? 'policy.linkerd.io/MeshTLSAuthentication' : k === 'NetworkAuthentication' ? 'policy.linkerd.io/NetworkAuthentication' : k === 'ServiceAccount' ? '/ServiceAccount' : '';
        if (g) add(['spec', 'requiredAuthenticationRefs', i, 'name'], named(index, [g], str(r.namespace) ?? res.namespace, str(r.name)));
      });
      break;
    }
    case 'policy.linkerd.io/ServerAuthorization': {
      const name = str(get(spec, 'server', 'name'));
      if (name) add(['spec', 'server', 'name'], named(index, ['policy.linkerd.io/Server'], res.namespace, name));
      const selector = get(spec, 'server', 'selector');
      if (isObj(selector)) {
        add(
          ['spec', 'server', 'selector'],
          index
            .of('policy.linkerd.io/Server')
            .filter((s) => s.namespace === res.namespace && matchesLabelSelector(selector, s.labels))
            .map((s) => ({ res: s, path: NAME })),
        );
      }
      break;
    }
    case 'policy.linkerd.io/HTTPLocalRateLimitPolicy': {
      const t = obj(spec.targetRef);
      if ((str(t.kind) ?? 'Server') === 'Server') add(['spec', 'targetRef', 'name'], named(index, ['policy.linkerd.io/Server'], res.namespace, str(t.name)));
      objs(spec.overrides).forEach((o, i) =>
        objs(o.clientRefs).forEach((c, j) => {
          if ((str(c.kind) ?? 'ServiceAccount') === 'ServiceAccount') add(['spec', 'overrides', i, 'clientRefs', j, 'name'], serviceAccountTargets(index, str(c.namespace) ?? res.namespace, str(c.name)));
        }),
      );
      break;
    }
    case 'policy.linkerd.io/MeshTLSAuthentication': {
      objs(spec.identityRefs).forEach((r, i) => {
        const kind = str(r.kind) ?? 'ServiceAccount';
        const name = str(r.name);
        if (kind === 'Namespace') add(['spec', 'identityRefs', i, 'name'], index.of('/Namespace').filter((n) => n.name === name).map((n) => ({ res: n, path: NAME })));
        else if (kind === 'ServiceAccount') add(['spec', 'identityRefs', i, 'name'], serviceAccountTargets(index, str(r.namespace) ?? res.namespace, name));
      });
      break;
    }
    case 'policy.linkerd.io/HTTPRoute':
    case 'gateway.networking.k8s.io/HTTPRoute':
    case 'gateway.networking.k8s.io/GRPCRoute':
    case 'gateway.networking.k8s.io/TCPRoute':
    case 'gateway.networking.k8s.io/TLSRoute': {
      objs(spec.parentRefs).forEach((p, i) => {
        const kind = str(p.kind) ?? 'Gateway';
        const gk = kind === 'Server' ? 'policy.linkerd.io/Server' : kind === 'Service' ? '/Service' : 'gateway.networking.k8s.io/Gateway';
        add(['spec', 'parentRefs', i, 'name'], named(index, [gk], str(p.namespace) ?? res.namespace, str(p.name)));
      });
      objs(spec.rules).forEach((rule, i) =>
        objs(rule.backendRefs).forEach((b, j) => {
          if ((str(b.kind) ?? 'Service') !== 'Service') return;
          add(['spec', 'rules', i, 'backendRefs', j, 'name'], named(index, ['/Service'], str(b.namespace) ?? res.namespace, str(b.name)));
        }),
      );
      break;
    }
    case 'split.smi-spec.io/TrafficSplit': {
      const svc = str(spec.service);
      if (svc) add(['spec', 'service'], named(index, ['/Service'], res.namespace, svc.split('.')[0]));
      objs(spec.backends).forEach((b, i) => add(['spec', 'backends', i, 'service'], named(index, ['/Service'], res.namespace, str(b.service))));
      break;
    }
    default:
      break;
  }
  return out;
}

function startsWith(path: PathSeg[], prefix: PathSeg[]): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => p === path[i]);
}

export interface NavLocation {
  uri: string;
  range: Rng;
}

function loc(end: RefEnd): NavLocation {
  return { uri: end.res.uri, range: findingRange(end.res, end.path, 'value') };
}

/** Go to definition: the targets of the reference under the cursor. */
export function definition(index: WorkspaceIndex, res: Resource, path: PathSeg[]): NavLocation[] {
  return edgesFrom(index, res)
    .filter((e) => startsWith(path, e.from.path))
    .map((e) => loc(e.to));
}

function sameEnd(a: RefEnd, b: RefEnd): boolean {
  return a.res.uri === b.res.uri && a.res.startLine === b.res.startLine && a.path.length === b.path.length && a.path.every((p, i) => p === b.path[i]);
}

/**
 * Find references: every field in the workspace that refers to the thing under the cursor (a resource's
 * name, a DestinationRule subset, a ServiceEntry host), or, on a reference, every other reference to its target.
 */
export function references(index: WorkspaceIndex, res: Resource, path: PathSeg[], includeDeclaration: boolean): NavLocation[] {
  const all = index.resources.flatMap((r) => edgesFrom(index, r));
  let targets: RefEnd[] = all.filter((e) => e.to.res.uri === res.uri && e.to.res.startLine === res.startLine && startsWith(path, e.to.path)).map((e) => e.to);
  if (!targets.length) targets = all.filter((e) => sameEnd(e.from, { res, path }) || (e.from.res === res && startsWith(path, e.from.path))).map((e) => e.to);
  if (!targets.length && path.length === 2 && path[0] === 'metadata' && path[1] === 'name') targets = [{ res, path: NAME }];
  const out: NavLocation[] = [];
  const seen = new Set<string>();
  const push = (l: NavLocation): void => {
    const k = `${l.uri}:${l.range.start.line}:${l.range.start.character}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(l);
    }
  };
  for (const t of targets) {
    if (includeDeclaration) push(loc(t));
    for (const e of all) if (sameEnd(e.to, t)) push(loc(e.from));
  }
  return out;
}
