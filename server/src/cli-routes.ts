import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MeshService } from './service';
import { parseRouteTests, runRouteTests, simulate, type SimRequest, type SimulationResult } from './service/routing';
import * as explain from './service/routing/explain';
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
  --port N                  port (default: the scheme's, 80 or 443, when the Service, gateway server or
                            listener has it; else the Service's only or first port, or the gateway's
                            first server / listener of that scheme)
  --method M                HTTP method (default GET)
  --path P                  path, may include ?query (default /)
  --header k=v              request header (repeatable; "k: v" also accepted)
  --query k=v               query parameter (repeatable)
  --scheme http|https       scheme (default http, or https with --port 443); picks the port when --port is absent
  --source-namespace NS     namespace of the calling workload
  --source-principal P      caller identity (cluster.local/ns/NS/sa/SA)
  --source-label k=v        label of the calling workload (repeatable)
  --source-ip IP            caller address (ipBlocks, NetworkAuthentication)
  --gateway mesh|ns/name    entry point (default: guessed from the host)
  --format text|json        output format (default text)

Exit status: 0 the request is answered as configured (routed, passed through, redirected, direct response),
1 it is not: no route (404), denied (403), or a broken destination / mTLS conflict (5xx); 2 bad usage.`;

export const TEST_ROUTES_USAGE = `Usage: mesh-lint test-routes FILE... [--format text|json]

Runs route-test files: each case is a request and the expected destinations, status, outcome, authorization,
match, mTLS, entry or actions. The configuration to load is listed under \`paths:\` relative to the test file.
Unknown keys and cases that expect nothing are errors (file:line:column, with a did-you-mean).

Exit status: 0 all cases pass, 1 a case fails, 2 bad usage, an invalid test file or unreadable input.`;

class UsageError extends Error {}
/** Bad input (an unreadable file, an invalid route-test file): exit 2, without the usage text. */
class InputError extends Error {}

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
      case '--scheme': {
        const v = value().toLowerCase();
        if (v !== 'http' && v !== 'https') throw new UsageError(`--scheme must be http or https, got "${v}"`);
        req.scheme = v;
        break;
      }
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

type ResourceJson = { kind: string; namespace: string; name: string };
type AuthzJson = { decision: string; policy: string | null; rule: number | null; reason: string };

/**
 * The JSON shape of `mesh-lint simulate --format json`. The documented fields come first and keep their shape
 * (matched, destinations, actions, mtls, authorization {decision, policy}); the rest explain the answer.
 */
export interface SimulationJson {
  /** The rule (or the resource, for a TrafficSplit / ServiceProfile dstOverrides) that decided; null when none did. */
  matched: { resource: ResourceJson; rule: number | string | null; summary: string; delegatedFrom: { resource: ResourceJson; rule: number | string | null } | null } | null;
  /** Percents sum to 100 whenever there are destinations. */
  destinations: Array<{ host: string; subset: string | null; port: number | null; percent: number }>;
  actions: Record<string, unknown>;
  /** Server-side mode on the hop to the (largest-share or failing) destination: STRICT, PERMISSIVE, DISABLE, MUTUAL or NONE. */
  mtls: string;
  /** ALLOW, DENY, or NOT_EVALUATED when the request reaches no workload; `rule` is the index in the deciding policy. */
  authorization: AuthzJson & { custom: Array<{ policy: string; provider: string | null }>; gateway: AuthzJson | null };
  /** The HTTP status the simulator predicts (200 forwarded, 404 no route, 403 denied, 503 broken or mTLS conflict, redirect and direct-response codes). */
  status: number;
  outcome: string;
  /** The request as simulated: the scheme and port actually used. */
  request: { method: string; scheme: string; host: string; port: number | null; path: string; resolvedHost: string };
  entry: { kind: string; name: string; listener: { name: string | null; port: number; protocol: string; hosts: string[]; tls: string | null } | null };
  /** Rules looked at before the match, with why they did not win. */
  skipped: Array<{ resource: ResourceJson; rule: number | string; reason: string }>;
  /** null when no request reaches a workload (there is no hop). */
  mtlsDetails: {
    server: string;
    level: string;
    policy: string | null;
    client: string;
    clientPolicy: string | null;
    effective: string;
    /** Set when client and server cannot agree (the connection fails, 503). */
    conflict: string | null;
    reason: string;
  } | null;
  notes: string[];
}

function resJson(r: ResourceJson): ResourceJson {
  return { kind: r.kind, namespace: r.namespace, name: r.name };
}

function nsNameOf(r: { namespace: string; name: string } | undefined): string | null {
  return r ? (r.namespace ? `${r.namespace}/${r.name}` : r.name) : null;
}

function authzJson(a: SimulationResult['authorization']): AuthzJson {
  return { decision: a.decision, policy: a.policy, rule: a.rule ?? null, reason: a.reason };
}

export function simulationJson(r: SimulationResult): SimulationJson {
  const m = r.matched;
  const l = r.entry.listener;
  const t = r.mtls;
  const gw = r.gatewayAuthorization && r.gatewayAuthorization !== r.authorization ? authzJson(r.gatewayAuthorization) : null;
  return {
    matched: m
      ? {
          resource: resJson(m.resource),
          rule: m.ruleName ?? m.rule,
          summary: m.summary,
          delegatedFrom: m.delegatedFrom ? { resource: resJson(m.delegatedFrom.resource), rule: m.delegatedFrom.ruleName ?? m.delegatedFrom.rule } : null,
        }
      : null,
    destinations: r.destinations.map((d) => ({ host: d.host, subset: d.subset, port: d.port, percent: d.percent })),
    actions: JSON.parse(JSON.stringify(r.actions)) as Record<string, unknown>,
    mtls: t.mode,
    authorization: { ...authzJson(r.authorization), custom: (r.authorization.custom ?? []).map((c) => ({ policy: c.policy, provider: c.provider ?? null })), gateway: gw },
    status: r.status,
    outcome: r.outcome,
    request: { method: r.request.method, scheme: r.resolvedScheme, host: r.request.host, port: r.resolvedPort ?? null, path: r.request.path, resolvedHost: r.resolvedHost },
    entry: { kind: r.entry.kind, name: r.entry.name, listener: l ? { name: l.name ?? null, port: l.port, protocol: l.protocol, hosts: l.hosts, tls: l.tls ?? null } : null },
    skipped: r.skipped.map((s) => ({ resource: resJson(s.resource), rule: s.ruleName ?? s.rule, reason: s.reason })),
    mtlsDetails: !r.destinations.length
      ? null
      : {
          server: t.mode,
          level: t.level,
          policy: nsNameOf(t.policy),
          client: t.client,
          clientPolicy: nsNameOf(t.clientPolicy),
          effective: t.effective,
          conflict: t.effective === 'fails' ? t.reason : null,
          reason: t.reason,
        },
    notes: r.notes,
  };
}

const pad = (label: string): string => `${label}:`.padEnd(15);

/** A readable explanation of a simulation (the phrases are the routing preview's, see routing/explain.ts). */
export function simulationText(r: SimulationResult): string {
  const lines: string[] = [];
  const more = (text: string): void => void lines.push(`${' '.repeat(15)}${text}`);
  lines.push(`${pad('Request')}${explain.requestText(r)}`);
  lines.push(`${pad('Entry')}${explain.entryText(r.entry)}`);
  if (r.resolvedHost !== r.request.host) lines.push(`${pad('Host')}${r.resolvedHost}`);
  for (const s of r.skipped) lines.push(`${pad('Skipped')}${explain.skippedText(s)}`);
  const m = r.matched;
  if (m) {
    lines.push(`${pad('Matched')}${explain.matchedText(m)}`);
    const d = explain.delegationText(m);
    if (d) more(d);
  } else lines.push(`${pad('Matched')}${explain.noMatchText(r)}`);
  if (r.destinations.length) {
    lines.push('Destinations:');
    for (const d of r.destinations) {
      lines.push(`  ${`${d.percent}%`.padStart(7)}  ${explain.destinationText(d)}${explain.destinationTail(d)}`);
      for (const p of d.problems) lines.push(`           ! ${p}`);
    }
  } else lines.push(`${pad('Destinations')}none`);
  const acts = explain.actionTexts(r.actions);
  if (acts.length) lines.push(`${pad('Actions')}${acts.join('; ')}`);
  lines.push(`${pad('mTLS')}${explain.mtlsText(r.mtls)}`);
  lines.push(`${pad('Authorization')}${explain.authzText(r.authorization)}`);
  const custom = explain.customText(r.authorization);
  if (custom) more(custom);
  if (r.gatewayAuthorization && r.gatewayAuthorization !== r.authorization) lines.push(`${pad('At gateway')}${explain.authzText(r.gatewayAuthorization)}`);
  lines.push(`${pad('Status')}${explain.statusText(r)}`);
  for (const n of r.notes) lines.push(`${pad('Note')}${n}`);
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
  return explain.failed(r) ? 1 : 0;
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
    const text = await readRegularFile(file);
    const parsed = parseRouteTests(text, file);
    if (!parsed.file || parsed.errors.length) throw new InputError(`${file} is not a valid route-test file:\n${parsed.errors.map((e) => `  ${e}`).join('\n')}`);
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
    if (e instanceof InputError) {
      io.stderr(`mesh-lint ${command}: ${e.message}\n`);
      return 2;
    }
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
  for (const f of [...new Set(files)]) service.setFile(pathToFileURL(path.resolve(f)).href, await readRegularFile(f));
  return service;
}

/** Reads a file the user named; a folder, FIFO or device is refused (reading a FIFO would block), errors name it. */
async function readRegularFile(file: string): Promise<string> {
  try {
    const st = await fs.promises.stat(file);
    if (st.isDirectory()) throw new InputError(`${file}: is a folder, not a file`);
    if (!st.isFile()) throw new InputError(`${file}: not a regular file`);
    return await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}
