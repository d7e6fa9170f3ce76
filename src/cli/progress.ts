// What a person watching `bench replay` sees: on a terminal, a live block (done/total, running trials,
// resolved so far, ETA) redrawn by log-update; elsewhere (CI logs, pipes), one plain line per trial.
import { styleText } from 'node:util';
import { createLogUpdate } from 'log-update';
import type { ProgressEvent } from '../replay/replay.ts';
import type { TrialRecord } from '../record/schema.ts';

export function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export function compact(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}

export function outcome(r: TrialRecord): string {
  if (r.status !== 'ok') return r.status;
  if (r.quality.resolved === null) return 'ungraded';
  return r.quality.resolved ? 'resolved' : 'unresolved';
}

function paint(text: string, style: Parameters<typeof styleText>[0], stream: NodeJS.WriteStream): string {
  return styleText(style, text, { stream });
}

export function trialLine(r: TrialRecord, done: number, total: number, stream: NodeJS.WriteStream): string {
  const o = outcome(r);
  const color = o === 'resolved' ? 'green' : o === 'unresolved' ? 'yellow' : 'red';
  const cost = r.cost_usd === null ? '' : `  $${r.cost_usd.toFixed(4)}`;
  const note = r.status !== 'ok' && r.error ? `  (${r.error.message.split('\n')[0]!.slice(0, 100)})` : '';
  return `[${String(done).padStart(String(total).length)}/${total}] ${r.task_id} · ${r.workflow} · ${paint(o, color, stream)}  ${(r.time.wall_ms / 1000).toFixed(1)}s  ${compact(r.tokens.input + r.tokens.output)} tok${cost}${note}`;
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly live: boolean;
  private readonly log: ReturnType<typeof createLogUpdate> | null;
  private readonly running = new Map<string, { label: string; since: number }>();
  private readonly started = performance.now();
  private readonly durations: number[] = [];
  private total = 0;
  private done = 0;
  private resolved = 0;
  private graded = 0;
  private failed = 0;
  private concurrency: number;
  private timer: NodeJS.Timeout | null = null;

  constructor(stream: NodeJS.WriteStream, concurrency: number) {
    this.stream = stream;
    this.concurrency = concurrency;
    // A terminal with no rows (some pseudo-terminals) would show nothing of a live block: use lines there.
    this.live = !!stream.isTTY && stream.rows !== 0 && process.env.TERM !== 'dumb' && !process.env.CI;
    this.log = this.live ? createLogUpdate(stream, { showCursor: true }) : null;
  }

  handle = (e: ProgressEvent): void => {
    if (e.type === 'planned') {
      this.total = e.pending;
      if (e.skipped || e.retrying)
        this.print(
          `resuming: ${e.skipped} trial(s) already recorded, ${e.pending} to run${e.retrying ? ` (${e.retrying} of them again, after an error)` : ''}`,
        );
      if (this.live) this.timer = setInterval(() => this.draw(), 250).unref();
    } else if (e.type === 'start') {
      this.running.set(e.plan.trialId, {
        label: `${e.plan.task.id} · ${e.plan.workflow.name}${e.plan.repeat ? ` #${e.plan.repeat}` : ''}`,
        since: performance.now(),
      });
    } else if (e.type === 'retry') {
      this.running.delete(e.plan.trialId);
      const why = e.record.error?.message.split('\n')[0]!.slice(0, 100) ?? e.record.status;
      this.print(
        `${e.plan.task.id} · ${e.plan.workflow.name} · ${paint(e.record.status, 'red', this.stream)} (${why}): attempt ${e.attempt} of ${e.of} in ${Math.round(e.waitMs / 1000)}s`,
      );
    } else {
      this.running.delete(e.plan.trialId);
      this.done++;
      // Real time: the simulated model's counted latency is in the figures, not on the clock on the wall.
      this.durations.push(e.record.time.wall_ms - e.record.time.simulated_latency_ms);
      if (e.record.quality.resolved !== null) this.graded++;
      if (e.record.quality.resolved) this.resolved++;
      if (e.record.status !== 'ok') this.failed++;
      this.print(trialLine(e.record, this.done, this.total, this.stream));
    }
    this.draw();
  };

  /** A permanent line above the live block. */
  print(line: string): void {
    if (this.log) {
      this.log.clear();
      this.stream.write(`${line}\n`);
      this.draw();
    } else this.stream.write(`${line}\n`);
  }

  /** Work left = what running trials still need (at the mean trial time) + queued trials, spread over the slots. */
  private eta(): string {
    if (!this.durations.length) return '--:--';
    const avg = this.durations.reduce((a, b) => a + b, 0) / this.durations.length;
    const now = performance.now();
    const running = [...this.running.values()].reduce((n, r) => n + Math.max(0, avg - (now - r.since)), 0);
    const queued = Math.max(0, this.total - this.done - this.running.size) * avg;
    return clock((running + queued) / Math.max(1, Math.min(this.concurrency, this.total - this.done)));
  }

  private draw(): void {
    if (!this.log) return;
    const width = 24;
    const filled = this.total ? Math.round((this.done / this.total) * width) : 0;
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const head = `${bar} ${this.done}/${this.total}  running ${this.running.size}  resolved ${this.resolved}/${this.graded}${this.failed ? `  not judged ${this.failed}` : ''}  elapsed ${clock(performance.now() - this.started)}  ETA ${this.eta()}`;
    const now = performance.now();
    const lines = [...this.running.values()].slice(0, 8).map((r) => `  ▸ ${r.label}  ${clock(now - r.since)}`);
    this.log(`${head}\n${lines.join('\n')}`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.log?.clear();
    this.log?.done();
  }
}
