import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MeshService } from './service';
import { parseRouteTests, runRouteTests, simulate, type SimRequest, type SimulationResult } from './service/routing';
import { findSchemasDir, SchemaRegistry } from './service/schema/registry';
import { listYamlFiles } from './workspace-scan';

export type RoutesCommand = 'simulate' | 'test-routes';

/** Where the commands write; defaults to the process streams. */
export interface RoutesIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const PROCESS_IO: RoutesIO = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

export const SIMULATE_USAGE = `Usage: mesh-lint simulate [paths...] --host HOST [options]

Simulates one request against the Istio, Gateway API, Linkerd and SMI routing in the files and folders given
(default: the current folder) and explains which rule matches, where the request goes, and whether it is allowed.

  --host HOST               host the client asks for (short name, name.namespace, FQDN or external host)
  --port N                  port (default: the Service's port, or the gateway server's)
  --method M                HTTP method (default GET)
  --path P                  path, may include ?query (default /)
  --header k=v              request header (repeatable; "k: v" also accepted)
  --query k=v               query parameter (repeatable)
  --scheme http|https       scheme (picks the gateway server when --port is absent)
  --source-namespace NS     namespace of the calling workload
  --source-principal P      caller identity (cluster.local/ns/NS/sa/SA)
  --source-label k=v        label of the calling workload (repeatable)
  --source-ip IP            caller address (ipBlocks, NetworkAuthentication)
  --gateway mesh|ns/name    entry point (default: guessed from the host)
  --format text|json        output format (default text)

Exit status: 0 routed (or passed through, redirected, answered), 1 no route matched, 2 bad usage.`;

export const TEST_ROUTES_USAGE = `Usage: mesh-lint test-routes FILE... [--format text|json]

Runs route-test files: each case is a request and the expected destinations, status, authorization, match,
mTLS or actions. The configuration to load is listed under \`paths:\` relative to the test file.

Exit status: 0 all cases pass, 1 a case fails, 2 bad usage or unreadable input.`;

class UsageError extends Error {}

function keyValue(v: string, flag: string): [string, string] {
  const m = /^([^=:]+)(?:=|:\s*)(.*)$/.exec(v);
  if (!m) throw new UsageError(`${flag} takes key=value, got "${v}"`);
  return [m[1].trim(), m[2]];
}

interface SimArgs {
  paths: string[];
  request: SimRequest;
  format: 'text' | 'json';
}

function parseSimulateArgs(argv: string[]): SimArgs | 'help' {
  const paths: string[] = [];
  const req: Partial<SimRequest> & { headers: Record<string, string>; query: Record<string, string>; sourceLabels: Record<string, string> } = { headers: {}, query: {}, sourceLabels: {} };
  let format: 'text' | 'json' = 'text';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq >= 0 ? a.slice(0, eq) : a;
    const value = (): string => {
      if (eq >= 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--host':
        req.host = value();
        break;
      case '--port': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 65535) throw new UsageError(`--port must be a port number, got "${v}"`);
        req.port = Number(v);
        break;
      }
      case '--method':
        req.method = value();
        break;
      case '--path':
        req.path = value();
        break;
      case '--scheme':
        req.scheme = value();
        break;
      case '--header':
      case '-H': {
        const [k, v] = keyValue(value(), flag);
        req.headers[k] = v;
        break;
      }
      case '--query': {
        const [k, v] = keyValue(value(), flag);
        req.query[k] = v;
        break;
      }
      case '--source-namespace':
        req.sourceNamespace = value();
        break;
      case '--source-principal':
        req.sourcePrincipal = value();
        break;
      case '--source-label': {
        const [k, v] = keyValue(value(), flag);
        req.sourceLabels[k] = v;
        break;
      }
      case '--source-ip':
        req.sourceIp = value();
        break;
      case '--gateway':
        req.gateway = value();
        break;
      case '--format': {
        const f = value();
        if (f !== 'text' && f !== 'json') throw new UsageError(`unknown format "${f}" (use text or json)`);
        format = f;
        break;
      }
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
        paths.push(a);
    }
  }
  if (!req.host) throw new UsageError('--host is required');
  const request: SimRequest = { ...req, host: req.host };
  if (!Object.keys(req.headers).length) delete request.headers;
  if (!Object.keys(req.query).length) delete request.query;
  if (!Object.keys(req.sourceLabels).length) delete request.sourceLabels;
  return { paths: paths.length ? paths : ['.'], request, format };
}

/** The JSON shape of `mesh-lint simulate --format json`. */
export function simulationJson(r: SimulationResult): {
  matched: { resource: { kind: string; namespace: string; name: string }; rule: number | string } | null;
  destinations: Array<{ host: string; subset: string | null; port: number | null; percent: number }>;
  actions: Record<string, unknown>;
  mtls: string;
  authorization: { decision: string; policy: string | null };
} {
  const m = r.matched;
  return {
    matched: m ? { resource: { kind: m.resource.kind, namespace: m.resource.namespace, name: m.resource.name }, rule: m.ruleName ?? m.rule } : null,
    destinations: r.destinations.map((d) => ({ host: d.host, subset: d.subset, port: d.port, percent: d.percent })),
    actions: JSON.parse(JSON.stringify(r.actions)) as Record<string, unknown>,
    mtls: r.mtls.mode,
    authorization: { decision: r.authorization.decision, policy: r.authorization.policy },
  };
}

function describeActions(r: SimulationResult): string[] {
  const a = r.actions;
  const out: string[] = [];
  if (a.redirect) out.push(`redirect ${a.redirect.status} to ${a.redirect.location}`);
  if (a.directResponse) out.push(`direct response ${a.directResponse.status}${a.directResponse.body ? `: ${a.directResponse.body}` : ''}`);
  if (a.rewrite) out.push(`rewrite${a.rewrite.path !== undefined ? ` path to ${a.rewrite.path}` : ''}${a.rewrite.authority ? ` host to ${a.rewrite.authority}` : ''}`);
  if (a.timeout) out.push(`timeout ${a.timeout}`);
  if (a.backendTimeout) out.push(`backend timeout ${a.backendTimeout}`);
  if (a.retries) {
    const x = a.retries;
    out.push(`retries${x.attempts !== undefined ? ` ${x.attempts}` : ''}${x.perTryTimeout ? ` x ${x.perTryTimeout}` : ''}${x.retryOn ? ` on ${x.retryOn}` : ''}${x.codes ? ` on ${x.codes.join(',')}` : ''}${x.budget ? ' (retry budget)' : ''}`);
  }
  if (a.fault?.delay) out.push(`fault: delay ${a.fault.delay.fixedDelay ?? '?'} for ${a.fault.delay.percent}%`);
  if (a.fault?.abort) out.push(`fault: abort ${a.fault.abort.httpStatus ?? a.fault.abort.grpcStatus ?? '?'} for ${a.fault.abort.percent}%`);
  for (const m of a.mirrors ?? []) out.push(`mirror ${m.percent}% to ${m.host}${m.subset ? `/${m.subset}` : ''}${m.port ? `:${m.port}` : ''}`);
  if (a.requestHeaders) out.push(`request headers ${JSON.stringify(a.requestHeaders)}`);
  if (a.responseHeaders) out.push(`response headers ${JSON.stringify(a.responseHeaders)}`);
  if (a.cors) out.push('CORS policy');
  for (const o of a.other ?? []) out.push(`filter ${o} (not simulated)`);
  return out;
}

/** A readable explanation of a simulation. */
export function simulationText(r: SimulationResult): string {
  const q = r.request;
  const lines: string[] = [];
  const port = r.resolvedPort;
  lines.push(`Request:       ${q.method} ${q.scheme ?? 'http'}://${q.host}${port ? `:${port}` : ''}${q.path}${q.query && Object.keys(q.query).length ? `?${new URLSearchParams(q.query).toString()}` : ''}`);
  const entry = r.entry.kind === 'mesh' ? 'mesh (sidecar to sidecar)' : `${r.entry.kind === 'istio-gateway' ? 'Istio Gateway' : 'Gateway'} ${r.entry.name}`;
  const l = r.entry.listener;
  lines.push(`Entry:         ${entry}${l ? `, ${l.name ? `${l.name} ` : ''}(${l.protocol} ${l.port}${l.tls ? `, TLS ${l.tls}` : ''})` : ''}`);
  if (r.resolvedHost !== q.host) lines.push(`Host:          ${r.resolvedHost}`);
  for (const s of r.skipped) lines.push(`Skipped:       ${s.resource.kind} ${s.resource.namespace}/${s.resource.name} rule ${s.rule}${s.ruleName ? ` "${s.ruleName}"` : ''}: ${s.reason}`);
  const m = r.matched;
  if (m) {
    lines.push(`Matched:       ${m.resource.kind} ${m.resource.namespace}/${m.resource.name} rule ${m.rule}${m.ruleName ? ` "${m.ruleName}"` : ''} (${m.summary})`);
    if (m.delegatedFrom) lines.push(`               delegated from ${m.delegatedFrom.resource.kind} ${m.delegatedFrom.resource.namespace}/${m.delegatedFrom.resource.name} rule ${m.delegatedFrom.rule}`);
  } else lines.push(`Matched:       no rule${r.outcome === 'passthrough' ? ' (no route config: passthrough to the Service)' : ''}`);
  if (r.destinations.length) {
    lines.push('Destinations:');
    for (const d of r.destinations) {
      const ws = d.workloads.map((w) => `${w.ref.kind} ${w.ref.name}`).join(', ');
      lines.push(`  ${`${d.percent}%`.padStart(7)}  ${d.host}${d.subset ? ` subset ${d.subset}` : ''}${d.port ? ` port ${d.port}` : ''}${ws ? ` -> ${ws}` : ''}${d.status !== 200 ? `  [${d.status}]` : ''}`);
      for (const p of d.problems) lines.push(`           ! ${p}`);
    }
  } else lines.push('Destinations:  none');
  const acts = describeActions(r);
  if (acts.length) lines.push(`Actions:       ${acts.join('; ')}`);
  lines.push(`mTLS:          ${r.mtls.mode} (${r.mtls.reason})`);
  const az = r.authorization;
  lines.push(`Authorization: ${az.decision}${az.policy ? ` by ${az.policy}${az.rule !== undefined ? ` rule ${az.rule}` : ''}` : ''} (${az.reason})`);
  if (az.custom?.length) lines.push(`               CUSTOM ${az.custom.map((c) => `${c.policy}${c.provider ? ` (${c.provider})` : ''}`).join(', ')} decides first (assumed to allow)`);
  if (r.gatewayAuthorization && r.gatewayAuthorization !== az) lines.push(`At gateway:    ${r.gatewayAuthorization.decision} (${r.gatewayAuthorization.reason})`);
  lines.push(`Status:        ${r.status}`);
  for (const n of r.notes) lines.push(`Note:          ${n}`);
  return lines.join('\n');
}

async function runSimulate(argv: string[], load: (paths: string[]) => Promise<MeshService>, io: RoutesIO): Promise<number> {
  const args = parseSimulateArgs(argv);
  if (args === 'help') {
    io.stdout(SIMULATE_USAGE + '\n');
    return 0;
  }
  const service = await load(args.paths);
  const r = simulate(service.index(), args.request);
  io.stdout((args.format === 'json' ? JSON.stringify(simulationJson(r), null, 2) : simulationText(r)) + '\n');
  return r.outcome === 'not-found' || r.outcome === 'error' ? 1 : 0;
}

async function runTestRoutes(argv: string[], load: (paths: string[]) => Promise<MeshService>, io: RoutesIO): Promise<number> {
  const files: string[] = [];
  let format: 'text' | 'json' = 'text';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      io.stdout(TEST_ROUTES_USAGE + '\n');
      return 0;
    }
    if (a === '--format' || a.startsWith('--format=')) {
      const f = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (f !== 'text' && f !== 'json') throw new UsageError(`unknown format "${f ?? ''}" (use text or json)`);
      format = f;
    } else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else files.push(a);
  }
  if (!files.length) throw new UsageError('test-routes needs a route-test FILE');
  let passed = 0;
  let failed = 0;
  const json: Array<{ file: string; name: string; ok: boolean; failures: string[] }> = [];
  const lines: string[] = [];
  let n = 0;
  for (const file of files) {
    let text: string;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch (e) {
      throw new UsageError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    const parsed = parseRouteTests(text);
    if (!parsed.file || parsed.errors.length) throw new UsageError(`${file}: ${parsed.errors.join('; ')}`);
    const dir = path.dirname(path.resolve(file));
    const service = await load(parsed.file.paths.map((p) => path.resolve(dir, p)));
    const index = service.index();
    for (const r of runRouteTests(parsed.file, (req) => simulate(index, req))) {
      n++;
      if (r.ok) passed++;
      else failed++;
      json.push({ file, name: r.name, ok: r.ok, failures: r.failures });
      lines.push(`${r.ok ? 'ok' : 'not ok'} ${n} - ${r.name}`);
      for (const f of r.failures) lines.push(`  # ${f}`);
    }
  }
  const summary = `${passed} passed, ${failed} failed`;
  io.stdout((format === 'json' ? JSON.stringify({ results: json, passed, failed }, null, 2) : [...lines, summary].join('\n')) + '\n');
  return failed ? 1 : 0;
}

/**
 * Runs `mesh-lint simulate` or `mesh-lint test-routes` (argv: the arguments after the subcommand). `load` builds
 * the service from files and folders (see `loadMeshService`). Returns the exit status: 0 ok, 1 no route / a failing
 * case, 2 bad usage or unreadable input.
 */
export async function runRoutesCommand(command: RoutesCommand, argv: string[], load: (paths: string[]) => Promise<MeshService>, io: RoutesIO = PROCESS_IO): Promise<number> {
  try {
    return command === 'simulate' ? await runSimulate(argv, load, io) : await runTestRoutes(argv, load, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`mesh-lint ${command}: ${e.message}\n${command === 'simulate' ? SIMULATE_USAGE : TEST_ROUTES_USAGE}\n`);
      return 2;
    }
    io.stderr(`mesh-lint ${command}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  }
}

/** A loader for runRoutesCommand: YAML files and folders (recursively) into a fresh MeshService. */
export async function loadMeshService(paths: string[], schemasDir: string = findSchemasDir(__dirname)): Promise<MeshService> {
  const service = new MeshService(new SchemaRegistry(schemasDir));
  const files: string[] = [];
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(p);
    } catch {
      throw new UsageError(`${p}: no such file or folder`);
    }
    files.push(...(st.isDirectory() ? await listYamlFiles(p) : [p]));
  }
  for (const f of [...new Set(files)]) service.setFile(pathToFileURL(path.resolve(f)).href, await fs.promises.readFile(f, 'utf8'));
  return service;
}
