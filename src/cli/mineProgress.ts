// What a person watching `bench suite mine` sees, on stderr: which commit of how many is being examined,
// what runs for it (an install for which lockfile, tests before or after the change), tasks found so
// far and an ETA. On a terminal, a live line under the permanent ones (tasks found, installs, candidates
// whose tests ran); elsewhere (CI logs, pipes), one plain line per step.
import { createLogUpdate } from 'log-update';
import type { MineEvent, MineStats } from '../suite/mine.ts';
import { clock } from './progress.ts';

export class MineProgress {
  private readonly stream: NodeJS.WriteStream;
  private readonly log: ReturnType<typeof createLogUpdate> | null;
  private readonly started = performance.now();
  /** What each candidate under way is doing, by its index. */
  private readonly running = new Map<number, { sha: string; what: string }>();
  private readonly installing = new Set<string>();
  private total = 0;
  private limit = 0;
  private examined = 0;
  private found = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(stream: NodeJS.WriteStream) {
    this.stream = stream;
    // As replay's progress decides: a live line only on a terminal that can show one.
    const live = !!stream.isTTY && stream.rows !== 0 && process.env.TERM !== 'dumb' && !process.env.CI;
    this.log = live ? createLogUpdate(stream, { showCursor: true }) : null;
  }

  handle = (e: MineEvent): void => {
    if (e.type === 'listed') {
      this.total = e.total;
      this.limit = e.limit;
      this.print(`mining: ${e.total} commit(s) to examine for up to ${e.limit} task(s), ${e.jobs} at a time`);
      if (this.log) this.timer = setInterval(() => this.draw(), 250).unref();
    } else if (e.type === 'setup') {
      const s = e.setup;
      if (s.phase === 'start') {
        this.installing.add(s.label);
        if (!this.log) this.print(`install for ${s.label}: ${s.command}  ${this.status()}`);
      } else {
        this.installing.delete(s.label);
        this.print(`install for ${s.label} ${s.ok ? 'done' : 'FAILED'} in ${(s.durationMs / 1000).toFixed(1)}s  ${this.status()}`);
      }
    } else if (e.type === 'step') {
      this.running.set(e.index, { sha: e.sha, what: e.what });
      if (!this.log) this.print(`[${this.place(e.index)}] ${e.sha.slice(0, 8)} ${e.what}  ${this.status()}`);
    } else {
      this.running.delete(e.index);
      this.examined = e.index + 1;
      this.found = e.tasks;
      const what = e.task ? `task ${e.task.id}: ${e.task.failToPass} fail-to-pass, ${e.task.passToPass} pass-to-pass` : `skip: ${e.reason}`;
      // On a terminal the commits rejected without running anything (most of a history) only move the count.
      if (!this.log || e.ran) this.print(`[${this.place(e.index)}] ${e.sha.slice(0, 8)} ${e.subject.slice(0, 60)}: ${what}  ${this.status()}`);
    }
    this.draw();
  };

  private place(index: number): string {
    return `${String(index + 1).padStart(String(this.total).length)}/${this.total}`;
  }

  /** Tasks found, elapsed time and ETA, as every line ends. */
  private status(): string {
    return `(tasks ${this.found}/${this.limit}, elapsed ${clock(performance.now() - this.started)}, ETA ${this.eta()})`;
  }

  /**
   * Time left: the sooner of finding the remaining tasks at the rate tasks were found so far, and
   * examining the remaining commits at the rate commits were examined so far.
   */
  private eta(): string {
    if (!this.examined) return '--:--';
    const elapsed = performance.now() - this.started;
    const byCommits = (elapsed / this.examined) * (this.total - this.examined);
    const byTasks = this.found ? (elapsed / this.found) * (this.limit - this.found) : Infinity;
    return clock(Math.min(byCommits, byTasks));
  }

  print(line: string): void {
    if (this.log) {
      this.log.clear();
      this.stream.write(`${line}\n`);
      this.draw();
    } else this.stream.write(`${line}\n`);
  }

  private draw(): void {
    if (!this.log) return;
    const doing = [...this.running.entries()].sort(([a], [b]) => a - b).map(([i, r]) => `${i + 1}: ${r.sha.slice(0, 8)} ${r.what}`);
    for (const label of this.installing) doing.push(`install for ${label}`);
    this.log(`commit ${this.examined}/${this.total} examined  ${this.status()}${doing.length ? `\n  ▸ ${doing.join('\n  ▸ ')}` : ''}`);
  }

  /** The closing summary line. */
  summary(stats: MineStats, tasks: number): void {
    this.stop();
    this.stream.write(
      `mined ${tasks} task(s) from ${stats.examined} commit(s) examined (${stats.ran} set up or tested), ${stats.installs} install(s) taking ${clock(stats.installMs)}, in ${clock(stats.wallMs)}\n`,
    );
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.log?.clear();
    this.log?.done();
  }
}
