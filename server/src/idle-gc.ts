import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/**
 * Keeps the server's heap near what it really holds. Editing a large file makes garbage much faster than it keeps
 * data (each edit of a 400 KB file leaves the file's old text, ~1 MB with its copies, and the replaced document's
 * tree), and V8 lets its old space grow to several times the live heap before a full collection: the process then
 * keeps that memory (RSS) for good. So after a unit of work (a request answered, diagnostics published) that grew
 * the heap by more than `growth` (and a fifth of the live heap) since the last collection, the collector runs one
 * full collection (a few tens of milliseconds for a typical live heap of 30-40 MB), after the answer was sent; and
 * once the server has been idle for `idleMs`, it collects what a smaller burst left.
 */
export class IdleCollector {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private baseline: number;
  /** When the last collection ended, and how long it took. */
  private lastEnd = -Infinity;
  private lastMs = 0;
  collections = 0;

  constructor(
    private readonly collect: () => void,
    private readonly heapUsed: () => number,
    private readonly idleMs = 1000,
    private readonly growth = 4 * 1024 * 1024,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.baseline = heapUsed();
  }

  /** After any request or notification: (re)starts the idle wait. */
  activity(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.collectIfGrown(this.growth / 4);
    }, this.idleMs);
    this.timer.unref?.();
  }

  /**
   * After a unit of work whose results were sent: collect now if the heap grew by more than `growth`, unless the
   * last collection was recent: while work keeps coming (typing in a large file), collections take at most about
   * a fifth of the time (each costs in proportion to the live heap, and every edit of a large file makes garbage
   * in proportion to the file); the idle collection catches up afterwards.
   */
  afterWork(): void {
    if (this.now() - this.lastEnd < 4 * this.lastMs) return;
    this.collectIfGrown(this.growth);
  }

  private collectIfGrown(by: number): void {
    // at least a fifth of the live heap: collecting costs time in proportion to it
    if (this.heapUsed() - this.baseline < Math.max(by, this.baseline / 5)) return;
    const t0 = this.now();
    this.collect();
    this.lastEnd = this.now();
    this.lastMs = this.lastEnd - t0;
    this.collections++;
    this.baseline = this.heapUsed();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

/** V8's full collection, without starting node with --expose-gc; undefined when it cannot be had. */
export function fullGc(): (() => void) | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}
