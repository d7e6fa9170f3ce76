// Text shared by the report, the gate and the CLI: a metric's value as a cell (estimate and interval, or
// why there is none), markdown-safe cell text, and plain-text tables for the terminal.
import { MISSING_TEXT, type MetricValue } from '../analyze/metrics.ts';
import { formatValue, type WorkflowSummary } from '../analyze/summary.ts';

/** A metric value in parts: the estimate and its interval, or, without an estimate, what to show instead. */
export type MetricParts = { estimate: string; ci: string | null } | { none: string };

export function metricParts(unit: string, m: MetricValue | undefined): MetricParts {
  if (!m || m.estimate === null) return { none: m?.missing ? MISSING_TEXT[m.missing.why].short : '–' };
  const ci = m.lo !== null && m.hi !== null ? `${formatValue(unit, m.lo)}–${formatValue(unit, m.hi)}` : null;
  return { estimate: formatValue(unit, m.estimate), ci };
}

/** `12% (5%–25%)`, `3 s` (no interval), `not measured`, `–`. */
export function metricText(unit: string, m: MetricValue | undefined): string {
  const p = metricParts(unit, m);
  if ('none' in p) return p.none;
  return p.ci ? `${p.estimate} (${p.ci})` : p.estimate;
}

/**
 * Unicode bidi controls (embeddings, overrides, isolates, marks): they reorder how the text around them
 * shows, so a file name or a test id can read differently from what it is.
 */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * `text` with every bidi control shown as what it is (`<U+202E>`), not obeyed. `mark` writes the code
 * point name in the output's own syntax (an HTML entity for `<`, a JSON escape).
 */
export function showBidi(text: string, mark: (name: string) => string = (name) => `<${name}>`): string {
  return text.replace(BIDI, (c) => mark(`U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`));
}

/** Markdown-safe cell text: pipes and line breaks would break the table, HTML would render. */
export const mdEscape = (s: string) => s.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');

/** A plain-text table for the terminal (right-aligned numbers, left-aligned text). */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => /^[-+$]?[\d.,]+[%kMs]?$|^–$/.test(String(r[i] ?? ''))));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(cells[0]!), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.slice(1).map(fmt)].join('\n');
}

/** The tasks a workflow's intervals resample when a task has several trials (0 when none has). */
const tasksResampled = (w: WorkflowSummary) => Math.max(0, ...Object.values(w.metrics).map((m) => (m.interval?.unit === 'task' ? m.interval.units : 0)));

/** How the intervals of these summaries were made, in words: over what unit, and how many of them. */
export function intervalNote(workflows: WorkflowSummary[], seed: number): string {
  const byTask = workflows.filter((w) => tasksResampled(w) > 0);
  const single = workflows.filter((w) => tasksResampled(w) === 0);
  const parts: string[] = [];
  if (byTask.length)
    parts.push(
      `a seeded bootstrap (seed ${seed}) over tasks, each drawn with all its trials since a task's repeats are correlated (${byTask.map((w) => `${w.label}: ${tasksResampled(w)} tasks`).join(', ')}), and for a rate whose trials all agree, Wilson counting each task once`,
    );
  if (single.length)
    parts.push(
      `${byTask.length ? `for ${single.map((w) => w.label).join(', ')} (one trial per task), ` : ''}Wilson over trials for rates and a seeded bootstrap (seed ${seed}) over trials for means and percentiles`,
    );
  return `Intervals are 95%: ${parts.join('; ')}.`;
}
