import { isObj, num, objs, type Resource } from '../../workspace';
import { replaceValue, setField } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { durationMs, formatMs, VS } from './util';

/** The retry settings of each http route that retries: attempts, perTryTimeout and route timeout in ms. */
function retrying(res: Resource): Array<{ i: number; attempts: number; perTry?: number; perTryRaw?: string; timeout?: number; timeoutRaw?: string }> {
  const out: ReturnType<typeof retrying> = [];
  objs(res.spec.http).forEach((route, i) => {
    const r = route.retries;
    if (!isObj(r)) return;
    const attempts = num(r.attempts);
    if (!attempts || attempts < 1) return; // 0 (or unset) disables retries
    const timeout = durationMs(route.timeout);
    out.push({
      i,
      attempts,
      perTry: durationMs(r.perTryTimeout),
      perTryRaw: typeof r.perTryTimeout === 'string' ? r.perTryTimeout : undefined,
      timeout: timeout && timeout > 0 ? timeout : undefined,
      timeoutRaw: typeof route.timeout === 'string' ? route.timeout : undefined,
    });
  });
  return out;
}

export const retryWithoutPerTryTimeout: Rule = {
  id: 'practice/retry-without-per-try-timeout',
  severity: 'info',
  kinds: [VS],
  doc: {
    summary: 'An HTTP route retries without a perTryTimeout.',
    why: 'Without a per-try timeout a single slow attempt can use up the whole request timeout, so the retries never happen when they are most needed (a hung upstream).',
    fix: 'Set retries.perTryTimeout (the quick fix uses 2s, or less so that attempts × perTryTimeout fits the route timeout).',
  },
  check(ctx: RuleContext, res: Resource) {
    for (const r of retrying(res)) {
      if (r.perTryRaw !== undefined || r.perTry !== undefined) continue;
      let ms = 2000;
      if (r.timeout !== undefined && r.attempts * ms > r.timeout) ms = Math.floor(r.timeout / r.attempts);
      const fix = ms >= 1 ? setField(res, ['spec', 'http', r.i, 'retries'], 'perTryTimeout', formatMs(ms), `Add perTryTimeout: ${formatMs(ms)}`) : undefined;
      ctx.report(res, {
        path: ['spec', 'http', r.i, 'retries'],
        message: `This route retries ${r.attempts} time${r.attempts > 1 ? 's' : ''} but sets no perTryTimeout: one slow attempt can use up the whole ${r.timeoutRaw ? `${r.timeoutRaw} route timeout` : 'request'} and leave no time to retry.`,
        fixes: fix ? [fix] : undefined,
      });
    }
  },
};

export const retryExceedsTimeout: Rule = {
  id: 'practice/retry-exceeds-timeout',
  severity: 'warning',
  kinds: [VS],
  doc: {
    summary: 'attempts × perTryTimeout of an HTTP route is longer than the route timeout.',
    why: 'The route timeout cuts the request off before the retries configured can run, so the later attempts never happen and the retry settings are misleading.',
    fix: 'Lower perTryTimeout to at most timeout / attempts (the quick fix does that), lower attempts, or raise the route timeout.',
  },
  check(ctx: RuleContext, res: Resource) {
    for (const r of retrying(res)) {
      if (r.perTry === undefined || r.timeout === undefined || r.attempts * r.perTry <= r.timeout) continue;
      const ms = Math.floor(r.timeout / r.attempts);
      const fix = ms >= 1 ? replaceValue(res, ['spec', 'http', r.i, 'retries', 'perTryTimeout'], formatMs(ms), `Lower perTryTimeout to ${formatMs(ms)}`) : undefined;
      ctx.report(res, {
        path: ['spec', 'http', r.i, 'retries', 'perTryTimeout'],
        on: 'value',
        message: `${r.attempts} attempts × ${r.perTryRaw} per try is longer than the route timeout (${r.timeoutRaw}): the timeout ends the request before all retries can run.`,
        fixes: fix ? [fix] : undefined,
      });
    }
  },
};
