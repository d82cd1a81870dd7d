/**
 * Kubeconfig: where it is read from, the contexts it offers, and a connection for one context.
 *
 * @kubernetes/client-node's KubeConfig does the parsing and the authentication (tokens, client
 * certificates, exec credential plugins, OIDC/Azure/GCP auth providers, proxies, CA and
 * insecure-skip-tls-verify). It is imported lazily (only when a cluster command runs), from its
 * `config` module alone, so neither activation nor the bundle pays for the generated API classes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { KubeError } from './errors';
import { Redactor, secretsOfKubeconfig } from './redact';
import { KubeConnection } from './rest';
import type { TargetDescription } from './protect';
import type { Logger } from './types';

export interface KubeconfigSource {
  /** Value of the `meshYaml.kubeconfig` setting: one path, or several separated like KUBECONFIG. `~` is expanded. */
  setting?: string;
  /** Environment (KUBECONFIG); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Home folder; defaults to os.homedir(). */
  homeDir?: string;
}

export interface ContextInfo {
  name: string;
  cluster: string;
  server: string;
  user: string;
  /** Namespace the context sets, if any. */
  namespace?: string;
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') || p.startsWith('~\\') ? path.join(home, p.slice(2)) : p;
}

/**
 * The kubeconfig files to read, in kubectl's precedence: the setting, else KUBECONFIG (a list),
 * else ~/.kube/config. Missing files in a list are ignored, as kubectl does.
 */
export function kubeconfigPaths(src: KubeconfigSource = {}): { files: string[]; from: 'setting' | 'KUBECONFIG' | 'default' } {
  const env = src.env ?? process.env;
  const home = src.homeDir ?? os.homedir();
  const split = (v: string): string[] =>
    v
      .split(path.delimiter)
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => path.resolve(expandHome(s, home)));
  if (src.setting && src.setting.trim()) return { files: split(src.setting), from: 'setting' };
  if (env.KUBECONFIG && env.KUBECONFIG.trim()) return { files: split(env.KUBECONFIG), from: 'KUBECONFIG' };
  return { files: [path.join(home, '.kube', 'config')], from: 'default' };
}

interface RawKubeconfig {
  'current-context'?: string;
  contexts?: { name?: string; context?: { cluster?: string; user?: string; namespace?: string } }[];
  clusters?: { name?: string; cluster?: { server?: string } }[];
}

/**
 * Contexts and current context, read with the `yaml` package only (no client-node): cheap
 * enough for the status bar at activation. First definition of a name wins, as in kubectl.
 */
export function readContextsLight(src: KubeconfigSource = {}): { contexts: ContextInfo[]; currentContext?: string; files: string[] } {
  const { files } = kubeconfigPaths(src);
  const contexts: ContextInfo[] = [];
  const servers = new Map<string, string>();
  let currentContext: string | undefined;
  const raws: RawKubeconfig[] = [];
  for (const f of files) {
    try {
      const raw = parseYaml(fs.readFileSync(f, 'utf8')) as RawKubeconfig | null;
      if (raw && typeof raw === 'object') raws.push(raw);
    } catch {
      /* unreadable: the full load reports it */
    }
  }
  for (const raw of raws) for (const c of raw.clusters ?? []) if (c?.name && !servers.has(c.name)) servers.set(c.name, c.cluster?.server ?? '');
  for (const raw of raws) {
    currentContext ??= raw['current-context'] || undefined;
    for (const c of raw.contexts ?? []) {
      if (!c?.name || contexts.some((x) => x.name === c.name)) continue;
      contexts.push({ name: c.name, cluster: c.context?.cluster ?? '', user: c.context?.user ?? '', namespace: c.context?.namespace || undefined, server: servers.get(c.context?.cluster ?? '') ?? '' });
    }
  }
  return { contexts, currentContext, files };
}

export interface LoadedKubeconfig {
  files: string[];
  contexts: ContextInfo[];
  currentContext?: string;
  /** Knows every credential value of the loaded files. */
  redactor: Redactor;
  /** The client-node object (opaque to callers). */
  readonly kc: KubeConfig;
}

type ConfigModule = typeof import('@kubernetes/client-node/dist/config.js');
let configModule: Promise<ConfigModule> | undefined;
/** Loads client-node's KubeConfig module on first use. */
function clientNode(): Promise<ConfigModule> {
  configModule ??= import('@kubernetes/client-node/dist/config.js');
  return configModule;
}

/** Reads and merges the kubeconfig files (first definition of a name wins; first current-context wins). */
export async function loadKubeconfig(src: KubeconfigSource = {}): Promise<LoadedKubeconfig> {
  const { files, from } = kubeconfigPaths(src);
  const existing = files.filter((f) => fs.existsSync(f));
  if (existing.length === 0) {
    const where =
      from === 'setting' ? `the meshYaml.kubeconfig setting (${files.join(', ')})` : from === 'KUBECONFIG' ? `KUBECONFIG (${files.join(', ')})` : files[0];
    throw new KubeError('config', `No kubeconfig found at ${where}. Create one (e.g. with "kind create cluster"), set KUBECONFIG, or set meshYaml.kubeconfig.`);
  }
  const { KubeConfig } = await clientNode();
  const clusters: KubeConfig['clusters'] = [];
  const users: KubeConfig['users'] = [];
  const contexts: KubeConfig['contexts'] = [];
  let current: string | undefined;
  const redactor = new Redactor();
  for (const f of existing) {
    const one = new KubeConfig();
    try {
      one.loadFromFile(f, { onInvalidEntry: 'filter' });
    } catch (e) {
      throw new KubeError('config', `Cannot read the kubeconfig ${f}: ${redactor.redact((e as Error).message)}`);
    }
    redactor.add(...secretsOfKubeconfig(one.users as unknown as Record<string, unknown>[], one.clusters as unknown as Record<string, unknown>[]));
    for (const c of one.clusters) if (!clusters.some((x) => x.name === c.name)) clusters.push(c);
    for (const u of one.users) if (!users.some((x) => x.name === u.name)) users.push(u);
    for (const c of one.contexts) if (!contexts.some((x) => x.name === c.name)) contexts.push(c);
    current ??= one.currentContext || undefined;
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters, users, contexts, currentContext: current ?? '' });
  return {
    files: existing,
    contexts: contexts.map((c) => ({
      name: c.name,
      cluster: c.cluster,
      user: c.user,
      namespace: c.namespace || undefined,
      server: clusters.find((x) => x.name === c.cluster)?.server ?? '',
    })),
    currentContext: current,
    redactor,
    kc,
  };
}

export interface ConnectOptions {
  /** Context to use; defaults to the kubeconfig's current context. */
  contextName?: string;
  /** Namespace for documents without one; defaults to the context's, else "default". */
  namespace?: string;
  /** Per-request timeout. */
  timeoutMs?: number;
  logger?: Logger;
}

/** The context, cluster and namespace a command will act on. */
export function describeTarget(loaded: LoadedKubeconfig, contextName?: string, namespace?: string): TargetDescription {
  const name = contextName || loaded.currentContext;
  if (!name) throw new KubeError('config', `The kubeconfig (${loaded.files.join(', ')}) has no current context. Run "Mesh: Select Kube Context".`);
  const ctx = loaded.contexts.find((c) => c.name === name);
  if (!ctx) throw new KubeError('config', `Context "${name}" is not in the kubeconfig (${loaded.files.join(', ')}). Run "Mesh: Select Kube Context".`);
  if (!ctx.server) throw new KubeError('config', `Context "${name}" names cluster "${ctx.cluster}", which the kubeconfig does not define (or has no server).`);
  return { contextName: ctx.name, clusterName: ctx.cluster, server: ctx.server, user: ctx.user, namespace: namespace || ctx.namespace || 'default' };
}

/**
 * A connection for one context: client-node computes the credentials (running an exec plugin
 * if the user has one) and the TLS agent; the requests themselves are made by KubeConnection.
 */
export async function connect(loaded: LoadedKubeconfig, opts: ConnectOptions = {}): Promise<KubeConnection> {
  const target = describeTarget(loaded, opts.contextName, opts.namespace);
  const { KubeConfig } = await clientNode();
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: loaded.kc.clusters, users: loaded.kc.users, contexts: loaded.kc.contexts, currentContext: target.contextName });
  const httpsOpts: { headers?: Record<string, string | string[] | number>; agent?: unknown; ca?: Buffer; cert?: Buffer; key?: Buffer; auth?: string } = {};
  try {
    await kc.applyToHTTPSOptions(httpsOpts as never);
  } catch (e) {
    const msg = loaded.redactor.redact((e as Error).message ?? String(e));
    if (/HTTP protocol is not allowed/.test(msg)) {
      throw new KubeError(
        'config',
        `Context "${target.contextName}" uses a plain-HTTP server (${target.server}); @kubernetes/client-node allows that only when the cluster sets insecure-skip-tls-verify: true.`,
      );
    }
    throw new KubeError('credentials', `Could not get credentials for context "${target.contextName}" (user "${target.user}"): ${msg}`);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(httpsOpts.headers ?? {})) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
  if (httpsOpts.auth) headers.Authorization = `Basic ${Buffer.from(httpsOpts.auth).toString('base64')}`;
  // Credentials computed now (exec plugins, token files) are secrets too.
  const auth = headers.Authorization ?? headers.authorization;
  if (auth) loaded.redactor.add(auth, auth.replace(/^\S+\s+/, ''));
  for (const b of [httpsOpts.key, httpsOpts.cert, httpsOpts.ca]) if (b) loaded.redactor.add(b.toString('utf8'), b.toString('base64'));
  return new KubeConnection({
    target,
    headers,
    agent: httpsOpts.agent as import('node:http').Agent | undefined,
    redactor: loaded.redactor,
    timeoutMs: opts.timeoutMs ?? 30_000,
    logger: opts.logger,
  });
}
