import { percentages, quantity } from '../routing/util';
import { findingRange } from '../rules/locate';
import type { Rng } from '../text';
import { num, obj, objs, str, type Resource } from '../workspace';

export interface RouteLens {
  range: Rng;
  title: string;
  /** The position to preview the routing from (the resource's kind line). */
  position: { line: number; character: number };
}

/** The shares as the simulator computes them (percentages summing to 100). */
function split(parts: Array<{ name: string; weight: number }>): string {
  if (parts.length < 2) return parts.length === 1 ? `100% ${parts[0].name}` : '';
  const pct = percentages(parts.map((p) => p.weight));
  if (pct.every((p) => p === 0)) return 'no traffic (all weights 0)';
  return parts.map((p, i) => `${pct[i]}% ${p.name}`).join(' / ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A one-line routing summary per VirtualService, HTTPRoute, GRPCRoute and TrafficSplit, opening the preview. */
export function routeLenses(resources: Resource[]): RouteLens[] {
  const out: RouteLens[] = [];
  for (const res of resources) {
    let summary: string | undefined;
    if (res.gk === 'networking.istio.io/VirtualService') {
      const rules = [...objs(res.spec.http), ...objs(res.spec.tcp), ...objs(res.spec.tls)];
      const weighted = rules.map((r) => objs(r.route)).find((rs) => rs.length > 1) ?? rules.map((r) => objs(r.route)).find((rs) => rs.length === 1);
      // As the simulator: a lone destination takes everything; without any weight Istio splits equally.
      const unweighted = (weighted ?? []).every((d) => num(d.weight) === undefined);
      const parts = (weighted ?? []).map((d) => {
        const dest = obj(d.destination);
        return { name: str(dest.subset) ?? str(dest.host) ?? '?', weight: num(d.weight) ?? (weighted!.length === 1 ? 100 : unweighted ? 1 : 0) };
      });
      summary = [plural(rules.length, 'rule'), split(parts)].filter(Boolean).join(' · ');
    } else if (res.gk === 'gateway.networking.k8s.io/HTTPRoute' || res.gk === 'gateway.networking.k8s.io/GRPCRoute' || res.gk === 'policy.linkerd.io/HTTPRoute') {
      const rules = objs(res.spec.rules);
      const refs = rules.map((r) => objs(r.backendRefs)).find((b) => b.length > 1) ?? rules.map((r) => objs(r.backendRefs)).find((b) => b.length === 1) ?? [];
      const parts = refs.map((b) => ({ name: str(b.name) ?? '?', weight: num(b.weight) ?? 1 }));
      summary = [plural(rules.length, 'rule'), split(parts)].filter(Boolean).join(' · ');
    } else if (res.gk === 'split.smi-spec.io/TrafficSplit') {
      // SMI weights are numbers (v1alpha2+) or quantities such as `900m` (v1alpha1): the simulator's parser.
      const parts = objs(res.spec.backends).map((b) => ({ name: str(b.service) ?? '?', weight: quantity(b.weight) }));
      summary = split(parts) || 'no backends';
    }
    if (summary === undefined) continue;
    const range = findingRange(res, ['kind'], 'value');
    out.push({ range, title: `$(type-hierarchy) ${summary} — preview routing`, position: range.start });
  }
  return out;
}
