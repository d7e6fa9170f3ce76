// A trial's event log: every model call, tool call, decision and hook run, timestamped from the trial
// start, streamed to trials/<id>/events.jsonl and kept in memory so the record's counts are derived
// from exactly what was logged.
import { createWriteStream, type WriteStream } from 'node:fs';
import { TrialClock } from './clock.ts';
import { Redactor } from './redact.ts';
import type { TrialEvent } from './schema.ts';

export class EventLog {
  readonly events: TrialEvent[] = [];
  /** The trial's time: real, plus the simulated model's counted waits. */
  readonly clock: TrialClock;
  private readonly out: WriteStream | null;
  /** Secrets never reach the log: every event is redacted before it is kept or written. */
  readonly redactor: Redactor;

  constructor(file: string | null, clock = new TrialClock(), redactor: Redactor = Redactor.none) {
    this.clock = clock;
    this.out = file ? createWriteStream(file, { flags: 'a' }) : null;
    this.redactor = redactor;
  }

  /** ms since the trial started. */
  now(): number {
    return Math.round(this.clock.elapsed() * 10) / 10;
  }

  emit(type: string, data: Record<string, unknown> = {}): TrialEvent {
    const event = { t: this.now(), type, ...this.redactor.value(data) } as TrialEvent;
    this.events.push(event);
    this.out?.write(`${JSON.stringify(event)}\n`);
    return event;
  }

  /** An event that happened at `epochMs` (wall clock), e.g. read back from another program's log. */
  emitAt(epochMs: number, type: string, data: Record<string, unknown> = {}): TrialEvent {
    const t = Math.round((epochMs - (Date.now() - this.clock.elapsed())) * 10) / 10;
    const event = { t: Math.max(0, t), type, ...this.redactor.value(data) } as TrialEvent;
    this.events.push(event);
    this.out?.write(`${JSON.stringify(event)}\n`);
    return event;
  }

  of(type: string): TrialEvent[] {
    return this.events.filter((e) => e.type === type);
  }

  close(): Promise<void> {
    const out = this.out;
    if (!out) return Promise.resolve();
    return new Promise((resolve) => out.end(resolve));
  }
}

/** Long text shortened for an event (head and tail kept). */
export function clip(text: string, max = 2000): string {
  if (text.length <= max) return text;
  const half = Math.floor(max / 2);
  return `${text.slice(0, half)}\n…[${text.length - max} chars omitted]…\n${text.slice(-half)}`;
}
