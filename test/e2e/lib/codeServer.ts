// Starting and stopping code-server (VS Code's real workbench + Node extension
// host) for the end-to-end tests and `npm start`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const CODE_SERVER = path.join(ROOT, '.e2e', 'node_modules', '.bin', 'code-server');

/** Settings for a fresh user-data dir: nothing that pops up or phones home. */
export const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'editor.hover.delay': 300,
  'editor.minimap.enabled': false,
  'files.autoSave': 'off',
};

export function writeUserSettings(userDataDir: string, extra: Record<string, unknown> = {}): void {
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...USER_SETTINGS, ...extra }, null, 2),
  );
}

export function assertCodeServerInstalled(): void {
  if (!existsSync(CODE_SERVER)) {
    throw new Error(`code-server not found at ${CODE_SERVER}; run \`npm run setup:e2e\``);
  }
}

/** Installs a .vsix into an extensions dir, offline (no marketplace needed). */
export function installVsix(vsix: string, userDataDir: string, extensionsDir: string): string {
  const common = [
    '--config', path.join(userDataDir, 'code-server-config.yaml'),
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
  ];
  const r = spawnSync(CODE_SERVER, [...common, '--force', '--install-extension', vsix], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) {
    throw new Error(`installing ${vsix} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  const list = spawnSync(CODE_SERVER, [...common, '--list-extensions', '--show-versions'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return list.stdout.trim();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface CodeServerOptions {
  port: number;
  userDataDir: string;
  extensionsDir: string;
  /** Folder to open (also passed in the URL). */
  folder: string;
  /** Where code-server's stdout/stderr go (appended). */
  logFile?: string;
  /** Inherit stdio instead of writing a log (for `npm start`). */
  inheritStdio?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface RunningCodeServer {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => {
      req.destroy();
      resolve(undefined);
    });
  });
}

export async function startCodeServer(opts: CodeServerOptions, timeoutMs = 60_000): Promise<RunningCodeServer> {
  assertCodeServerInstalled();
  const args = [
    // Own config file: otherwise code-server writes ~/.config/code-server/config.yaml.
    '--config', path.join(opts.userDataDir, 'code-server-config.yaml'),
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${opts.port}`,
    '--user-data-dir', opts.userDataDir,
    '--extensions-dir', opts.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    opts.folder,
  ];
  const env = { ...process.env, ...opts.env };
  delete env.PORT; // code-server's $PORT would override --bind-addr
  const proc = spawn(CODE_SERVER, args, {
    // Own process group, so stop() also ends the extension host and the
    // language server it spawned.
    detached: true,
    stdio: opts.inheritStdio ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    env,
  });
  if (!opts.inheritStdio && opts.logFile) {
    const log = createWriteStream(opts.logFile, { flags: 'a' });
    proc.stdout?.pipe(log);
    proc.stderr?.pipe(log);
  }
  let exited: number | null | undefined;
  const exitPromise = new Promise<void>((resolve) =>
    proc.on('exit', (code, signal) => {
      exited = code ?? (signal ? -1 : 0);
      resolve();
    }),
  );

  const stop = async (): Promise<void> => {
    if (exited !== undefined || proc.pid === undefined) return;
    const kill = (sig: NodeJS.Signals) => {
      try {
        process.kill(-proc.pid!, sig);
      } catch {
        /* already gone */
      }
    };
    kill('SIGTERM');
    const t = setTimeout(() => kill('SIGKILL'), 5000);
    await exitPromise;
    clearTimeout(t);
    // The group may still hold children (extension host, language server).
    kill('SIGKILL');
  };

  const url = `http://127.0.0.1:${opts.port}/`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`code-server exited early (code ${exited})${opts.logFile ? `; see ${opts.logFile}` : ''}`);
    const status = await httpStatus(url);
    if (status !== undefined && status < 500) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`timed out after ${timeoutMs} ms waiting for code-server to answer on ${url}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return { url, proc, stop };
}
