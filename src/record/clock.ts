// A trial's clock: real time plus the simulated model's latency, which is counted but not slept.
//
// The simulated model says how long a model of its profile would take; waiting that long makes a replay
// slow without making it truer. So it advances the trial's clock instead: every figure read from the clock
// (event times, model time, role and trial wall time, hence p50/p95) is what it would have been had it
// slept, while the run goes at the speed of the tools and the tests.
//
// Roles a workflow runs at the same time each wait on their own model: a role run is a `fork`, a lane of
// its own that starts at its parent's time and, when it ends, moves its parent on to the later of the two.
// Two roles that each waited 2 s in parallel cost the trial 2 s, not 4.
import { AsyncLocalStorage } from 'node:async_hooks';

interface Lane {
  offset: number;
}

export class TrialClock {
  private readonly t0: number;
  private readonly root: Lane = { offset: 0 };
  private readonly lanes = new AsyncLocalStorage<Lane>();
  /** The latest any lane has reached: what the time limit is checked against. */
  private furthest = 0;
  /** Virtual waits added up over all lanes (what was counted and not slept). */
  private waited = 0;
  private limit: { ms: number; onOver: () => void; timer: NodeJS.Timeout | null } | null = null;

  constructor(t0 = performance.now()) {
    this.t0 = t0;
  }

  private lane(): Lane {
    return this.lanes.getStore() ?? this.root;
  }

  /** ms since the trial started, as seen from the running branch of the trial. */
  elapsed(): number {
    return performance.now() - this.t0 + this.lane().offset;
  }

  /** A wait counted and not slept (the simulated model's generation time). */
  advance(ms: number): void {
    if (!(ms > 0)) return;
    const lane = this.lane();
    lane.offset += ms;
    this.waited += ms;
    this.furthest = Math.max(this.furthest, lane.offset);
    this.arm();
  }

  /** Runs `fn` as a branch of its own (a role run that may run beside others). */
  async fork<T>(fn: () => Promise<T>): Promise<T> {
    const parent = this.lane();
    const child: Lane = { offset: parent.offset };
    try {
      return await this.lanes.run(child, fn);
    } finally {
      parent.offset = Math.max(parent.offset, child.offset);
    }
  }

  /** ms counted without being slept, over every branch. */
  virtualMs(): number {
    return this.waited;
  }

  /** Calls `onOver` once the trial's time (real and counted) passes `ms`. */
  deadline(ms: number, onOver: () => void): void {
    this.limit = { ms, onOver, timer: null };
    this.arm();
  }

  /** No deadline any more (the trial's agent phase ended). */
  stop(): void {
    if (this.limit?.timer) clearTimeout(this.limit.timer);
    this.limit = null;
  }

  private arm(): void {
    const l = this.limit;
    if (!l) return;
    if (l.timer) clearTimeout(l.timer);
    const left = l.ms - (performance.now() - this.t0 + this.furthest);
    if (left <= 0) {
      this.limit = null;
      l.onOver();
      return;
    }
    l.timer = setTimeout(() => this.arm(), left);
  }
}
