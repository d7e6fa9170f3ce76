// What the gate says: a terminal table, a markdown summary (for GITHUB_STEP_SUMMARY and PR comments),
// JUnit XML (one test case per rule, for CI test tabs), JSON (for CI scripts) and GitHub Actions annotations.
import { XMLBuilder } from 'fast-xml-parser';
import { metricByName, type MetricValue } from '../analyze/metrics.ts';
import { formatValue } from '../analyze/summary.ts';
import { intervalText } from '../analyze/stats.ts';
import { mdEscape as md, metricText, table } from '../report/format.ts';
import type { GateResult, RuleResult } from './gate.ts';
import { GateVerdict } from './verdict.ts';

/** The rule's metric's unit; a count for the completeness check (`trials`), which is no catalog metric. */
const unitOf = (r: RuleResult) => metricByName.get(r.metric)?.unit ?? 'count';

const observedText = (r: RuleResult) => metricText(unitOf(r), r.observed);

function thresholdText(r: RuleResult): string {
  const sign = r.op === 'max' ? '≤' : '≥';
  const t = formatValue(unitOf(r), r.threshold);
  return r.baseline !== null ? `${sign} ${r.bound}${r.threshold === null ? '' : ` = ${t}`}` : `${sign} ${t}`;
}

const VERDICT: Record<RuleResult['verdict'], string> = { pass: 'pass', fail: 'FAIL', inconclusive: 'inconclusive', 'n/a': 'n/a' };

function verdictText(r: RuleResult): string {
  return r.verdict === 'inconclusive' ? `inconclusive (${r.failing ? 'fails' : 'passes'})` : VERDICT[r.verdict];
}

function heading(g: GateResult): string {
  const against = g.baseline ? ` against ${g.baseline.workflow}${g.baseline.run ? ` (${g.baseline.run})` : ''}` : '';
  // The candidate's trials, which the rules judge; the run's, which the completeness check counts, when they differ.
  const trials = g.trials.candidate === g.trials.recorded ? `${g.trials.recorded} trials` : `${g.trials.candidate} trials (of the run's ${g.trials.recorded})`;
  return `${g.candidate}${against}: ${trials}${g.trials.retried ? ` (${g.trials.retried} run again after an error; the last attempt counts)` : ''}`;
}

/** What the two sides are and what differs between them (engine, model, workflow); why the baseline is the one it is. */
function sidesText(g: GateResult): string[] {
  const s = g.sides;
  const lines = s.contrast ? [`candidate against baseline: ${s.contrast}`] : [];
  if (s.note) lines.push(s.note);
  return lines;
}

/** The interval a verdict rests on, in words: `Wilson, 30 trials`, `paired bootstrap over 30 tasks`. */
const intervalOf = (r: RuleResult) => (r.interval ? intervalText(r.interval) : '–');

export function gateText(g: GateResult): string {
  const rows = g.rules.map((r) => [r.name, observedText(r), thresholdText(r), String(r.observed.n), intervalOf(r), verdictText(r)]);
  const lines = [`gate: ${heading(g)}`, ...sidesText(g), '', table(['rule', 'observed (95% CI)', 'threshold', 'n', 'judged on (95% CI)', 'verdict'], rows), ''];
  for (const r of g.rules.filter((x) => x.verdict === 'fail' || x.verdict === 'inconclusive')) lines.push(`  ${r.name}: ${r.reason}`);
  if (g.rules.some((x) => x.verdict === 'fail' || x.verdict === 'inconclusive')) lines.push('');
  lines.push(summaryLine(g));
  return lines.join('\n');
}

function summaryLine(g: GateResult): string {
  return g.passed
    ? `gate PASSED: ${g.rules.filter((r) => r.verdict === 'pass').length} rule(s) pass${g.inconclusive.length ? `, ${g.inconclusive.length} inconclusive (allowed by the policy)` : ''}`
    : `gate FAILED: ${g.failed.map((r) => r.name).join('; ')}`;
}

/** JSON has no NaN or infinity: a figure that is not a finite number is none. */
const finite = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** What gateText shows, structured (`bench gate --json`); checked against its schema, so the output is what suites/schemas/gate-verdict.schema.json says. */
export function gateJson(g: GateResult, policyFile: string): GateVerdict {
  const value = (r: RuleResult, m: MetricValue) => ({
    estimate: finite(m.estimate),
    lo: finite(m.lo),
    hi: finite(m.hi),
    n: m.n,
    missing: m.missing ?? null,
    text: metricText(unitOf(r), m),
  });
  return GateVerdict.parse({
    schema: 1,
    passed: g.passed,
    policy: policyFile,
    candidate: g.candidate,
    baseline: g.baseline,
    sides: { candidate: g.sides.candidate, baseline: g.sides.baseline, contrast: g.sides.contrast, note: g.sides.note },
    trials: g.trials,
    rules: g.rules.map((r) => ({
      name: r.name,
      metric: r.metric,
      op: r.op,
      bound: r.bound,
      threshold: finite(r.threshold),
      threshold_text: thresholdText(r),
      observed: value(r, r.observed),
      baseline: r.baseline ? value(r, r.baseline) : null,
      margin: r.margin && finite(r.margin.estimate) !== null ? { estimate: r.margin.estimate, lo: finite(r.margin.lo), hi: finite(r.margin.hi) } : null,
      ci: r.interval ? { ...r.interval, paired: !!r.interval.paired, text: intervalText(r.interval) } : null,
      verdict: r.verdict,
      failing: r.failing,
      reason: r.reason,
      description: r.description ?? null,
    })),
    failed: g.failed.map((r) => r.name),
    inconclusive: g.inconclusive.map((r) => r.name),
    summary: summaryLine(g),
  });
}

const ICON: Record<RuleResult['verdict'], string> = { pass: '✅', fail: '❌', inconclusive: '⚠️', 'n/a': '➖' };

export function gateMarkdown(g: GateResult): string {
  const lines = [
    `## bench gate: ${g.passed ? '✅ passed' : '❌ failed'}`,
    '',
    `Candidate **${md(g.candidate)}**${g.baseline ? ` against **${md(g.baseline.workflow)}**${g.baseline.run ? ` (${md(g.baseline.run)})` : ''}` : ''}, ${g.trials.recorded} of ${g.trials.planned} planned trials${g.trials.retried ? `, ${g.trials.retried} run again after an error (the last attempt counts)` : ''}.`,
    ...sidesText(g).map((l) => `${md(l)}.`),
    '',
    '| | rule | observed (95% CI) | threshold | n | judged on (95% CI) | why |',
    '|---|---|---|---|---|---|---|',
    ...g.rules.map(
      (r) =>
        `| ${ICON[r.verdict]} | ${md(r.name)} | ${md(observedText(r))} | ${md(thresholdText(r))} | ${r.observed.n} | ${md(intervalOf(r))} | ${md(r.reason)} |`,
    ),
    '',
  ];
  if (g.inconclusive.length)
    lines.push(
      `_Inconclusive: the 95% interval straddles the threshold or too few trials stand behind it; ${g.inconclusive.some((r) => r.failing) ? 'the policy fails on it' : 'the policy lets it pass'}._`,
      '',
    );
  return lines.join('\n');
}

export function gateJUnit(g: GateResult, policyFile: string): string {
  const cases = g.rules.map((r) => {
    const body = `${r.name}\nobserved: ${observedText(r)}\nthreshold: ${thresholdText(r)}\ntrials: ${r.observed.n}\njudged on: 95% CI, ${intervalOf(r)}\n${r.reason}${r.description ? `\n${r.description}` : ''}`;
    return {
      '@_name': r.name,
      '@_classname': `bench.gate.${g.candidate}`,
      '@_time': '0',
      ...(r.failing ? { failure: { '@_message': `${verdictText(r)}: ${r.reason}`, '@_type': r.verdict, '#text': body } } : {}),
      ...(r.verdict === 'n/a' || (r.verdict === 'inconclusive' && !r.failing) ? { skipped: { '@_message': `${verdictText(r)}: ${r.reason}` } } : {}),
      'system-out': body,
    };
  });
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });
  const suite = {
    '@_name': `bench gate (${policyFile})`,
    '@_tests': String(cases.length),
    '@_failures': String(g.failed.length),
    '@_skipped': String(g.rules.filter((r) => r.verdict === 'n/a' || (r.verdict === 'inconclusive' && !r.failing)).length),
    testcase: cases,
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ testsuites: { testsuite: suite } })}`;
}

/** Workflow commands GitHub Actions turns into annotations: an error per failing rule, a warning per tolerated inconclusive one. */
export function githubAnnotations(g: GateResult, policyFile: string): string {
  const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string) => esc(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return g.rules
    .filter((r) => r.verdict === 'fail' || r.verdict === 'inconclusive')
    .map((r) => `::${r.failing ? 'error' : 'warning'} file=${prop(policyFile)},title=${prop(`bench gate: ${r.name}`)}::${esc(`${r.verdict}: ${r.reason}`)}`)
    .join('\n');
}
