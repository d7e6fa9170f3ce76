// Charts as vega-lite specs, rendered to SVG at report time (vega's headless renderer): the HTML holds
// plain SVG, so it opens offline with no charting runtime and no network request.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { completed, type MetricValue } from '../analyze/metrics.ts';
import type { Analysis } from '../analyze/summary.ts';
import type { TrialRecord } from '../record/schema.ts';

export interface Chart {
  id: string;
  title: string;
  /** What the chart shows, for people and for screen readers. */
  caption: string;
  spec: TopLevelSpec;
}

const PALETTE = ['#3b6ea5', '#d9822b', '#4a9c6d', '#b04a5a', '#7b61a8', '#8c8c8c'];
const base = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  config: { font: 'system-ui, sans-serif', view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 11 }, range: { category: PALETTE } },
} as const;

/** A metric's estimate and interval as chart fields; null without an estimate (a row to leave out, never a zero). */
function bar(m: MetricValue | undefined): { value: number; lo: number; hi: number } | null {
  if (!m || m.estimate === null) return null;
  return { value: m.estimate, lo: m.lo ?? m.estimate, hi: m.hi ?? m.estimate };
}

/** `trials`: the records of each workflow in analysis.workflows, under its label. */
export function chartSpecs(analysis: Analysis, trials: Array<{ label: string; records: TrialRecord[] }>): Chart[] {
  const latency = trials.flatMap(({ label, records }) => completed(records).map((r) => ({ workflow: label, seconds: r.time.wall_ms / 1000 })));
  const roleLatency = trials.flatMap(({ label, records }) =>
    completed(records).flatMap((r) =>
      Object.entries(r.roles).map(([role, s]) => ({ workflow: label, role, seconds: s.wall_ms / 1000, model_seconds: s.model_ms / 1000 })),
    ),
  );
  const points = analysis.workflows.map((w) => ({
    workflow: w.label,
    resolve: w.metrics.resolve_rate!.estimate,
    resolve_lo: w.metrics.resolve_rate!.lo,
    resolve_hi: w.metrics.resolve_rate!.hi,
    cost: w.metrics.cost_per_task!.estimate,
    cost_lo: w.metrics.cost_per_task!.lo,
    cost_hi: w.metrics.cost_per_task!.hi,
  }));
  const control = analysis.workflows.flatMap((w) =>
    (
      [
        ['approval prompts', 'approval_prompts_per_task'],
        ['denied calls', 'denied_calls_per_task'],
        ['blocked network', 'blocked_network_per_task'],
        ['hook blocks', 'hook_blocks_per_task'],
        ['hook failures', 'hook_failures_per_task'],
        ['retries after denial', 'retries_after_denial_per_task'],
      ] as const
    ).flatMap(([measure, name]) => {
      const b = bar(w.metrics[name]);
      return b ? [{ workflow: w.label, measure, ...b }] : [];
    }),
  );
  const kinds = analysis.workflows.flatMap((w) =>
    w.kinds.flatMap((k) => {
      const b = bar(k.metrics.resolve_rate);
      return b ? [{ workflow: w.label, kind: k.kind, resolve: b.value, lo: b.lo, hi: b.hi }] : [];
    }),
  );
  const width = 620;
  const charts: Chart[] = [
    {
      id: 'latency',
      title: 'Trial latency by workflow',
      caption: 'Wall time of completed trials: box from the 25th to the 75th percentile, line at the median, whiskers to 1.5 × IQR.',
      spec: {
        ...base,
        width,
        data: { values: latency },
        mark: { type: 'boxplot', extent: 1.5, size: 18 },
        encoding: {
          y: { field: 'workflow', type: 'nominal', title: null },
          x: { field: 'seconds', type: 'quantitative', title: 'seconds per trial', scale: { zero: true } },
          color: { field: 'workflow', type: 'nominal', legend: null },
        },
      } as TopLevelSpec,
    },
    {
      id: 'role-latency',
      title: 'Latency by role',
      caption: 'Wall time of each role within a trial (first to last action), per workflow.',
      spec: {
        ...base,
        width,
        data: { values: roleLatency },
        mark: { type: 'boxplot', extent: 1.5, size: 12 },
        encoding: {
          y: { field: 'role', type: 'nominal', title: null },
          yOffset: { field: 'workflow', type: 'nominal' },
          x: { field: 'seconds', type: 'quantitative', title: 'seconds per role', scale: { zero: true } },
          color: { field: 'workflow', type: 'nominal', title: 'workflow' },
        },
      } as TopLevelSpec,
    },
    {
      id: 'cost-vs-resolve',
      title: 'Cost against resolve rate',
      caption: 'Mean USD per trial against the share of tasks resolved, with 95% intervals on both. Up and to the left is better.',
      spec: {
        ...base,
        width,
        height: 260,
        data: { values: points },
        layer: [
          {
            mark: { type: 'rule', strokeWidth: 1.5 },
            encoding: {
              x: { field: 'cost_lo', type: 'quantitative' },
              x2: { field: 'cost_hi' },
              y: { field: 'resolve', type: 'quantitative' },
              color: { field: 'workflow', type: 'nominal' },
            },
          },
          {
            mark: { type: 'rule', strokeWidth: 1.5 },
            encoding: {
              y: { field: 'resolve_lo', type: 'quantitative' },
              y2: { field: 'resolve_hi' },
              x: { field: 'cost', type: 'quantitative' },
              color: { field: 'workflow', type: 'nominal' },
            },
          },
          {
            mark: { type: 'point', filled: true, size: 110 },
            encoding: {
              x: { field: 'cost', type: 'quantitative', title: 'USD per trial', scale: { zero: true } },
              y: { field: 'resolve', type: 'quantitative', title: 'resolve rate', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
              color: { field: 'workflow', type: 'nominal', title: 'workflow' },
            },
          },
        ],
      } as TopLevelSpec,
    },
    {
      id: 'control',
      title: 'Control events per trial',
      caption: 'Mean per trial, with 95% bootstrap intervals (over tasks when tasks repeat).',
      spec: {
        ...base,
        width,
        data: { values: control },
        layer: [
          {
            mark: { type: 'bar', height: { band: 0.8 } },
            encoding: {
              y: { field: 'measure', type: 'nominal', title: null, sort: null },
              yOffset: { field: 'workflow', type: 'nominal' },
              x: { field: 'value', type: 'quantitative', title: 'per trial' },
              color: { field: 'workflow', type: 'nominal', title: 'workflow' },
            },
          },
          {
            mark: { type: 'rule', color: '#333' },
            encoding: {
              y: { field: 'measure', type: 'nominal', sort: null },
              yOffset: { field: 'workflow', type: 'nominal' },
              x: { field: 'lo', type: 'quantitative' },
              x2: { field: 'hi' },
            },
          },
        ],
      } as TopLevelSpec,
    },
    {
      id: 'kinds',
      title: 'Resolve rate by task kind',
      caption:
        'Share of judged tasks resolved, per kind (pr: hidden tests; docs: all checks; triage: the task rule), with 95% intervals (Wilson at one trial per task, else a bootstrap over tasks).',
      spec: {
        ...base,
        width,
        data: { values: kinds },
        layer: [
          {
            mark: { type: 'bar', height: { band: 0.8 } },
            encoding: {
              y: { field: 'kind', type: 'nominal', title: null },
              yOffset: { field: 'workflow', type: 'nominal' },
              x: { field: 'resolve', type: 'quantitative', title: 'resolve rate', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
              color: { field: 'workflow', type: 'nominal', title: 'workflow' },
            },
          },
          {
            mark: { type: 'rule', color: '#333' },
            encoding: {
              y: { field: 'kind', type: 'nominal' },
              yOffset: { field: 'workflow', type: 'nominal' },
              x: { field: 'lo', type: 'quantitative' },
              x2: { field: 'hi' },
            },
          },
        ],
      } as TopLevelSpec,
    },
  ];
  return charts;
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
