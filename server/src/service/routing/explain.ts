/**
 * Phrases that explain a simulation, shared by `mesh-lint simulate` (text output) and the routing preview's
 * answer panel (webview), so both say the same thing. Pure: it imports types only, so the webview bundle can use it.
 */
import type { AuthzResult, EntryPoint, MatchedRule, MtlsInfo, Outcome, ResRef, SimActions, SimDestination, SimulationResult, SkippedRule } from './types';

function ref(r: Pick<ResRef, 'kind' | 'namespace' | 'name'>): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

/** `VirtualService ns/name rule 1 "canary"`; a resource that decides as a whole has no rule part. */
export function ruleRef(resource: Pick<ResRef, 'kind' | 'namespace' | 'name'>, rule: number | null, ruleName?: string): string {
  return `${ref(resource)}${rule !== null ? ` rule ${rule}` : ''}${ruleName ? ` "${ruleName}"` : ''}`;
}

/** The request as it was simulated: method, the scheme and port actually used, host, path and query. */
export function requestText(r: SimulationResult): string {
  const q = r.request;
  const query = q.query && Object.keys(q.query).length ? `?${new URLSearchParams(q.query).toString()}` : '';
  return `${q.method} ${r.resolvedScheme}://${q.host}${r.resolvedPort !== undefined ? `:${r.resolvedPort}` : ''}${q.path}${query}`;
}

export function entryText(e: EntryPoint): string {
  if (e.kind === 'mesh') return 'mesh (sidecar to sidecar)';
  const l = e.listener;
  const what = e.kind === 'istio-gateway' ? 'Istio Gateway' : 'Gateway';
  const part = e.kind === 'istio-gateway' ? 'server' : 'listener';
  return `${what} ${e.name}${l ? `, ${part} ${l.name ? `${l.name} ` : ''}(${l.protocol} ${l.port}${l.tls ? `, TLS ${l.tls}` : ''})` : ''}`;
}

export function matchedText(m: MatchedRule): string {
  return `${ruleRef(m.resource, m.rule, m.ruleName)} (${m.summary})`;
}

export function delegationText(m: MatchedRule): string | undefined {
  const d = m.delegatedFrom;
  return d ? `delegated from ${ruleRef(d.resource, d.rule, d.ruleName)}` : undefined;
}

export function noMatchText(r: SimulationResult): string {
  if (r.destinations.length) return 'no rule (no route configuration: passed through to the Service)';
  if (r.outcome === 'redirect') return 'no rule (the server redirects)';
  return 'no rule';
}

export function skippedText(s: SkippedRule): string {
  return `${ruleRef(s.resource, s.rule, s.ruleName)}: ${s.reason}`;
}

/** `reviews.ns.svc.cluster.local (v1) port 9080`. */
export function destinationText(d: Pick<SimDestination, 'host' | 'subset' | 'port'>): string {
  return `${d.host}${d.subset ? ` (${d.subset})` : ''}${d.port ? ` port ${d.port}` : ''}`;
}

/** `-> Deployment reviews-v1` and ` [503]` when that share does not get 200. */
export function destinationTail(d: SimDestination): string {
  const ws = d.workloads.map((w) => `${w.ref.kind} ${w.ref.name}`).join(', ');
  return `${ws ? ` -> ${ws}` : ''}${d.status !== 200 ? ` [${d.status}]` : ''}`;
}

export function actionTexts(a: SimActions): string[] {
  const out: string[] = [];
  if (a.redirect) out.push(`redirect ${a.redirect.status} to ${a.redirect.location}`);
  if (a.directResponse) out.push(`direct response ${a.directResponse.status}${a.directResponse.body ? `: ${a.directResponse.body}` : ''}`);
  if (a.rewrite) {
    const rw = a.rewrite;
    out.push(`rewrite${rw.regex ? ` (regex ${rw.regex.match} -> ${rw.regex.rewrite})` : ''}${rw.path !== undefined ? ` path to ${rw.path}` : ''}${rw.authority ? ` host to ${rw.authority}` : ''}`);
  }
  if (a.timeout) out.push(`timeout ${a.timeout}`);
  if (a.backendTimeout) out.push(`backend timeout ${a.backendTimeout}`);
  if (a.retries) {
    const x = a.retries;
    out.push(`retries${x.attempts !== undefined ? ` ${x.attempts}` : ''}${x.perTryTimeout ? ` x ${x.perTryTimeout}` : ''}${x.retryOn ? ` on ${x.retryOn}` : ''}${x.codes ? ` on ${x.codes.join(',')}` : ''}${x.backoff ? ` backoff ${x.backoff}` : ''}${x.budget ? ' (retry budget)' : ''}`);
  }
  if (a.fault?.delay) out.push(`fault: delay ${a.fault.delay.fixedDelay ?? '?'} for ${a.fault.delay.percent}%`);
  if (a.fault?.abort) out.push(`fault: abort ${a.fault.abort.httpStatus ?? a.fault.abort.grpcStatus ?? '?'} for ${a.fault.abort.percent}%`);
  for (const m of a.mirrors ?? []) out.push(`mirror ${m.percent}% to ${m.host}${m.subset ? ` (${m.subset})` : ''}${m.port ? ` port ${m.port}` : ''}`);
  if (a.requestHeaders) out.push(`request headers ${JSON.stringify(a.requestHeaders)}`);
  if (a.responseHeaders) out.push(`response headers ${JSON.stringify(a.responseHeaders)}`);
  if (a.cors) out.push('CORS policy');
  for (const o of a.other ?? []) out.push(`filter ${o} (not simulated)`);
  return out;
}

/** Server mode, client mode, what goes over the wire, and why. */
export function mtlsText(m: MtlsInfo): string {
  if (m.mode === 'NONE' && m.effective !== 'tls') return `NONE: ${m.reason}`;
  const wire = m.effective === 'fails' ? 'FAILS' : m.effective === 'mtls' ? 'mutual TLS' : m.effective === 'tls' ? 'TLS' : 'plaintext';
  return `${m.mode} (server) / ${m.client} (client) -> ${wire}: ${m.reason}`;
}

export function authzText(a: AuthzResult): string {
  const by = a.policy ? ` by ${a.policy}${a.rule !== undefined ? ` rule ${a.rule}` : ''}` : '';
  return `${a.decision}${by} (${a.reason})`;
}

export function customText(a: AuthzResult): string | undefined {
  if (!a.custom?.length) return undefined;
  return `CUSTOM ${a.custom.map((c) => `${c.policy}${c.provider ? ` (${c.provider})` : ''}`).join(', ')} decides first (assumed to allow)`;
}

const OUTCOME_TEXT: Record<Outcome, string> = {
  routed: 'routed',
  passthrough: 'passed through to the Service',
  redirect: 'redirect',
  'direct-response': 'direct response',
  'not-found': 'no route',
  denied: 'denied by authorization',
  error: 'error: the request fails',
};

export function statusText(r: Pick<SimulationResult, 'status' | 'outcome'>): string {
  return `${r.status} (${OUTCOME_TEXT[r.outcome] ?? r.outcome})`;
}

/** Does the request fail (no route, denied, broken)? For the answer's colour and the CLI's exit status. */
export function failed(r: Pick<SimulationResult, 'outcome'>): boolean {
  return r.outcome === 'not-found' || r.outcome === 'denied' || r.outcome === 'error';
}
