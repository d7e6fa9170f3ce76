// The HTML report: one self-contained file that opens offline. Charts are inline SVG (rendered at report
// time), the per-task grid and drill-down are drawn by a small inline script from data embedded once.
// Every piece of untrusted text (task prompts, agent output, diffs, hook messages) is escaped here, or
// set through textContent in the script; never through innerHTML.
import { relative, dirname } from 'node:path';
import { formatValue } from '../analyze/summary.ts';
import { enforcementTotals } from '../analyze/enforcement.ts';
import { ATTEMPT_CLASSES } from '../control/types.ts';
import { ENFORCEMENT_STAGES } from '../record/schema.ts';
import { metricByName, type MetricValue } from '../analyze/metrics.ts';
import type { TrialRecord } from '../record/schema.ts';
import { chartSpecs, renderSvg } from './charts.ts';
import { codexFacts, MCP_METRICS, runOrigin, uneditedNote, usedMcp, type ReportData } from './data.ts';
import { intervalNote, metricParts, showBidi } from './format.ts';
import { intervalText } from '../analyze/stats.ts';
import { accessMatrix, routeFrequencies, routeText } from '../analyze/team.ts';

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside <script>: nothing in it can close the element or open a comment; bidi controls shown, not obeyed. */
export function scriptJson(value: unknown): string {
  return showBidi(JSON.stringify(value))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const HEADLINE = [
  'resolve_rate',
  'accept_rate',
  'escaped_defect_rate',
  'regression_rate',
  'p50_latency',
  'p95_latency',
  'cost_per_task',
  'cost_per_resolved',
  'tokens_per_task',
  'approval_prompts_per_task',
  'denied_calls_per_task',
  'blocked_network_per_task',
  'hook_failures_per_task',
  'misrouted_rate',
  'write_overlaps_per_task',
  'concurrent_dependencies_per_task',
  'canary_follow_rate',
  'correction_lines_per_task',
  'tests_run_per_task',
  'infra_error_rate',
  'timeout_rate',
];

/** A metric value as a table cell: the estimate, its interval (how it was made on hover) and (with `n`) the trials behind it, or why there is none. */
function cell(unit: string, m: MetricValue | undefined, n = false): string {
  const p = metricParts(unit, m);
  if ('none' in p) return `<td class="na">${esc(p.none)}</td>`;
  const how = m!.interval ? ` title="95% CI, ${esc(intervalText(m!.interval))}"` : '';
  const tasks = m!.interval?.unit === 'task' ? `, ${m!.interval.units} tasks` : '';
  return `<td${how}><b>${esc(p.estimate)}</b>${p.ci ? ` <span class="ci">${esc(p.ci)}</span>` : ''}${n ? `<span class="n">n=${m!.n}${tasks}</span>` : ''}</td>`;
}

function headlineTable(data: ReportData): string {
  const ws = data.analysis.workflows;
  const comparisons = data.analysis.comparisons;
  const usesMcp = usedMcp(data);
  const names = usesMcp
    ? [...HEADLINE.slice(0, HEADLINE.indexOf('hook_failures_per_task') + 1), ...MCP_METRICS, ...HEADLINE.slice(HEADLINE.indexOf('hook_failures_per_task') + 1)]
    : HEADLINE;
  const rows = names
    .filter((name) => ws.some((w) => (w.metrics[name]?.n ?? 0) > 0 || w.metrics[name]?.missing))
    .map((name) => {
      const def = metricByName.get(name)!;
      const words = comparisons
        .map((c) => c.metrics.find((m) => m.name === name))
        .filter((m): m is NonNullable<typeof m> => !!m && m.differs)
        .map((m) => m.words.replace(/^[^:]+: /, ''));
      return `<tr><th title="${esc(def.description)}">${esc(def.label)}${def.better === 'neutral' ? '' : `<span class="dir">${def.better === 'higher' ? '↑ better' : '↓ better'}</span>`}</th>${ws.map((w) => cell(def.unit, w.metrics[name], true)).join('')}<td class="words">${words.length ? esc(words.join('; ')) : '<span class="muted">no clear difference</span>'}</td></tr>`;
    });
  return `<table class="headline"><thead><tr><th>metric</th>${ws.map((w) => `<th>${esc(w.label)}<span class="n">${w.trials} trials</span></th>`).join('')}<th>which is better (or differs)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function findings(data: ReportData): string {
  const items: string[] = [];
  for (const c of data.analysis.comparisons) {
    items.push(`<li><b>${esc(c.b)} vs ${esc(c.a)}</b> (${c.pairs} matched trials; ${esc(c.contrast)}): ${esc(c.headline)}.</li>`);
    for (const d of c.differences.slice(0, 8)) items.push(`<li>${esc(d)}.</li>`);
  }
  for (const u of data.analysis.uncompared) items.push(`<li>${esc(u)}.</li>`);
  for (const w of data.analysis.workflows) {
    if (w.infra_errors || w.timeouts)
      items.push(
        `<li>${esc(w.label)}: ${w.infra_errors} trial(s) with infrastructure errors and ${w.timeouts} stopped by a time or turn limit, reported apart and left out of quality figures.</li>`,
      );
  }
  return items.length ? `<ul class="findings">${items.join('')}</ul>` : '<p class="muted">One workflow: nothing to compare.</p>';
}

function kindsTable(data: ReportData): string {
  const rows = data.analysis.workflows.flatMap((w) =>
    w.kinds.map((k) => {
      const f = (name: keyof typeof k.metrics) => cell(metricByName.get(name)!.unit, k.metrics[name]);
      return `<tr><td>${esc(w.label)}</td><td>${esc(k.kind)}</td><td>${k.trials}</td><td>${k.judged}</td>${f('resolve_rate')}${f('escaped_defect_rate')}${f('p50_latency')}${f('cost_per_task')}</tr>`;
    }),
  );
  return `<table><thead><tr><th>workflow</th><th>kind</th><th>trials</th><th>judged</th><th>resolved</th><th>escaped</th><th>p50 latency</th><th>cost per task</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function rolesTable(data: ReportData): string {
  const rows = data.analysis.workflows.flatMap((w) =>
    w.roles.map(
      (r) =>
        `<tr><td>${esc(w.label)}</td><td>${esc(r.role)}</td><td>${esc(r.model)}</td><td>${r.trials}</td>${cell('ms', r.p50_wall_ms)}${cell('ms', r.p95_wall_ms)}${cell('ms', r.model_ms)}${cell('tokens', r.tokens)}${cell('usd', r.cost_usd)}</tr>`,
    ),
  );
  return `<table><thead><tr><th>workflow</th><th>role</th><th>model</th><th>trials</th><th>p50 wall</th><th>p95 wall</th><th>model time (mean)</th><th>tokens (mean)</th><th>cost (mean)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** What was stopped, where, and what got out, per workflow (sums over its trials). */
function enforcementSection(data: ReportData): string {
  const rows = data.groups.map((g) => ({ label: g.label, t: enforcementTotals(g.records) })).filter((r) => r.t.measured);
  if (!rows.length) return '<p class="note">These runs were made before bench recorded enforcement figures.</p>';
  const classes = ATTEMPT_CLASSES.filter((c) => rows.some((r) => r.t.blocked[c]));
  const stages = ENFORCEMENT_STAGES.filter((s) => rows.some((r) => r.t.byStage[s]));
  const bad = (n: number) => (n ? `<td class="bad num">${n}</td>` : `<td class="num">0</td>`);
  const body = rows
    .map(
      ({ label, t }) =>
        `<tr><td>${esc(label)}</td><td class="num">${t.measured}</td><td class="num">${t.audited}</td>${bad(t.escapes)}${bad(t.leaks)}${classes.map((c) => `<td class="num">${t.blocked[c]}</td>`).join('')}${stages.map((s) => `<td class="num">${t.byStage[s]}</td>`).join('')}<td class="num">${t.grade}</td></tr>`,
    )
    .join('');
  const audited = rows.some((r) => r.t.audited);
  return `<table><thead><tr><th rowspan="2">workflow</th><th rowspan="2">trials</th><th rowspan="2">with tripwires</th><th rowspan="2">escapes</th><th rowspan="2">leaks</th>${classes.length ? `<th colspan="${classes.length}">blocked, by what it went for</th>` : ''}${stages.length ? `<th colspan="${stages.length}">blocked, by the layer that stopped it</th>` : ''}<th rowspan="2">tried by the graded run</th></tr><tr>${classes.map((c) => `<th>${c}</th>`).join('')}${stages.map((s) => `<th>${s === 'os' ? 'OS sandbox' : s}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>
<p class="note">Escapes: a tripwire crossed (a honeytoken secret, a tripwire file, a decoy port on the host: set with <code>--audit</code>${audited ? '' : ', not set in these runs'}) or a process left running after its trial. Leaks: a secret or the task's answer key in what a model was sent. Blocked attempts are counted once per tool call; the OS sandbox's are what its output or its network counters showed (see docs/sandbox.md for what is and is not observable).</p>`;
}

/** Files shown per workflow in the access matrix (the most touched, overlaps first). */
const MATRIX_FILES = 30;

/** Per workflow: the routes its trials took (and which broke the expected one), and the role × file access matrix. */
function teamSection(data: ReportData): string {
  const parts = data.groups.map((g) => {
    const routes = routeFrequencies(g.records);
    if (!routes.length) return '';
    const expected = [...new Set(g.records.map((r) => r.team?.expected_route).filter((x): x is string => !!x))];
    const total = routes.reduce((n, r) => n + r.trials, 0);
    const routeRows = routes
      .slice(0, 12)
      .map(
        (r) =>
          `<tr><td>${esc(r.route)}</td><td class="num">${r.trials}</td><td class="num">${Math.round((100 * r.trials) / total)}%</td>${r.misrouted ? `<td class="bad">misrouted (${r.misrouted})</td>` : '<td></td>'}</tr>`,
      )
      .join('');
    const m = accessMatrix(g.records);
    const shown = m.files.slice(0, MATRIX_FILES);
    const cell = (c: { read: number; write: number } | undefined) =>
      c ? `<td class="num">${c.read ? `R${c.read}` : ''}${c.read && c.write ? ' ' : ''}${c.write ? `<b>W${c.write}</b>` : ''}</td>` : '<td></td>';
    const matrix = shown.length
      ? `<table class="matrix"><thead><tr><th>file</th>${m.roles.map((r) => `<th>${esc(r)}</th>`).join('')}<th>write overlaps</th></tr></thead><tbody>${shown
          .map(
            (f) =>
              `<tr><td>${esc(f.file)}</td>${m.roles.map((r) => cell(f.cells[r])).join('')}${f.overlaps ? `<td class="bad num">${f.overlaps}</td>` : '<td class="num">0</td>'}</tr>`,
          )
          .join('')}</tbody></table>${m.files.length > shown.length ? `<p class="note">${m.files.length - shown.length} more files not shown.</p>` : ''}`
      : '<p class="muted">No file accesses recorded.</p>';
    return `<h3>${esc(g.label)}</h3>
<table><thead><tr><th>route (role calls in order)</th><th>trials</th><th>share</th><th>${expected.length ? `expected: ${esc(expected.join('; '))}` : 'no expected route declared'}</th></tr></thead><tbody>${routeRows}</tbody></table>
${matrix}`;
  });
  const body = parts.join('');
  if (!body) return '<p class="note">These runs were made before bench recorded routes and file accesses.</p>';
  return `${body}<p class="note">Cells: in how many trials the role read (R) and wrote (W) the file. Reads come from the file tools and from what a command's text names; a command's other reads are not observable. Writes come from edits and from the worktree compared before and after each command. A write overlap: two role calls each wrote the file while the other was running. See docs/team.md.</p>`;
}

function passAtK(data: ReportData): string {
  const ws = data.analysis.workflows.filter((w) => w.pass_at_k);
  if (!ws.length) return '';
  const ks = [...new Set(ws.flatMap((w) => w.pass_at_k!.map((p) => p.k)))].sort((a, b) => a - b);
  return `<h3>pass@k</h3><table><thead><tr><th>workflow</th>${ks.map((k) => `<th>pass@${k}</th>`).join('')}</tr></thead><tbody>${ws
    .map(
      (w) =>
        `<tr><td>${esc(w.label)}</td>${ks.map((k) => `<td>${esc(formatValue('rate', w.pass_at_k!.find((p) => p.k === k)?.value ?? null))}</td>`).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;
}

/** Trials run again after an error: how many, what their earlier attempts ended in, and what those cost. */
function retried(records: TrialRecord[]): string[] {
  const again = records.filter((r) => r.attempts.length);
  if (!again.length) return [];
  const earlier = again.flatMap((r) => r.attempts);
  const by = new Map<string, number>();
  for (const a of earlier) by.set(a.status, (by.get(a.status) ?? 0) + 1);
  const cost = earlier.reduce((n, a) => n + (a.cost_usd ?? 0), 0);
  const tokens = earlier.reduce((n, a) => n + a.tokens.input + a.tokens.output, 0);
  return [
    `${again.length} trial(s) run again after an error; ${earlier.length} earlier attempt(s): ${[...by].map(([s, n]) => `${n} ${s}`).join(', ')}; they used ${tokens} tokens ($${cost.toFixed(4)}), not in the figures above (the last attempt counts)`,
  ];
}

function manifestBlock(data: ReportData): string {
  return data.runs
    .map((run) => {
      const m = run.manifest;
      const kv: Array<[string, string]> = [
        ['run', m.run_id],
        ['created', m.created_at],
        ['suite', `${m.suite.name} (${m.suite.tasks} tasks, ${m.suite.digest.slice(0, 19)}…)`],
        ['workflows', m.workflows.map((w) => `${w.name} (${w.source}, ${w.digest.slice(0, 19)}…)`).join(', ')],
        ['engine', m.engine],
        ...codexFacts(m),
        ['model', `${m.model.backend}:${m.model.name}${m.model.base_url ? ` at ${m.model.base_url}` : ''}${m.model.simulated ? ' (simulated)' : ''}`],
        ['sandbox', `${m.sandbox.backend}: ${m.sandbox.detail}`],
        ...m.environments.map((e): [string, string] => [
          'environment',
          `${e.declared}: ${e.ref} (${e.image_id.slice(0, 19)}…)${e.built ? `, built by this run in ${(e.build_ms / 1000).toFixed(1)} s` : ''}`,
        ]),
        ['seed / repeat / concurrency', `${m.seed} / ${m.repeat} / ${m.concurrency}`],
        ['shard', m.shard ? `${m.shard.index}/${m.shard.total}` : 'none'],
        ...retried(run.records).map((t): [string, string] => ['retried', t]),
        ...runOrigin(m).map((o): [string, string] => ['origin', o]),
        ['harness', `bench ${m.harness.version}${m.harness.git_sha ? ` (${m.harness.git_sha.slice(0, 12)})` : ''}, Node ${m.node}, ${m.platform}`],
        ['command', m.command.join(' ')],
      ];
      return `<h3>${esc(run.label)}</h3><dl>${kv.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
    })
    .join('');
}

/**
 * A trial's mark in the task grid: [class, symbol]. An escaped defect is told apart by whether the task
 * was resolved: "!" accepted but not resolved; "✓!" resolved, but accepted with out-of-scope writes
 * (or, triage, a wrong priority on a severe issue), which the legend's "accepted but not resolved" is not.
 */
export function gridMark(r: TrialRecord): [string, string] {
  const q = r.quality;
  if (r.status !== 'ok' || q.resolved === null) return ['infra', '⚠'];
  if (q.escaped_defect) return q.resolved ? ['scope', '✓!'] : ['esc', '!'];
  return q.resolved ? ['ok', '✓'] : ['bad', '✗'];
}

/** The compact per-trial data the script draws the grid and the drawer from. */
function trialData(run: string, wf: string, r: TrialRecord) {
  return {
    run,
    id: r.trial_id,
    task: r.task_id,
    wf,
    rep: r.repeat,
    status: r.status,
    resolved: r.quality.resolved,
    accepted: r.quality.accepted,
    escaped: r.quality.escaped_defect,
    mark: gridMark(r),
    wall: r.time.wall_ms,
    tokens: r.tokens.input + r.tokens.output,
    cost: r.cost_usd,
    files: r.output.files,
    scope: r.output.out_of_scope,
    note: r.quality.note ?? r.error?.message ?? null,
    failing: r.quality.failing.slice(0, 8),
    control:
      r.control.denied_calls || r.control.approval_prompts || r.control.hook_runs || r.control.hook_blocks
        ? { ...r.control, denials: r.control.denials.slice(0, 10) }
        : null,
    mcp: r.mcp && (r.mcp.servers || r.mcp.calls || r.mcp.failures.length) ? r.mcp : null,
    review: r.review.rounds ? r.review : null,
    docs: r.docs?.checks.map((c) => [c.name, c.passed, c.detail]) ?? null,
    triage: r.triage ? { scores: r.triage.scores, answer: r.triage.answer, error: r.triage.parse_error } : null,
    canary: r.canary.planted ? r.canary : null,
    roles: Object.fromEntries(Object.entries(r.roles).map(([k, v]) => [k, [v.model, v.wall_ms, v.model_ms, v.tokens.input + v.tokens.output, v.cost_usd]])),
    team: r.team ? trialTeam(r.team) : null,
  };
}

/** A trial's route and its role × file matrix (file, then per role 'R', 'W' or 'RW'), compact for the drawer. */
function trialTeam(team: NonNullable<TrialRecord['team']>) {
  const m = accessMatrix([{ status: 'ok', team } as TrialRecord]);
  return {
    route: routeText(team),
    expected: team.expected_route,
    misrouted: team.misrouted,
    roles: m.roles,
    matrix: m.files.slice(0, 60).map((f) => [f.file, ...m.roles.map((r) => (f.cells[r]?.read ? 'R' : '') + (f.cells[r]?.write ? 'W' : ''))]),
    overlaps: team.write_overlaps.map((o) => `${o.file}: ${o.roles[0]} and ${o.roles[1]}`),
    deps: team.concurrent_dependencies.map((d) => `${d.reader_role} read ${d.file} while ${d.writer_role}, still running, had written it`),
  };
}

export interface HtmlOptions {
  /** Where the file will be written (run folders are linked relative to it). */
  outFile: string;
  /** Served by `bench view`: each run's URL by label; every trial then links to its page there. */
  viewLinks?: Record<string, string>;
}

export async function renderHtml(data: ReportData, opts: HtmlOptions): Promise<string> {
  const simulated = data.runs.some((r) => r.manifest.model.simulated);
  const unsandboxed = data.runs.filter((r) => r.manifest.sandbox.backend === 'none');
  const audits = data.runs.filter((r) => r.manifest.model.name === 'sim-adversary');
  const title = `bench report: ${data.runs.map((r) => `${r.manifest.suite.name} ${r.label}`).join(' vs ')}`;
  const charts = chartSpecs(data.analysis, data.groups);
  const svgs = await Promise.all(charts.map((c) => renderSvg(c.spec)));
  const tasks = new Map<string, { id: string; kind: string; title: string }>();
  for (const run of data.runs) for (const r of run.records) if (!tasks.has(r.task_id)) tasks.set(r.task_id, { id: r.task_id, kind: r.kind, title: '' });
  const embedded = {
    workflows: data.analysis.workflows.map((w) => w.label),
    tasks: [...tasks.values()].sort((a, b) => a.id.localeCompare(b.id)),
    trials: data.groups.flatMap((g) => g.records.map((r) => trialData(g.run, g.label, r))),
    details: Object.fromEntries(
      [...data.details].map(([k, d]) => [
        k,
        { t: d.timeline.map((e) => [e.t, e.role, e.type, e.text, e.alarm ? 1 : 0]), o: d.omittedEvents, p: d.patch, po: d.patchOmitted },
      ]),
    ),
    links: opts.viewLinks ?? Object.fromEntries(data.runs.map((r) => [r.label, relative(dirname(opts.outFile), r.dir) || '.'])),
    view: !!opts.viewLinks,
  };
  // What is left of bidi controls is in HTML text, attributes and the charts' SVG: shown there as entities.
  return showBidi(
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
${simulated ? '<div class="banner sim" role="note"><b>Simulated model.</b> These results come from bench’s built-in simulated model (<code>sim</code>), not a real one: use them to check the harness and the workflows’ control, not to judge a model.</div>' : ''}
${audits.length ? `<div class="banner warn" role="note"><b>Adversary.</b> ${audits.map((r) => esc(r.label)).join(', ')}: every role spent its turns trying to get out of the sandbox, not solving tasks. Read the <a href="#enforcement">Enforcement</a> section; quality, latency and cost figures mean nothing here.</div>` : ''}
${data.runs
  .map((r) => [r, uneditedNote(r.manifest)] as const)
  .filter(([, note]) => note)
  .map(([r, note]) => `<div class="banner warn" role="note"><b>Unedited requests</b> in ${esc(r.label)}: ${esc(note!)}.</div>`)
  .join('\n')}
${unsandboxed.length ? `<div class="banner warn" role="note"><b>No OS sandbox</b> in ${unsandboxed.map((r) => esc(r.label)).join(', ')}: paths were enforced in the file tools only; commands could write anywhere and reach the network.</div>` : ''}
<h1>${esc(title)}</h1>
<p class="meta">${data.runs.map((r) => [`${esc(r.manifest.suite.name)}`, `${r.records.length} trials`, `${esc(r.manifest.engine)} engine`, `model ${esc(r.manifest.model.name)}`, `sandbox ${esc(r.manifest.sandbox.backend)}`, `seed ${r.manifest.seed}`, `${esc(r.manifest.created_at.slice(0, 16).replace('T', ' '))} UTC`, ...runOrigin(r.manifest).map(esc)].join(' · ')).join('<br>')}</p>
<nav><a href="#summary">Summary</a><a href="#charts">Charts</a><a href="#kinds">By kind</a><a href="#roles">Roles</a><a href="#enforcement">Enforcement</a><a href="#team">Team</a><a href="#tasks">Tasks</a><a href="#run">Run</a></nav>
</header>
<main>
<section id="summary"><h2>Summary</h2>
${findings(data)}
${headlineTable(data)}
<p class="note">${esc(intervalNote(data.analysis.workflows, data.analysis.seed))} Quality figures count judged trials only; infrastructure errors and timeouts are reported apart.</p>
</section>
<section id="charts"><h2>Charts</h2>
${charts.map((c, i) => `<figure id="chart-${c.id}"><figcaption><b>${esc(c.title)}</b> ${esc(c.caption)}</figcaption><div class="svg" role="img" aria-label="${esc(c.title)}">${svgs[i]}</div></figure>`).join('\n')}
</section>
<section id="kinds"><h2>By task kind</h2>${kindsTable(data)}${passAtK(data)}</section>
<section id="roles"><h2>Roles</h2>${rolesTable(data)}</section>
<section id="enforcement"><h2>Enforcement</h2>${enforcementSection(data)}</section>
<section id="team"><h2>Team: routes and file access</h2>${teamSection(data)}</section>
<section id="tasks"><h2>Tasks</h2>
<p class="legend"><span class="o ok">✓</span> resolved <span class="o bad">✗</span> not resolved <span class="o esc">!</span> accepted but not resolved (escaped) <span class="o scope">✓!</span> resolved, but accepted with out-of-scope writes or (triage) a wrong priority on a severe issue (escaped) <span class="o infra">⚠</span> not judged (infrastructure, time or turn limit). Select a cell for the trial’s timeline and patch.</p>
${opts.viewLinks ? '' : '<p class="note" id="view-hint">Every trial’s whole timeline (each tool call’s input and output) and its patch against the gold one, in a browser: <code>bench view results/</code>.</p>'}
<div class="controls"><input id="filter" type="search" placeholder="filter tasks" aria-label="filter tasks"> <label><input id="only-diff" type="checkbox"> only tasks where workflows differ</label> <span id="pager"></span></div>
<table id="grid"><thead></thead><tbody></tbody></table>
<div id="detail" hidden></div>
</section>
<section id="run"><h2>Run</h2>${manifestBlock(data)}</section>
</main>
<script type="application/json" id="bench-data">${scriptJson(embedded)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`,
    (name) => `&lt;${name}&gt;`,
  );
}

const CSS = `
:root{--fg:#1d2330;--muted:#6b7280;--line:#e3e6ec;--bg:#fff;--soft:#f6f7f9;--ok:#2f7d4f;--bad:#b3423a;--esc:#c26a00;--infra:#7b61a8}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:18px 28px 8px;border-bottom:1px solid var(--line)}main{padding:0 28px 40px;max-width:1280px}
h1{font-size:20px;margin:6px 0}h2{font-size:17px;margin:28px 0 10px;padding-top:6px;border-top:1px solid var(--line)}h3{font-size:14px;margin:18px 0 6px}
.meta{color:var(--muted);margin:4px 0 8px}nav a{margin-right:16px;color:#2b5fa8;text-decoration:none}nav a:hover{text-decoration:underline}
.banner{padding:8px 12px;border-radius:6px;margin:6px 0}.banner.sim{background:#fff4d6;border:1px solid #f0d68a}.banner.warn{background:#fde8e6;border:1px solid #efb3ac}
table{border-collapse:collapse;width:100%;margin:8px 0;font-variant-numeric:tabular-nums}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
thead th{background:var(--soft);font-weight:600}td b{font-weight:600}.ci{color:var(--muted);font-size:12px;margin-left:4px}.n{display:block;color:var(--muted);font-size:11px;font-weight:400}
.dir{display:block;color:var(--muted);font-size:11px;font-weight:400}.words{max-width:360px}.muted,.na{color:var(--muted)}.note{color:var(--muted);font-size:12px}
ul.findings{padding-left:18px}ul.findings li{margin:3px 0}figure{margin:14px 0 22px}figcaption{margin-bottom:6px;color:var(--muted)}figcaption b{color:var(--fg)}.svg{overflow-x:auto}
dl{display:grid;grid-template-columns:220px 1fr;gap:3px 12px;margin:6px 0}dt{color:var(--muted)}dd{margin:0;word-break:break-word}
.legend .o,#grid .o{display:inline-block;min-width:22px;text-align:center;border-radius:4px;padding:1px 4px;margin:1px;font-weight:600;cursor:pointer;border:1px solid transparent}
.o.ok{background:#e3f3ea;color:var(--ok)}.o.bad{background:#fbe7e5;color:var(--bad)}.o.esc{background:#fff0dc;color:var(--esc)}.o.scope{background:#fff0dc;color:var(--esc)}.o.infra{background:#efeaf7;color:var(--infra)}.o.sel{border-color:var(--fg)}
.controls{margin:8px 0}.controls input[type=search]{padding:4px 8px;width:260px}#pager button{margin:0 2px}
#detail{border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:12px 0;background:var(--soft)}#detail h3{margin-top:4px}
#detail table{background:var(--bg)}#detail td.t{white-space:nowrap;color:var(--muted)}#detail tr.alarm td{color:var(--bad)}#detail td.what{white-space:pre-wrap;word-break:break-word}
pre{background:#0f1520;color:#e6e6e6;padding:10px 12px;border-radius:6px;overflow:auto;max-height:480px;font-size:12px;white-space:pre}
`;

// Plain DOM, no innerHTML with data: every string from a trial goes in through textContent.
const SCRIPT = `
(() => {
  const data = JSON.parse(document.getElementById('bench-data').textContent);
  const el = (tag, attrs, ...kids) => { const e = document.createElement(tag); for (const [k, v] of Object.entries(attrs || {})) { if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v); } for (const k of kids) e.append(k && k.nodeType ? k : document.createTextNode(k == null ? '' : String(k))); return e; };
  const byTask = new Map();
  for (const t of data.trials) { const k = t.task + '\\u0000' + t.wf; if (!byTask.has(k)) byTask.set(k, []); byTask.get(k).push(t); }
  const outcome = (t) => t.mark; // gridMark
  const fmtMs = (ms) => ms >= 1000 ? (ms / 1000).toFixed(1) + ' s' : Math.round(ms) + ' ms';
  const PAGE = 50; let page = 0; let selected = null;
  const head = document.querySelector('#grid thead'); const body = document.querySelector('#grid tbody');
  head.append(el('tr', {}, el('th', {}, 'task'), el('th', {}, 'kind'), ...data.workflows.map((w) => el('th', {}, w))));
  const rows = () => {
    const q = document.getElementById('filter').value.toLowerCase();
    const diff = document.getElementById('only-diff').checked;
    return data.tasks.filter((t) => t.id.toLowerCase().includes(q) && (!diff || new Set(data.workflows.map((w) => (byTask.get(t.id + '\\u0000' + w) || []).map((x) => outcome(x)[0]).join())).size > 1));
  };
  const draw = () => {
    const list = rows(); const pages = Math.max(1, Math.ceil(list.length / PAGE)); page = Math.min(page, pages - 1);
    body.replaceChildren(...list.slice(page * PAGE, page * PAGE + PAGE).map((t) => el('tr', {}, el('td', {}, t.id), el('td', {}, t.kind), ...data.workflows.map((w) => el('td', {}, ...(byTask.get(t.id + '\\u0000' + w) || []).map((x) => { const [cls, sym] = outcome(x); return el('span', { class: 'o ' + cls + (selected === x ? ' sel' : ''), role: 'button', tabindex: '0', title: x.id, onclick: () => show(x), onkeydown: (ev) => { if (ev.key === 'Enter') show(x); } }, sym); }))))));
    const pager = document.getElementById('pager');
    pager.replaceChildren(pages > 1 ? el('span', {}, el('button', { onclick: () => { page = Math.max(0, page - 1); draw(); } }, '‹'), ' page ' + (page + 1) + ' of ' + pages + ' ', el('button', { onclick: () => { page = Math.min(pages - 1, page + 1); draw(); } }, '›')) : '', ' · ' + list.length + ' of ' + data.tasks.length + ' tasks');
  };
  const kv = (pairs) => el('dl', {}, ...pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  const show = (t) => {
    selected = t; draw();
    const box = document.getElementById('detail'); box.hidden = false;
    const d = data.details[t.run + '/' + t.id];
    const parts = [el('h3', {}, t.id), kv([
      ['status', t.status + (t.note ? ': ' + t.note : '')],
      ['outcome', t.resolved === null ? 'not judged' : (t.resolved ? 'resolved' : 'not resolved') + (t.accepted ? ', accepted' : ', not accepted') + (t.escaped ? ' (escaped defect)' : '')],
      ['time · tokens · cost', fmtMs(t.wall) + ' · ' + t.tokens + ' tokens · ' + (t.cost == null ? 'no price' : '$' + t.cost.toFixed(4))],
      ['files changed', t.files.join(', ') || 'none'],
      ...(t.scope.length ? [['out of scope', t.scope.join(', ')]] : []),
      ...(t.failing.length ? [['tests still failing', t.failing.join('; ')]] : []),
      ['roles', Object.entries(t.roles).map(([r, v]) => r + ' (' + v[0] + '): ' + fmtMs(v[1]) + ', model ' + fmtMs(v[2]) + ', ' + v[3] + ' tokens').join('; ')],
      ...(t.control ? [['control', 'approval prompts ' + t.control.approval_prompts + ' (granted ' + t.control.approvals_granted + ', denied ' + t.control.approvals_denied + '), denied calls ' + t.control.denied_calls + ', blocked network ' + t.control.blocked_network + ', hooks ' + (t.control.hook_runs === null ? 'runs not measured' : t.control.hook_runs + ' run') + ' / ' + t.control.hook_blocks + ' blocks / ' + (t.control.hook_failures === null ? 'failures not measured' : t.control.hook_failures + ' failures')]] : []),
      ...(t.mcp ? [['MCP', t.mcp.servers + ' server(s), ' + t.mcp.calls + ' call(s); side-effecting ' + t.mcp.side_effect_calls + ' (approved ' + t.mcp.side_effect_approved + ', denied ' + t.mcp.side_effect_denied + ', ran ' + t.mcp.side_effect_ran + ')' + (t.mcp.failures.length ? '; ' + t.mcp.failures.join(' | ') : '')]] : []),
      ...(t.control && t.control.denials.length ? [['denials', t.control.denials.map((x) => x.role + ' ' + x.tool + ' by ' + x.stage + ': ' + x.reason).join(' | ')]] : []),
      ...(t.review ? [['review', (t.review.verdict || 'none') + ' after ' + t.review.rounds + ' round(s); findings ' + JSON.stringify(t.review.findings)]] : []),
      ...(t.docs ? [['docs checks', t.docs.map((c) => (c[1] ? 'pass ' : 'FAIL ') + c[0] + (c[1] ? '' : ' (' + c[2] + ')')).join('; ')]] : []),
      ...(t.triage ? [['triage', 'scores ' + JSON.stringify(t.triage.scores) + '; answer ' + (t.triage.answer ? JSON.stringify(t.triage.answer) : 'none (' + t.triage.error + ')')]] : []),
      ...(t.team ? [['route', t.team.route + (t.team.expected ? (t.team.misrouted ? ' (MISROUTED: expected ' : ' (as expected: ') + t.team.expected + ')' : '')]] : []),
      ...(t.team && t.team.overlaps.length ? [['write overlaps', t.team.overlaps.join('; ')]] : []),
      ...(t.team && t.team.deps.length ? [['reads of unfinished work', t.team.deps.join('; ')]] : []),
      ...(t.canary ? [['planted instruction', t.canary.followed ? 'FOLLOWED (' + t.canary.seen_in.join(', ') + ')' : 'not followed']] : []),
    ])];
    if (t.team && t.team.matrix.length) {
      parts.push(el('h3', {}, 'File access (R read, W written)'));
      parts.push(el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'file'), ...t.team.roles.map((r) => el('th', {}, r)))), el('tbody', {}, ...t.team.matrix.map((row) => el('tr', {}, ...row.map((c) => el('td', {}, c)))))));
    }
    if (data.view) parts.push(el('p', {}, el('a', { href: data.links[t.run] + 'trials/' + encodeURIComponent(t.id) + '/' }, 'Open the whole timeline (every tool call’s input and output) and the patch against the gold one')));
    if (d) {
      parts.push(el('h3', {}, 'Timeline'));
      parts.push(el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'ms'), el('th', {}, 'role'), el('th', {}, 'event'), el('th', {}, 'what happened'))), el('tbody', {}, ...d.t.map((e) => el('tr', { class: e[4] ? 'alarm' : '' }, el('td', { class: 't' }, Math.round(e[0])), el('td', {}, e[1]), el('td', {}, e[2]), el('td', { class: 'what' }, e[3]))))));
      if (d.o) parts.push(el('p', { class: 'note' }, d.o + ' more events in events.jsonl'));
      parts.push(el('h3', {}, 'Patch'), el('pre', {}, d.p || '(no change)'));
      if (d.po) parts.push(el('p', { class: 'note' }, d.po + ' more bytes in patch.diff'));
    } else if (!data.view) {
      const base = data.links[t.run] + '/trials/' + t.id + '/';
      parts.push(el('p', {}, 'The timeline and patch of this trial are in the run folder: ', el('a', { href: base + 'events.jsonl' }, 'events.jsonl'), ', ', el('a', { href: base + 'patch.diff' }, 'patch.diff'), '; to browse them: bench view results/.'));
    }
    box.replaceChildren(...parts, el('p', {}, el('button', { onclick: () => { box.hidden = true; selected = null; draw(); } }, 'close')));
    box.scrollIntoView({ block: 'nearest' });
  };
  document.getElementById('filter').addEventListener('input', () => { page = 0; draw(); });
  document.getElementById('only-diff').addEventListener('change', () => { page = 0; draw(); });
  draw();
})();
`;
