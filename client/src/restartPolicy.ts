/**
 * When to restart a language server that stopped unexpectedly. Pure (no 'vscode'), so it is unit-tested alone;
 * lsp.ts turns its answers into the language client's ErrorHandler results.
 */

export interface RestartPolicyOptions {
  /** Restarts allowed within the window: the crash after that many stops the restarts. */
  maxRestarts: number;
  /** Length of the sliding window, in milliseconds. */
  windowMs: number;
}

/** As the language client's own default: 4 restarts, then the 5th crash within 3 minutes stops them. */
export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = { maxRestarts: 4, windowMs: 3 * 60 * 1000 };

export interface CrashDecision {
  /** Start the server again? */
  restart: boolean;
  /** Crashes within the window, this one included. */
  recent: number;
  /** What to tell the user (or write in the log). */
  message: string;
}

function minutes(ms: number): string {
  const m = ms / 60000;
  return m >= 1 ? `${Number(m.toFixed(1))} minute${m === 1 ? '' : 's'}` : `${Math.round(ms / 1000)} seconds`;
}

export class RestartPolicy {
  private crashes: number[] = [];

  constructor(
    readonly options: RestartPolicyOptions = DEFAULT_RESTART_POLICY,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a crash and decides: restart while no more than maxRestarts crashes fell within the window. */
  crashed(serverName: string): CrashDecision {
    const t = this.now();
    this.crashes = this.crashes.filter((c) => t - c < this.options.windowMs);
    this.crashes.push(t);
    const recent = this.crashes.length;
    const window = minutes(this.options.windowMs);
    if (recent <= this.options.maxRestarts) {
      return { restart: true, recent, message: `The ${serverName} language server stopped unexpectedly (${recent} time${recent === 1 ? '' : 's'} in the last ${window}); restarting it.` };
    }
    return { restart: false, recent, message: `The ${serverName} language server stopped unexpectedly ${recent} times in the last ${window}. It will not be restarted automatically.` };
  }

  /** Forgets past crashes (the user restarted the server by hand). */
  reset(): void {
    this.crashes = [];
  }
}

/** Errors writing to or reading from the server: carry on through the first 3, then shut the connection down. */
export function onConnectionError(count: number | undefined): 'continue' | 'shutdown' {
  return count !== undefined && count <= 3 ? 'continue' : 'shutdown';
}
