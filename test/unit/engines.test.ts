// Runs of two engines (sdk and codex) are compared like with like: only the same workflow across
// engines, and the report and the gate say what differs between the two sides.
import { describe, expect, test } from 'vitest';
import { analyze } from '../../src/analyze/summary.ts';
import { InputError } from '../../src/errors.ts';
import { runGate, type GateInput } from '../../src/gate/gate.ts';
import { gateMarkdown, gateText } from '../../src/gate/output.ts';
import { GatePolicy } from '../../src/gate/policy.ts';
import { parseYaml } from '../../src/input/validate.ts';
import { TrialRecord } from '../../src/record/schema.ts';
import { trial } from '../helpers/records.ts';

const many = (n: number, workflow: string, engine: 'sdk' | 'codex', wall = 1000) =>
  Array.from({ length: n }, (_, i) => TrialRecord.parse({ ...trial({ workflow, task: `t${i}`, wall: wall + 10 * i }), engine }));

describe('the report compares like with like', () => {
  test('across runs of two engines: each workflow with itself, saying the engine is what differs', () => {
    const a = analyze([
      { label: 'sdk-run', records: [...many(12, 'broad', 'sdk'), ...many(12, 'roles', 'sdk')] },
      { label: 'codex-run', records: [...many(12, 'broad', 'codex', 3000), ...many(12, 'roles', 'codex', 3000)] },
    ]);
    expect(a.comparisons.map((c) => [c.a, c.b])).toEqual([
      ['sdk-run: broad', 'codex-run: broad'],
      ['sdk-run: roles', 'codex-run: roles'],
    ]);
    expect(a.comparisons[1]!.differs).toEqual([{ aspect: 'engine', a: 'sdk', b: 'codex' }]);
    expect(a.comparisons[1]!.contrast).toBe('differ in engine (codex vs sdk); same workflow (roles) and model (sim)');
  });

  test('two workflows of different engines in one run are not compared, and the report says why', () => {
    const a = analyze([{ label: 'mixed', records: [...many(12, 'broad', 'sdk'), ...many(12, 'roles', 'codex')] }]);
    expect(a.comparisons).toEqual([]);
    expect(a.uncompared).toEqual([
      "roles is not compared with broad: differ in workflow (roles vs broad) and engine (codex vs sdk); same model (sim), so a difference could be either's; compare the same workflow across engines",
    ]);
  });
});

describe('the gate compares like with like', () => {
  const policy = parseYaml(
    'candidate: roles\nbaseline: broad\nmin_trials: 5\nrules:\n  - metric: p50_latency\n    max: 1.5 x baseline\n',
    'gate.yaml',
    GatePolicy,
  );
  const codexRun = { label: 'codex-run', records: many(12, 'roles', 'codex', 1100), planned: 12 };
  const sdkRun = { label: 'sdk-run', records: [...many(12, 'broad', 'sdk', 500), ...many(12, 'roles', 'sdk')] };
  const gate = (over: Partial<GateInput> = {}) => runGate({ policy, policyFile: 'gate.yaml', run: codexRun, baselineRun: sdkRun, ...over });

  test("against another engine's run, the baseline is the candidate's own workflow there, not the policy's, and the output says so", () => {
    const g = gate();
    expect(g.baseline).toEqual({ run: 'sdk-run', workflow: 'roles' });
    expect(g.sides.differs).toEqual([{ aspect: 'engine', a: 'sdk', b: 'codex' }]);
    expect(g.rules[0]!.verdict).toBe('pass'); // against broad (twice as fast) it would fail
    const text = gateText(g);
    expect(text).toMatch(/candidate against baseline: differ in engine \(codex vs sdk\); same workflow \(roles\) and model \(sim\)/);
    expect(text).toMatch(/the baseline is roles in sdk-run, not the policy's broad: the engines differ \(codex vs sdk\)/);
    expect(gateMarkdown(g)).toMatch(/differ in engine \(codex vs sdk\)/);
  });

  test('a baseline of another engine and another workflow is refused unless forced', () => {
    let err: unknown;
    try {
      gate({ baselineWorkflow: 'broad' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).format()).toMatch(
      /^--baseline-workflow: the candidate and the baseline differ in engine and workflow at once \(differ in workflow \(roles vs broad\) and engine \(codex vs sdk\).*\n {2}fix: compare the same workflow across engines \(--baseline-workflow roles\).*or pass --force/,
    );
    const forced = gate({ baselineWorkflow: 'broad', force: true });
    expect(forced.baseline).toEqual({ run: 'sdk-run', workflow: 'broad' });
    expect(forced.rules[0]!.verdict).toBe('fail');
  });
});
