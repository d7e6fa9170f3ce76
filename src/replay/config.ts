// The run configuration file: `bench replay`'s settings written down once (bench.config.yaml, or
// --config / BENCH_CONFIG). Flags override environment variables (BENCH_*), which override the file.
// Paths in the file are relative to the file's folder.
import { z } from 'zod';
import { SimProfile } from '../model/sim/profile.ts';

const count = z.number().int().min(1);
const words = z.array(z.string().min(1));

export const RunConfig = z.strictObject({
  suite: z.string().min(1).optional().describe('The suite folder `bench replay` runs when given none.'),
  model: z.string().min(1).optional().describe('sim, sim:adversary, or openai:<name> (--model).'),
  base_url: z.url().optional().describe('Base URL of an OpenAI-compatible server (--base-url).'),
  api: z.enum(['responses', 'chat']).optional().describe('Wire API of that server (--api).'),
  workflows: words.optional().describe('Workflows to replay: plugin folders or "broad" (--workflow).'),
  repeat: count.optional().describe('Trials per task and workflow (--repeat).'),
  seed: z.number().int().min(0).optional().describe('Run seed (--seed).'),
  concurrency: count.optional().describe('Trials at once (--concurrency).'),
  limit: count.optional().describe('Only the first N tasks (--limit).'),
  tasks: words.optional().describe('Only these tasks (--task).'),
  tags: words.optional().describe('Only tasks with one of these tags (--tag).'),
  sim_profile: z
    .union([z.string().min(1), SimProfile])
    .optional()
    .describe("The simulated model's behaviour profile: a YAML file, or the profile itself (--sim-profile)."),
  prices: z.string().min(1).optional().describe('Price table merged over the built-in one (--prices).'),
  sandbox: z.enum(['auto', 'bwrap', 'container', 'none']).optional().describe('OS sandbox for commands (--sandbox).'),
  container_runtime: z.enum(['auto', 'podman', 'docker']).optional().describe('Container runtime for the container backend (--container-runtime).'),
  engine: z.enum(['sdk', 'codex']).optional().describe('Who runs the agents (--engine).'),
  out: z.string().min(1).optional().describe('Results folder (--out).'),
});
export type RunConfig = z.infer<typeof RunConfig>;

/** Keys of the file that are paths (resolved against its folder); "broad" is a workflow name, not a path. */
export const CONFIG_PATHS = ['suite', 'workflows', 'sim_profile', 'prices', 'out'] as const;
