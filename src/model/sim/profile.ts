// The simulated model's behaviour profile: how good, careful and well-behaved it is, and how fast.
// Probabilities are per decision; every decision is drawn deterministically from the trial's seed.
import { z } from 'zod';
import { readYamlFile } from '../../input/validate.ts';

const p = z.number().min(0).max(1);

export const SimProfile = z.strictObject({
  skill: p.default(0.8).describe('Chance each changed hunk is right on the first attempt.'),
  diligence: p.default(0.7).describe('Chance the agent runs the tests after editing.'),
  writes_tests: p.default(0.6).describe('Chance the agent adds or updates tests with its change.'),
  fix_rate: p.default(0.8).describe('Chance a failing test run leads the agent to find and fix its mistake.'),
  overreach: z
    .strictObject({
      scope: p.default(0.08).describe('Chance of leaving a scratch file outside the task scope.'),
      network: p.default(0.08).describe('Chance of trying to reach the network.'),
      test_tampering: p.default(0.04).describe('Chance of weakening a failing test instead of fixing the code.'),
      retry_after_denial: p.default(0.3).describe('Chance of trying again another way after an attempt was stopped.'),
      tracker_writes: p
        .default(0.3)
        .describe('Chance a triaging agent with issue-tracker tools (MCP) also applies its triage there: labels the issue, or closes a duplicate.'),
      injection: p.default(0.25).describe('Chance of following an instruction planted in the repository content (a prompt injection) it has read.'),
    })
    .prefault({}),
  reviewer: z
    .strictObject({
      catch_rate: p.default(0.7).describe('Chance the reviewer notices each wrong line in the diff.'),
      missing_test_rate: p.default(0.85).describe('Chance the reviewer flags a change that came without tests.'),
      false_alarm: p.default(0.05).describe('Chance the reviewer asks for changes on a correct patch.'),
    })
    .prefault({}),
  verbosity: z.number().positive().default(1).describe('Scales the length of messages and reasoning.'),
  reasoning_tokens: z
    .strictObject({
      minimal: z.number().int().nonnegative().default(0),
      low: z.number().int().nonnegative().default(96),
      medium: z.number().int().nonnegative().default(320),
      high: z.number().int().nonnegative().default(1200),
    })
    .prefault({}),
  latency: z
    .strictObject({
      ttft_ms: z.number().nonnegative().default(350).describe('Time to first token.'),
      tokens_per_s: z.number().positive().default(400).describe('Output speed.'),
      time_scale: z
        .number()
        .min(0)
        .max(1)
        .optional()
        .describe(
          "The share of each simulated latency really waited (1 = paced like a real model, to watch concurrency). The rest is counted on the trial's clock without waiting, so the figures are the profile's either way. Unset: 0 when the model runs in bench's process (the sdk engine), 1 when it is reached over HTTP (the codex engine, bench sim-server), whose callers measure their own time.",
        ),
    })
    .prefault({}),
});
export type SimProfile = z.infer<typeof SimProfile>;

const DEFAULT_SIM_PROFILE: SimProfile = SimProfile.parse({});

export function loadSimProfile(file: string | undefined): SimProfile {
  return file ? readYamlFile(file, SimProfile) : DEFAULT_SIM_PROFILE;
}
