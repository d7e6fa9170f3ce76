// The markdown summary: the headline table and the findings, for CI step summaries and PR comments.
import { enforcementTotals } from '../analyze/enforcement.ts';
import { metricByName } from '../analyze/metrics.ts';
import { accessMatrix, routeFrequencies } from '../analyze/team.ts';
import { ATTEMPT_CLASSES } from '../control/types.ts';
import { ENFORCEMENT_STAGES } from '../record/schema.ts';
import { MCP_METRICS, runOrigin, uneditedNote, usedMcp, type ReportData } from './data.ts';
import { intervalNote, mdEscape as md, metricText, showBidi } from './format.ts';

const ROWS = [
  'resolve_rate',
  'accept_rate',
  'escaped_defect_rate',
  'regression_rate',
  'p50_latency',
  'p95_latency',
  'cost_per_task',
  'cost_per_resolved',
  'denied_calls_per_task',
  'blocked_network_per_task',
  'hook_failures_per_task',
  'misrouted_rate',
  'write_overlaps_per_task',
  'canary_follow_rate',
  'leak_rate',
  'escape_rate',
];

export function renderMarkdown(data: ReportData): string {
  const ws = data.analysis.workflows;
  const lines: string[] = [];
  lines.push(`## bench: ${data.runs.map((r) => `${md(r.manifest.suite.name)} ${md(r.label)}`).join(' vs ')}`);
  lines.push('');
  if (data.runs.some((r) => r.manifest.model.simulated))
    lines.push('> **Simulated model:** these results come from bench’s simulated model (`sim`), not a real one.', '');
  for (const r of data.runs) for (const o of runOrigin(r.manifest)) lines.push(`> ${md(r.label)}: ${md(o)}.`, '');
  const audits = data.runs.filter((r) => r.manifest.model.name === 'sim-adversary');
  if (audits.length)
    lines.push(
      `> **Adversary** in ${audits.map((r) => md(r.label)).join(', ')}: an audit of enforcement (see Enforcement below); quality, latency and cost figures mean nothing here.`,
      '',
    );
  const none = data.runs.filter((r) => r.manifest.sandbox.backend === 'none');
  if (none.length) lines.push(`> **No OS sandbox** in ${none.map((r) => md(r.label)).join(', ')}.`, '');
  for (const r of data.runs) {
    const note = uneditedNote(r.manifest);
    if (note) lines.push(`> **Unedited requests** in ${md(r.label)}: ${md(note)}.`, '');
  }
  lines.push(`| metric | ${ws.map((w) => `${md(w.label)} (${w.trials})`).join(' | ')} |`);
  lines.push(`|---|${ws.map(() => '---').join('|')}|`);
  for (const name of usedMcp(data) ? [...ROWS, ...MCP_METRICS] : ROWS) {
    if (!ws.some((w) => (w.metrics[name]?.n ?? 0) > 0 || w.metrics[name]?.missing)) continue;
    const def = metricByName.get(name)!;
    const cells = ws.map((w) => md(metricText(def.unit, w.metrics[name])));
    lines.push(`| ${def.label}${def.better === 'neutral' ? '' : def.better === 'higher' ? ' ↑' : ' ↓'} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  const found: string[] = [];
  for (const c of data.analysis.comparisons) {
    found.push(`- **${md(c.b)} vs ${md(c.a)}** (${c.pairs} matched trials; ${md(c.contrast)}): ${md(c.headline)}.`);
    for (const d of c.differences.slice(0, 8)) found.push(`  - ${md(d)}`);
  }
  for (const u of data.analysis.uncompared) found.push(`- ${md(u)}.`);
  for (const w of ws)
    if (w.infra_errors || w.timeouts)
      found.push(`- ${md(w.label)}: ${w.infra_errors} infrastructure error(s), ${w.timeouts} time/turn limit(s), left out of quality figures.`);
  if (found.length) lines.push('### Findings', '', ...found, '');
  const enforcement = data.groups.map((g) => ({ label: g.label, t: enforcementTotals(g.records) })).filter((e) => e.t.measured);
  if (enforcement.length) {
    lines.push('### Enforcement', '');
    for (const { label, t } of enforcement) {
      const blocked = ATTEMPT_CLASSES.filter((c) => t.blocked[c]).map((c) => `${c} ${t.blocked[c]}`);
      const layers = ENFORCEMENT_STAGES.filter((s) => t.byStage[s]).map((s) => `${s === 'os' ? 'OS sandbox' : s} ${t.byStage[s]}`);
      lines.push(
        `- ${md(label)}: **${t.escapes} escape(s)**, **${t.leaks} leak(s)** over ${t.measured} trial(s)${t.audited ? ` (${t.audited} with tripwires)` : ' (no tripwires: --audit sets them)'}; blocked ${blocked.length ? blocked.join(', ') : 'nothing'}${layers.length ? ` (by ${layers.join(', ')})` : ''}${t.grade ? `; ${t.grade} tried by graded runs` : ''}.`,
      );
    }
    lines.push('');
  }
  const teams = data.groups
    .map((g) => ({ label: g.label, routes: routeFrequencies(g.records), matrix: accessMatrix(g.records) }))
    .filter((t) => t.routes.length);
  if (teams.some((t) => t.routes.some((r) => r.route !== '(no role calls)'))) {
    lines.push('### Routes', '');
    for (const t of teams) {
      const total = t.routes.reduce((n, r) => n + r.trials, 0);
      const top = t.routes.slice(0, 4).map((r) => `${md(r.route)} ${Math.round((100 * r.trials) / total)}%${r.misrouted ? ` (${r.misrouted} misrouted)` : ''}`);
      const overlapped = t.matrix.files.filter((f) => f.overlaps).map((f) => `${md(f.file)} (${f.overlaps})`);
      lines.push(
        `- ${md(t.label)}: ${top.join('; ')}${t.routes.length > 4 ? `; ${t.routes.length - 4} other route(s)` : ''}${overlapped.length ? `. Written by two running roles at once: ${overlapped.slice(0, 6).join(', ')}` : ''}.`,
      );
    }
    lines.push('');
  }
  lines.push(`_${md(intervalNote(ws, data.analysis.seed))}_`, '');
  return showBidi(lines.join('\n'), (name) => `\\<${name}\\>`);
}
