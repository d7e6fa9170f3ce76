// `bench gate <run> --policy <file>`: exit 0 when the candidate passes every rule, 1 when the gate
// fails, 2 on bad input (a malformed policy, a missing run, an unknown workflow).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { checkComparable, intArg, warn } from './args.ts';

interface GateFlags {
  policy: string;
  baseline?: string;
  candidate?: string;
  baselineWorkflow?: string;
  junit?: string;
  markdown?: string;
  json?: boolean;
  seed: number;
  force?: boolean;
}

export function gateCommand(program: Command): void {
  program
    .command('gate')
    .description('judge a run against a policy of rules: exit 0 pass, 1 fail, 2 bad input')
    .argument('<run>', 'run folder (e.g. results/<run-id>, or a merged run)')
    .requiredOption('--policy <file>', 'gate policy (YAML), e.g. suites/gate.yaml')
    .option('--baseline <run>', 'compare with this run instead of a baseline workflow in the same run')
    .option('--candidate <workflow>', "the workflow to gate (overrides the policy's candidate)")
    .option('--baseline-workflow <workflow>', "the baseline's workflow (overrides the policy's baseline)")
    .option('--junit <file>', 'also write the verdicts as JUnit XML (one test case per rule)')
    .option('--markdown <file>', 'also write the verdict as markdown (what GITHUB_STEP_SUMMARY gets; e.g. for a PR comment)')
    .option('--json', 'print the verdict as JSON on stdout (schema suites/schemas/gate-verdict.schema.json); the table goes to stderr')
    .option('--seed <n>', 'bootstrap seed', intArg('--seed', 0), 1)
    .option('--force', 'compare with a baseline run that shares no task, or a baseline of another engine and workflow (refused otherwise)')
    .action(async (runArg: string, flags: GateFlags) => {
      const [{ runGate }, { gateJson, gateJUnit, gateMarkdown, gateText, githubAnnotations }, { loadPolicy }, { loadRun }, { comparability }] =
        await Promise.all([
          import('../gate/gate.ts'),
          import('../gate/output.ts'),
          import('../gate/policy.ts'),
          import('../report/data.ts'),
          import('../analyze/comparability.ts'),
        ]);
      const policyFile = relative(process.cwd(), resolve(flags.policy)) || flags.policy;
      const policy = loadPolicy(policyFile);
      const run = loadRun(resolve(runArg), { warn });
      const base = flags.baseline ? loadRun(resolve(flags.baseline), { warn }) : undefined;
      if (base) checkComparable(comparability(base, run), { field: '--baseline', force: flags.force });
      const result = runGate({
        policy,
        policyFile,
        run: { label: run.label, records: run.records, planned: run.manifest.trials_planned },
        baselineRun: base && { label: base.label, records: base.records },
        candidate: flags.candidate,
        baselineWorkflow: flags.baselineWorkflow,
        force: flags.force,
        seed: flags.seed,
      });
      // With --json, stdout is the JSON alone (a script parses it); what a person reads goes to stderr.
      const human = flags.json ? process.stderr : process.stdout;
      human.write(`${gateText(result)}\n`);
      for (const [file, text] of [
        [flags.junit, () => gateJUnit(result, policyFile)],
        [flags.markdown, () => gateMarkdown(result)],
      ] as const) {
        if (!file) continue;
        mkdirSync(dirname(resolve(file)), { recursive: true });
        writeFileSync(file, text());
      }
      if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${gateMarkdown(result)}\n`);
      if (process.env.GITHUB_ACTIONS === 'true') {
        // The runner reads workflow commands from stderr as well as stdout.
        const notes = githubAnnotations(result, policyFile);
        if (notes) human.write(`${notes}\n`);
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(gateJson(result, policyFile), null, 2)}\n`);
      process.exitCode = result.passed ? 0 : 1;
    });
}
