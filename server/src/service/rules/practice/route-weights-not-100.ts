import { objs, type Resource } from '../../workspace';
import { replaceValue, setField } from '../fixes';
import type { Fix, Rule, RuleContext } from '../types';
import { ROUTE_SECTIONS, VS } from './util';

/** Integers proportional to `weights` that sum to 100 (largest remainder); an even split when all are 0. */
export function normalise(weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const base = sum > 0 ? weights : weights.map(() => 1);
  const total = base.reduce((a, b) => a + b, 0);
  const exact = base.map((w) => (w * 100) / total);
  const out = exact.map(Math.floor);
  let left = 100 - out.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    if (base[i] === 0) continue;
    out[i]++;
    left--;
  }
  return out;
}

export const routeWeightsNot100: Rule = {
  id: 'practice/route-weights-not-100',
  severity: 'warning',
  kinds: [VS],
  doc: {
    summary: 'The weights of a VirtualService route with several destinations do not add up to 100.',
    why: 'Istio reads weights as relative shares, so "90/20" silently means 82/18; readers (and older Istio versions, which rejected it) expect percentages. A route whose weights are all 0 or missing has no clear split at all.',
    fix: 'Scale the weights so they sum to 100 (the quick fix keeps the proportions).',
  },
  check(ctx: RuleContext, res: Resource) {
    for (const section of ROUTE_SECTIONS) {
      objs(res.spec[section]).forEach((route, i) => {
        const dests = objs(route.route);
        if (dests.length < 2 || !Array.isArray(route.route) || dests.length !== route.route.length) return;
        // weights must be numbers or absent; anything else is a schema error reported elsewhere
        if (dests.some((d) => d.weight !== undefined && (typeof d.weight !== 'number' || d.weight < 0 || !Number.isInteger(d.weight)))) return;
        const weights = dests.map((d) => (d.weight as number | undefined) ?? 0);
        const sum = weights.reduce((a, b) => a + b, 0);
        if (sum === 100) return;
        const target = normalise(weights);
        const edits: Fix['edits'] = [];
        let ok = true;
        dests.forEach((d, j) => {
          const p = ['spec', section, i, 'route', j];
          const f = d.weight !== undefined ? replaceValue(res, [...p, 'weight'], String(target[j]), '') : setField(res, p, 'weight', String(target[j]), '');
          if (f) edits.push(...f.edits);
          else ok = false;
        });
        const fix: Fix | undefined = ok ? { title: `Scale the weights to ${target.join('/')}`, edits } : undefined;
        ctx.report(res, {
          path: ['spec', section, i, 'route'],
          message: sum === 0
            ? `This route splits traffic between ${dests.length} destinations but gives them no weights (they sum to 0, not 100).`
            : `The weights of this route's destinations sum to ${sum}, not 100: Istio reads them as relative shares (${weights.map((w) => `${Math.round((w * 1000) / sum) / 10}%`).join(', ')}).`,
          fixes: fix ? [fix] : undefined,
        });
      });
    }
  },
};
