// The gate policy: rules over the catalog's aggregated metrics, absolute (`max: 0.05`) or relative to
// a baseline (`max: 1.5 x baseline`, `min: baseline - 0.05`). A YAML file validated by zod, with a JSON
// Schema (suites/schemas/gate-policy.schema.json) for editors.
import { z } from 'zod';
import { METRIC_NAMES } from '../analyze/metrics.ts';
import { readYamlFile } from '../input/validate.ts';

/** A bound: a number, or a formula of the baseline's value. */
export type Bound = { kind: 'absolute'; value: number } | { kind: 'scale'; factor: number } | { kind: 'shift'; delta: number };

const NUM = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
const SCALE = new RegExp(String.raw`^${NUM}\s*(?:x|×|\*)\s*baseline$`);
const SHIFT = new RegExp(String.raw`^baseline(?:\s*([+-])\s*${NUM})?$`);
const ABSOLUTE = new RegExp(String.raw`^[-+]?${NUM}$`);
/** Every bound as one pattern (what the JSON Schema tells editors). */
const PATTERN = String.raw`^\s*(?:${SCALE.source.slice(1, -1)}|${SHIFT.source.slice(1, -1)}|${ABSOLUTE.source.slice(1, -1)})\s*$`;

export function parseBound(v: number | string): Bound | null {
  if (typeof v === 'number') return Number.isFinite(v) ? { kind: 'absolute', value: v } : null;
  const text = v.trim();
  const scale = SCALE.exec(text);
  if (scale) return { kind: 'scale', factor: Number(scale[1]) };
  const shift = SHIFT.exec(text);
  if (shift) return { kind: 'shift', delta: shift[1] ? (shift[1] === '-' ? -1 : 1) * Number(shift[2]) : 0 };
  if (ABSOLUTE.test(text)) return { kind: 'absolute', value: Number(text) };
  return null;
}

const BOUND_HELP = 'a number (0.05), "<k> x baseline" (1.5 x baseline), or "baseline ± <d>" (baseline - 0.05)';

const BoundField = z
  .union([z.number(), z.string().regex(new RegExp(PATTERN), { error: `expected ${BOUND_HELP}` })], { error: `expected ${BOUND_HELP}` })
  .describe(`The threshold: ${BOUND_HELP}.`);

const Inconclusive = z
  .enum(['fail', 'pass'])
  .describe('What an inconclusive verdict (the interval straddles the threshold, or too few trials) does to the gate.');

export const GateRule = z
  .strictObject({
    name: z.string().min(1).optional().describe('How the rule is reported (default: the metric and its bound).'),
    metric: z.enum(METRIC_NAMES as [string, ...string[]]).describe('A metric of the catalog (see docs/ci.md).'),
    max: BoundField.optional().describe(`The metric must be at most this: ${BOUND_HELP}.`),
    min: BoundField.optional().describe(`The metric must be at least this: ${BOUND_HELP}.`),
    min_trials: z.int().min(0).optional().describe('Fewer trials behind the metric than this makes the rule inconclusive (default: the policy’s).'),
    inconclusive: Inconclusive.optional(),
    description: z.string().optional().describe('Why the rule exists (shown in the JUnit report).'),
  })
  .refine((r) => (r.max === undefined) !== (r.min === undefined), { message: 'give exactly one of max or min', path: ['max'] });
export type GateRule = z.infer<typeof GateRule>;

export const GatePolicy = z.strictObject({
  $schema: z.string().optional(),
  candidate: z.string().min(1).optional().describe('The workflow being gated (default: the only workflow, or --candidate).'),
  baseline: z
    .string()
    .min(1)
    .optional()
    .describe('The workflow relative rules compare with, in the same run (with --baseline <run>: the candidate’s own name in that run, unless set).'),
  min_trials: z.int().min(0).default(10).describe('Fewest trials a metric needs before a rule on it can pass or fail.'),
  inconclusive: Inconclusive.default('fail'),
  require_complete: z.boolean().default(true).describe('Fail the gate when the run recorded fewer trials than it planned (a lost shard, an interrupted run).'),
  rules: z.array(GateRule).min(1, 'a policy needs at least one rule'),
});
export type GatePolicy = z.infer<typeof GatePolicy>;

export interface Rule extends GateRule {
  name: string;
  index: number;
  op: 'max' | 'min';
  bound: Bound;
  minTrials: number;
  onInconclusive: 'fail' | 'pass';
}

export function describeBound(b: Bound): string {
  if (b.kind === 'absolute') return String(b.value);
  if (b.kind === 'scale') return `${b.factor} x baseline`;
  return b.delta === 0 ? 'baseline' : `baseline ${b.delta < 0 ? '-' : '+'} ${Math.abs(b.delta)}`;
}

/** The policy's rules, with bounds parsed and defaults applied. */
export function rulesOf(policy: GatePolicy): Rule[] {
  return policy.rules.map((r, index) => {
    const op = r.max !== undefined ? 'max' : 'min';
    const bound = parseBound((r.max ?? r.min)!)!;
    return {
      ...r,
      index,
      op,
      bound,
      name: r.name ?? `${r.metric} ${op === 'max' ? '<=' : '>='} ${describeBound(bound)}`,
      minTrials: r.min_trials ?? policy.min_trials,
      onInconclusive: r.inconclusive ?? policy.inconclusive,
    };
  });
}

export function loadPolicy(file: string): GatePolicy {
  return readYamlFile(file, GatePolicy);
}
