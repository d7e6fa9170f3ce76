// `bench gate --json`: the gate's verdict as JSON, for CI scripts. Everything the terminal table shows,
// structured: each rule with its figure, threshold, interval and verdict, and the same figures as text.
import { z } from 'zod';

const count = z.number().int().nonnegative();

const Value = z.object({
  estimate: z.number().nullable().describe('The point estimate; null when there is none (see missing).'),
  lo: z.number().nullable().describe('The 95% interval; null without one (a count, too few trials).'),
  hi: z.number().nullable(),
  n: count.describe('Trials (or units) behind the value.'),
  missing: z
    .object({ n: count, why: z.enum(['not_measured', 'no_price', 'not_computed']) })
    .nullable()
    .describe('Trials the metric applies to that have no figure for it, and why; null when every one has it.'),
  text: z.string().describe('As the table shows it: `12% (5%–25%)`, `not measured`.'),
});

const Side = z.object({ workflow: z.string(), engine: z.string(), model: z.string() });

export const GateRuleVerdict = z.object({
  name: z.string(),
  metric: z.string().describe('A metric of the catalog, or `trials` for the completeness check.'),
  op: z.enum(['max', 'min']),
  bound: z.string().describe('The bound as written: `0.05`, `1.5 x baseline`.'),
  threshold: z.number().nullable().describe("The threshold in the metric's units; null when the baseline gives none."),
  threshold_text: z.string().describe('As the table shows it: `≤ 5%`, `≥ baseline - 0.1 = 62%`.'),
  observed: Value.describe("The candidate's value."),
  baseline: Value.nullable().describe("The baseline's value (relative rules); null for absolute rules."),
  margin: z
    .object({ estimate: z.number(), lo: z.number().nullable(), hi: z.number().nullable() })
    .nullable()
    .describe('Relative rules: the bootstrapped margin, candidate minus threshold (positive is over it); null otherwise.'),
  ci: z
    .object({
      method: z.enum(['wilson', 'bootstrap']),
      unit: z.enum(['trial', 'task']),
      units: count,
      paired: z.boolean(),
      text: z.string().describe('`Wilson, 30 trials`, `paired bootstrap over 30 tasks`.'),
    })
    .nullable()
    .describe('The 95% interval the verdict rests on; null when there is none.'),
  verdict: z.enum(['pass', 'fail', 'inconclusive', 'n/a']),
  failing: z.boolean().describe('This verdict fails the gate (a fail, or an inconclusive one the policy does not tolerate).'),
  reason: z.string(),
  description: z.string().nullable(),
});
export type GateRuleVerdict = z.infer<typeof GateRuleVerdict>;

export const GateVerdict = z.object({
  schema: z.literal(1),
  passed: z.boolean().describe('The exit code: 0 when true, 1 when false.'),
  policy: z.string().describe('The policy file.'),
  candidate: z.string(),
  baseline: z.object({ run: z.string(), workflow: z.string() }).nullable().describe('null when the policy has only absolute rules and no baseline.'),
  sides: z.object({
    candidate: Side,
    baseline: Side.nullable(),
    contrast: z.string().nullable().describe('What differs between the sides, in words.'),
    note: z.string().nullable().describe('Why the baseline is not the one the policy names, when it is not.'),
  }),
  trials: z.object({
    recorded: count,
    planned: count,
    retried: count.describe('Trials run again after an error (the last attempt counts).'),
    candidate: count.describe("The candidate's trials, which the rules judge."),
  }),
  rules: z.array(GateRuleVerdict),
  failed: z.array(z.string()).describe('Names of the rules that fail the gate.'),
  inconclusive: z.array(z.string()).describe('Names of the inconclusive rules (failing or tolerated).'),
  summary: z.string().describe('The last line of the text output: `gate PASSED: …` or `gate FAILED: …`.'),
});
export type GateVerdict = z.infer<typeof GateVerdict>;
