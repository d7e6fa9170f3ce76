// A trial's timeline for `bench view`: each event in words (the report's describeEvent), and for tool
// calls and their results the whole input and output as the events file holds them: clipped on the
// page, with the rest fetched on demand by the event's index.
import type { TrialEvent } from '../../record/schema.ts';
import { describeEvent, type TimelineRow } from '../data.ts';

/** Fields of an event shown as blocks of text: what the tool was given and what it gave back. */
const TEXT_FIELDS = ['command', 'input', 'output', 'error'] as const;

export interface ViewEvent extends TimelineRow {
  /** Line index in events.jsonl (what "show all" asks for). */
  n: number;
  call?: string;
  blocks: Array<{ field: string; text: string; clipped: number }>;
}

export interface Timeline {
  events: ViewEvent[];
  /** Events past the page's limit, left in events.jsonl. */
  omitted: number;
}

export function parseEvents(text: string): Array<TrialEvent | null> {
  return text.split('\n').map((line) => {
    if (!line.trim()) return null;
    try {
      return JSON.parse(line) as TrialEvent;
    } catch {
      return null;
    }
  });
}

const asText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

/** The event's text blocks; `clip` characters of each are shown (Infinity: all of them). */
export function blocksOf(e: TrialEvent, clip: number): ViewEvent['blocks'] {
  if (e.type !== 'tool_call' && e.type !== 'tool_result' && e.type !== 'delegate') return [];
  const out: ViewEvent['blocks'] = [];
  for (const field of TEXT_FIELDS) {
    const v = e[field];
    if (v === undefined || v === null || v === '') continue;
    // An exec_command's input is its command again, as JSON: shown once.
    if (field === 'input' && e.command !== undefined && e.type === 'tool_call') continue;
    const text = asText(v);
    out.push({ field, text: text.slice(0, clip), clipped: Math.max(0, text.length - clip) });
  }
  return out;
}

export function timelineOf(text: string, opts: { clip: number; max: number }): Timeline {
  const events: ViewEvent[] = [];
  let omitted = 0;
  for (const [n, e] of parseEvents(text).entries()) {
    if (!e) continue;
    const row = describeEvent(e);
    if (!row) continue;
    if (events.length >= opts.max) {
      omitted++;
      continue;
    }
    events.push({ ...row, n, ...(typeof e.call_id === 'string' ? { call: e.call_id } : {}), blocks: blocksOf(e, opts.clip) });
  }
  return { events, omitted };
}
