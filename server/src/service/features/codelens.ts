import { findingRange } from '../rules/locate';
import type { Rng } from '../text';
import { num, obj, objs, str, type Resource } from '../workspace';

export interface RouteLens {
  range: Rng;
  title: string;
  /** The position to preview the routing from (the resource's kind line). */
  position: { line: number; character: number };
}

function split(parts: Array<{ name: string; weight: number }>): string {
  if (parts.length < 2) return parts.length === 1 ? `100% ${parts[0].name}` : '';
  const total = parts.reduce((a, p) => a + Math.max(0, p.weight), 0);
  if (total <= 0) return 'no traffic (all weights 0)';
  return parts.map((p) => `${Math.round((1000 * Math.max(0, p.weight)) / total) / 10}% ${p.name}`).join(' / ');
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
      const parts = (weighted ?? []).map((d) => {
        const dest = obj(d.destination);
        return { name: str(dest.subset) ?? str(dest.host) ?? '?', weight: num(d.weight) ?? (weighted!.length === 1 ? 100 : 0) };
      });
      summary = [plural(rules.length, 'rule'), split(parts)].filter(Boolean).join(' · ');
    } else if (res.gk === 'gateway.networking.k8s.io/HTTPRoute' || res.gk === 'gateway.networking.k8s.io/GRPCRoute' || res.gk === 'policy.linkerd.io/HTTPRoute') {
      const rules = objs(res.spec.rules);
      const refs = rules.map((r) => objs(r.backendRefs)).find((b) => b.length > 1) ?? rules.map((r) => objs(r.backendRefs)).find((b) => b.length === 1) ?? [];
      const parts = refs.map((b) => ({ name: str(b.name) ?? '?', weight: num(b.weight) ?? 1 }));
      summary = [plural(rules.length, 'rule'), split(parts)].filter(Boolean).join(' · ');
    } else if (res.gk === 'split.smi-spec.io/TrafficSplit') {
      const parts = objs(res.spec.backends).map((b) => ({ name: str(b.service) ?? '?', weight: num(b.weight) ?? 0 }));
      summary = split(parts) || 'no backends';
    }
    if (summary === undefined) continue;
    const range = findingRange(res, ['kind'], 'value');
    out.push({ range, title: `$(type-hierarchy) ${summary} — preview routing`, position: range.start });
  }
  return out;
}
