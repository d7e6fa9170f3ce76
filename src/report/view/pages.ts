// The pages of `bench view`, rendered on the server: every piece of text from a run goes through esc()
// (task ids, tool input and output, file names are the agent's or the suite's, never trusted as HTML).
// The pages load one stylesheet and one small script from the server, and nothing inline.
import { metricByName } from '../../analyze/metrics.ts';
import type { TrialRecord } from '../../record/schema.ts';
import { metricText } from '../format.ts';
import { esc } from '../html.ts';
import { OUTCOMES, outcomeOf, SORT_KEYS, type Flip, type GridFilter, type GridRow, type SideOutcome, type SortKey } from './pick.ts';
import { HEADLINE, type ViewRun } from './runs.ts';
import type { Timeline } from './timeline.ts';

const u = encodeURIComponent;
export const runHref = (id: string) => `/runs/${u(id)}/`;
export const trialHref = (id: string, trial: string) => `/runs/${u(id)}/trials/${u(trial)}/`;

export function layout(title: string, body: string, opts: { poll?: string; stamp?: string; diff?: boolean } = {}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="stylesheet" href="/static/view.css">${opts.diff ? '\n<link rel="stylesheet" href="/static/diff2html.min.css">\n<script src="/static/diff2html.min.js" defer></script>' : ''}
<script src="/static/view.js" defer></script>
</head>
<body${opts.poll ? ` data-poll="${esc(opts.poll)}" data-stamp="${esc(opts.stamp)}"` : ''}>
<header><b>bench view</b><a href="/">runs</a><a href="/compare">compare</a></header>
<main>
${body}
</main>
</body></html>
`;
}

const outcomeBadge = (o: string) => `<span class="o ${o.replace(' ', '-')}">${esc(o)}</span>`;
const stateBadge = (s: string) => `<span class="state ${s}">${s}</span>`;
const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);

/** The runs, newest first, with each workflow's headline figures. */
export function runList(runs: ViewRun[], root: string): string {
  const rows = runs.map((v) => {
    const m = v.run.manifest;
    const figs = v.figures
      .map(
        (f) =>
          `<span class="wf"><b>${esc(f.workflow)}</b> <span class="muted">(${f.trials})</span></span>${HEADLINE.map((name) => {
            const def = metricByName.get(name)!;
            return `<span class="fig">${esc(def.label)} <b>${esc(metricText(def.unit, f[name]))}</b></span>`;
          }).join('')}`,
      )
      .map((cell) => `<div>${cell}</div>`)
      .join('');
    return `<tr data-run="${esc(v.id)}"><td><a href="${runHref(v.id)}">${esc(v.id)}</a><br><a class="note" href="${runHref(v.id)}tasks">task grid</a></td><td>${stateBadge(v.state)}</td><td>${esc(m.suite.name)}</td><td>${esc(m.workflows.map((w) => w.name).join(', '))}</td><td>${esc(m.engine)}</td><td>${esc(`${m.model.backend}:${m.model.name}`)}${m.model.simulated ? ' <span class="muted">(simulated)</span>' : ''}</td><td>${esc(m.created_at.slice(0, 16).replace('T', ' '))}</td><td class="num">${v.run.records.length}${v.run.records.length !== m.trials_planned ? ` / ${m.trials_planned}` : ''}</td><td>${figs}</td></tr>`;
  });
  return `<h1>Runs in ${esc(root)}</h1>
${runs.length ? `<table id="runs"><thead><tr><th>run</th><th>state</th><th>suite</th><th>workflows</th><th>engine</th><th>model</th><th>created (UTC)</th><th>trials</th><th>per workflow</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '<p class="muted">No run folders here yet (a run folder holds a run.json).</p>'}
${compareForm(runs, '', '')}
<p class="note">Figures as the report computes them, with 95% intervals. A run is running while its trials.jsonl grows and no trials.csv was written after it; this page reloads when a run changes.</p>`;
}

/** Sides of a comparison: a run (`run`) or one workflow of a run (`run/workflow`). */
function sideOptions(runs: ViewRun[], selected: string): string {
  return runs
    .flatMap((v) => [v.id, ...(v.figures.length > 1 ? v.figures.map((f) => `${v.id}/${f.workflow}`) : [])])
    .map((s) => `<option value="${esc(s)}"${s === selected ? ' selected' : ''}>${esc(s)}</option>`)
    .join('');
}

function compareForm(runs: ViewRun[], a: string, b: string): string {
  if (!runs.length) return '';
  return `<h2>Compare</h2><form class="bar" method="get" action="/compare"><label>A (before) <select name="a">${sideOptions(runs, a || (runs[1] ?? runs[0]!).id)}</select></label><label>B (after) <select name="b">${sideOptions(runs, b || runs[0]!.id)}</select></label><button type="submit">compare</button></form>`;
}

/** The header of a run's report as served by the view: back to the list, to the grid. */
export function reportBar(id: string): string {
  return `<header><nav><a href="/">bench view: all runs</a><a href="${runHref(id)}tasks">task grid of ${esc(id)}</a><a href="/compare">compare</a></nav></header>`;
}

export interface GridChoices {
  kinds: string[];
  statuses: string[];
  roles: string[];
  tags: string[];
  workflows: string[];
}

function select(name: string, label: string, values: string[], current: string | undefined): string {
  return `<label>${esc(label)} <select name="${name}"><option value="">any</option>${values.map((v) => `<option${v === current ? ' selected' : ''}>${esc(v)}</option>`).join('')}</select></label>`;
}

/** The task grid: one row per trial, filtered and sorted by the query string. */
export function grid(v: ViewRun, rows: GridRow[], total: number, choices: GridChoices, f: GridFilter, sort: SortKey, desc: boolean): string {
  const query = (over: Record<string, string>) => {
    const p = new URLSearchParams(Object.entries({ ...f, sort, desc: desc ? '1' : '', ...over }).filter(([, x]) => x) as Array<[string, string]>);
    return `?${p}`;
  };
  const head = (key: SortKey, label: string) =>
    `<th><a href="${esc(query({ sort: key, desc: key === sort && !desc ? '1' : '' }))}" data-sort="${key}">${esc(label)}${key === sort ? (desc ? ' ▼' : ' ▲') : ''}</a></th>`;
  const body = rows
    .map(({ r, tags }) => {
      const o = outcomeOf(r);
      return `<tr data-trial="${esc(r.trial_id)}"><td><a href="${trialHref(v.id, r.trial_id)}">${esc(r.task_id)}</a></td><td>${esc(r.workflow)}</td><td class="num">${r.repeat}</td><td>${esc(r.kind)}</td><td>${esc(r.status)}</td><td>${outcomeBadge(o)}</td><td class="num">${ms(r.time.wall_ms)}</td><td class="num">${r.cost_usd === null ? '–' : `$${r.cost_usd.toFixed(4)}`}</td><td class="num">${r.tokens.input + r.tokens.output}</td><td class="num">${r.structure.tool_calls}</td><td class="num">${r.control.denied_calls}</td><td>${esc(Object.keys(r.roles).join(', '))}</td><td>${esc(tags.join(', '))}</td></tr>`;
    })
    .join('');
  return `<h1>Tasks of ${esc(v.id)} ${stateBadge(v.state)}</h1>
<p><a href="${runHref(v.id)}">report</a></p>
<form class="bar auto" method="get">${select('outcome', 'outcome', OUTCOMES, f.outcome)}${select('kind', 'kind', choices.kinds, f.kind)}${select('status', 'status', choices.statuses, f.status)}${select('role', 'role', choices.roles, f.role)}${select('tag', 'tag', choices.tags, f.tag)}${select('workflow', 'workflow', choices.workflows, f.workflow)}<label>trial <input type="search" name="q" value="${esc(f.q ?? '')}"></label><input type="hidden" name="sort" value="${sort}">${desc ? '<input type="hidden" name="desc" value="1">' : ''}<button type="submit">filter</button> <a href="?">clear</a></form>
<p class="note" id="count">${rows.length} of ${total} trials</p>
<table id="grid"><thead><tr>${head('task', 'task')}${head('workflow', 'workflow')}${head('repeat', 'repeat')}${head('kind', 'kind')}${head('status', 'status')}${head('outcome', 'outcome')}${head('wall', 'wall')}${head('cost', 'cost')}${head('tokens', 'tokens')}${head('tools', 'tool calls')}${head('denied', 'denied')}<th>roles</th><th>tags</th></tr></thead><tbody>${body}</tbody></table>`;
}

export const isSortKey = (s: string | null): s is SortKey => !!s && (SORT_KEYS as readonly string[]).includes(s);

/** Facts of a trial above its timeline. */
function trialFacts(r: TrialRecord): string {
  const kv: Array<[string, string]> = [
    ['task', `${r.task_id} (${r.kind})`],
    ['workflow', `${r.workflow}, repeat ${r.repeat}, seed ${r.seed}`],
    ['status', `${r.status}${r.error ? `: ${r.error.stage}: ${r.error.message}` : ''}`],
    ['outcome', `${outcomeOf(r)}${r.quality.accepted ? ', accepted' : ''}${r.quality.note ? ` (${r.quality.note})` : ''}`],
    [
      'time · tokens · cost',
      `${ms(r.time.wall_ms)} · ${r.tokens.input + r.tokens.output} tokens · ${r.cost_usd === null ? 'no price' : `$${r.cost_usd.toFixed(4)}`}`,
    ],
    ['files changed', r.output.files.join(', ') || 'none'],
    ...(r.quality.failing.length ? [['tests still failing', r.quality.failing.join('; ')] as [string, string]] : []),
  ];
  return `<dl>${kv.map(([k, x]) => `<dt>${esc(k)}</dt><dd>${esc(x)}</dd>`).join('')}</dl>`;
}

/** A timeline table; `key` keeps the ids of its text blocks apart when two are on one page. */
export function timelineTable(id: string, trial: string, tl: Timeline, key = 't'): string {
  const rows = tl.events
    .map((e) => {
      const blocks = e.blocks
        .map((b) => {
          const bid = `${key}-${e.n}-${b.field}`;
          const more = b.clipped
            ? `<button class="more" data-more="/api/runs/${u(id)}/trials/${u(trial)}/event/${e.n}?field=${b.field}" data-target="${bid}">show all (${b.clipped} more characters)</button>`
            : '';
          return `<pre><span class="field">${esc(b.field)}</span>\n<span id="${bid}">${esc(b.text)}</span></pre>${more}`;
        })
        .join('');
      return `<tr class="${e.alarm ? 'alarm' : ''}" data-type="${esc(e.type)}"><td class="t">${Math.round(e.t)}</td><td>${esc(e.role)}</td><td>${esc(e.type)}</td><td class="what">${esc(e.text)}${blocks}</td></tr>`;
    })
    .join('');
  return `<table class="tl"><thead><tr><th>ms</th><th>role</th><th>event</th><th>what happened</th></tr></thead><tbody>${rows}</tbody></table>${tl.omitted ? `<p class="note">${tl.omitted} more events in events.jsonl.</p>` : ''}`;
}

export function trialPage(v: ViewRun, r: TrialRecord, tl: Timeline | null): string {
  return `<h1>${esc(r.trial_id)}</h1>
<p><a href="${runHref(v.id)}">report of ${esc(v.id)}</a> · <a href="${runHref(v.id)}tasks">task grid</a> · <a href="${trialHref(v.id, r.trial_id)}diff">patch against the gold patch</a></p>
${trialFacts(r)}
<h2>Timeline</h2>
${tl ? timelineTable(v.id, r.trial_id, tl) : '<p class="muted">No events.jsonl for this trial.</p>'}`;
}

export function diffPage(v: ViewRun, r: TrialRecord): string {
  const api = `/api/runs/${u(v.id)}/trials/${u(r.trial_id)}/patch`;
  return `<h1>Patch of ${esc(r.trial_id)}</h1>
<p><a href="${trialHref(v.id, r.trial_id)}">timeline</a> · outcome ${outcomeBadge(outcomeOf(r))}</p>
<form class="bar"><label>view <select id="diff-format"><option value="line-by-line">line by line</option><option value="side-by-side">side by side</option></select></label></form>
<h2>The agent’s patch</h2><div id="agent-diff" data-diff="${esc(`${api}?which=agent`)}"></div>
<h2>The gold patch</h2><div id="gold-diff" data-diff="${esc(`${api}?which=gold`)}"></div>`;
}

const sideText = (s: SideOutcome) => (s.judged ? `${s.resolved}/${s.judged} resolved` : 'not judged');

export interface CompareSide {
  key: string;
  records: TrialRecord[];
  run: ViewRun;
}

/** The flipped tasks of two sides and, for a chosen one, both trials' timelines side by side. */
export function comparePage(
  runs: ViewRun[],
  a: CompareSide | null,
  b: CompareSide | null,
  list: Flip[],
  chosen: { task: string; pair: Array<{ side: CompareSide; r: TrialRecord; tl: Timeline | null }> } | null,
): string {
  const form = compareForm(runs, a?.key ?? '', b?.key ?? '');
  if (!a || !b) return `<h1>Compare</h1>${form}<p class="muted">Choose two runs, or two workflows of one run.</p>`;
  const shared = new Set(a.records.map((r) => r.task_id)).size;
  const link = (task: string) => `/compare?a=${u(a.key)}&b=${u(b.key)}&task=${u(task)}`;
  const rows = list
    .map(
      (f) =>
        `<tr class="${chosen?.task === f.task ? 'sel' : ''}" data-task="${esc(f.task)}"><td><a href="${esc(link(f.task))}">${esc(f.task)}</a></td><td>${esc(f.kind)}</td><td>${f.change}</td><td>${esc(sideText(f.a))}</td><td>${esc(sideText(f.b))}</td></tr>`,
    )
    .join('');
  const columns = chosen
    ? `<h2>${esc(chosen.task)}: both trials</h2><div class="pair" id="pair">${chosen.pair
        .map(
          ({ side, r, tl }, i) =>
            `<div class="side"><h3>${i ? 'B' : 'A'}: ${esc(side.key)}</h3><p><a href="${trialHref(side.run.id, r.trial_id)}">${esc(r.trial_id)}</a> ${outcomeBadge(outcomeOf(r))} · <a href="${trialHref(side.run.id, r.trial_id)}diff">patch</a></p>${tl ? timelineTable(side.run.id, r.trial_id, tl, i ? 'b' : 'a') : '<p class="muted">No events.jsonl.</p>'}</div>`,
        )
        .join('')}</div>`
    : '';
  return `<h1>${esc(a.key)} → ${esc(b.key)}</h1>${form}
<h2>Tasks whose outcome flipped</h2>
<p class="note">${list.length} of ${shared} tasks of A differ in their share of resolved trials (tasks not judged on a side are left out). fixed: resolved in B only; broken: resolved in A only; changed: repeats disagree.</p>
${list.length ? `<table class="flips" id="flips"><thead><tr><th>task</th><th>kind</th><th>change</th><th>A</th><th>B</th></tr></thead><tbody>${rows}</tbody></table>` : '<p class="muted">No task flipped.</p>'}
${columns}`;
}

export function notFound(what: string): string {
  return `<h1>Not found</h1><p>${esc(what)}</p><p><a href="/">all runs</a></p>`;
}
