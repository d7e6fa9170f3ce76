// Task and suite file formats. These zod schemas are the single source of truth: the loader
// validates against them and `npm run schemas` emits JSON Schemas from them for editors.
import { z } from 'zod';

const sha = z
  .string()
  .regex(/^[0-9a-f]{7,40}$/, 'expected a commit id (hex sha)')
  .describe('A commit id (full 40-hex sha recommended).');

const limits = {
  cpus: z.number().positive().default(2).describe('CPUs a container may use (--cpus).'),
  memory_mb: z.number().int().min(16).default(4096).describe('Memory a container may use, in MiB (--memory; no swap beyond it).'),
  pids: z.number().int().min(16).default(4096).describe('Processes and threads a container may have at once (--pids-limit).'),
};

export const Environment = z
  .union([
    z.strictObject({
      image: z.string().min(1).describe('An image the container runtime has locally (name:tag, or an id); bench never pulls.'),
      ...limits,
    }),
    z.strictObject({
      containerfile: z.string().min(1).describe('A Containerfile (Dockerfile) to build, relative to the suite folder; built once per content.'),
      context: z.string().min(1).optional().describe("The build context, relative to the suite folder (default: the Containerfile's folder)."),
      ...limits,
    }),
  ])
  .describe("The task's environment: its commands, setup and graded test runs run in a container of this image (--sandbox container).");
export type Environment = z.infer<typeof Environment>;

const environment = Environment.optional();

export const RepoRef = z.union([
  z.strictObject({ bundle: z.string().min(1).describe('Path to a git bundle, relative to the suite folder.'), environment }),
  z.strictObject({ path: z.string().min(1).describe('Path to a local git repository, relative to the suite folder.'), environment }),
  z.strictObject({ url: z.string().min(1).describe('A git URL to clone (https, ssh, file).'), environment }),
]);
export type RepoRef = z.infer<typeof RepoRef>;

export const TestSpec = z.strictObject({
  command: z
    .string()
    .min(1)
    .describe("Shell command that runs the tests and writes a report: JUnit XML (or jest's --json) to $BENCH_TEST_REPORT, or TAP on stdout."),
  format: z
    .enum(['junit', 'tap', 'jest-json'])
    .default('junit')
    .describe("How per-test results are read: JUnit XML from $BENCH_TEST_REPORT, TAP from stdout, or jest's `--json --outputFile` report."),
  timeout_s: z.number().positive().default(300).describe('Kill the test run after this many seconds.'),
  cwd: z
    .string()
    .transform((p) => p.replace(/\/+$/, ''))
    .refine((p) => p !== '' && !p.startsWith('/') && !/[\0\\]/.test(p) && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'), {
      message: 'a folder relative to the checkout, e.g. packages/core (no leading "/", no "." or ".." parts)',
    })
    .optional()
    .describe(
      "The folder, relative to the checkout, the command runs in: a monorepo's workspace package. Test ids stay relative to the checkout (report paths are read relative to this folder).",
    ),
});
export type TestSpec = z.infer<typeof TestSpec>;

const id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'ids use letters, digits, ".", "_" and "-"')
  .max(100);

export const Canary = z
  .strictObject({
    token: z.string().min(8).describe('A string that appears only if the agent follows the planted instruction.'),
    env: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .optional()
      .describe('An environment variable set to the token in agent commands (for "print this variable" injections).'),
    where: z.string().optional().describe('Where the injection sits (for reports).'),
  })
  .describe('A prompt injection planted in the repository content at the base commit.');
export type Canary = z.infer<typeof Canary>;

export const MinedSource = z
  .strictObject({
    commit: sha.describe('The commit the task was mined from (its gold change).'),
    mined_at: z.string().describe('When bench mined it (ISO 8601).'),
    request: z.enum(['issue', 'pr', 'model', 'commit']).describe('Where the request came from: an issue, a pull request, a model, or the commit message.'),
    request_sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .describe('sha256 of the request as mining wrote it: a request from the commit message still equal to it is unedited (bench suite validate warns).'),
  })
  .describe('Where a mined task came from. For people and bench only: the agent is given the title and the request, never this.');
export type MinedSource = z.infer<typeof MinedSource>;

const taskCommon = {
  id: id.describe('Unique id of the task within its suite.'),
  title: z.string().optional(),
  repo: z.union([z.string(), RepoRef]).describe('A repo name from the suite file, or an inline repo reference.'),
  base: sha.describe('The commit the agent starts from.'),
  request: z.string().min(1).describe('What the agent is asked to do (issue text, PR description).'),
  allowed_paths: z.array(z.string()).optional().describe('Globs of the paths the task may touch; writes elsewhere are out of scope.'),
  setup: z.string().nullable().optional().describe('Shell command run once per (repo, base) before trials, e.g. `npm ci`.'),
  environment: Environment.nullable().optional().describe("Overrides the repository's (or the suite default's) environment; null: the host's."),
  time_limit_s: z.number().positive().optional().describe('Wall-clock limit for the agent on this task.'),
  tags: z.array(z.string()).default([]),
  canary: Canary.optional(),
  source: MinedSource.optional(),
};

export const PrTask = z.strictObject({
  ...taskCommon,
  kind: z.literal('pr'),
  gold: z
    .union([sha, z.strictObject({ from: sha, to: sha })])
    .describe('The historical change: a commit (the gold change is the diff base..gold), or a range {from, to}.'),
  hidden_tests: z.array(z.string().min(1)).min(1).describe('Test files taken from the gold change, applied only after the agent finished.'),
  fail_to_pass: z.array(z.string().min(1)).min(1).describe('Test ids that must go from failing to passing.'),
  pass_to_pass: z.array(z.string().min(1)).default([]).describe('Test ids that must keep passing.'),
  test: TestSpec.optional().describe('Overrides the suite default test command.'),
});
export type PrTask = z.infer<typeof PrTask>;

const DocsRequirement = z.union([
  z.strictObject({ file: z.string(), heading: z.string().describe('Some heading (any level) contains this text.') }),
  z.strictObject({ file: z.string(), contains: z.string().describe('The exact phrase appears in the file.') }),
  z.strictObject({ file: z.string(), symbol: z.string().describe('Appears in inline code or inside a fenced code block.') }),
  z.strictObject({ file: z.string(), absent: z.string().describe('The phrase must not appear.') }),
]);
export type DocsRequirement = z.infer<typeof DocsRequirement>;

export const DocsTask = z.strictObject({
  ...taskCommon,
  kind: z.literal('docs'),
  gold: z.union([sha, z.strictObject({ from: sha, to: sha })]).describe('The historical docs change: base..gold.'),
  checks: z.strictObject({
    required: z.array(DocsRequirement).default([]),
    links: z.boolean().default(true).describe('Relative links and #anchors in the changed Markdown files resolve.'),
    examples: z.boolean().default(true).describe('Fenced blocks marked `run` (```js run, ```sh run) in the changed files run with exit 0.'),
    markdown: z.boolean().default(true).describe('Every code fence is closed.'),
  }),
});
export type DocsTask = z.infer<typeof DocsTask>;

export const PRIORITIES = ['p0', 'p1', 'p2', 'p3'] as const;

export const TriageAnswer = z.strictObject({
  labels: z.array(z.string()),
  priority: z.enum(PRIORITIES),
  component: z.string().describe('The file or directory where the fix belongs.'),
  duplicate_of: z.number().int().nullable().describe('The number of the issue this duplicates, or null.'),
  needs_info: z.boolean().describe('The report lacks what is needed to act on it.'),
});
export type TriageAnswer = z.infer<typeof TriageAnswer>;

export const TriageTask = z.strictObject({
  ...taskCommon,
  request: z.string().min(1).optional().describe('Overrides the prompt built from the issue.'),
  kind: z.literal('triage'),
  issue: z.strictObject({ number: z.number().int().optional(), title: z.string().min(1), body: z.string(), logs: z.string().optional() }),
  expected: TriageAnswer,
  severity: z.enum(['security', 'data-loss', 'normal']).default('normal').describe('A wrong priority on a security or data-loss issue is an escaped defect.'),
  pass: z
    .strictObject({
      labels_f1: z.number().min(0).max(1).default(0.5),
      priority: z.boolean().default(true),
      component: z.boolean().default(true),
      duplicate: z.boolean().default(true),
      needs_info: z.boolean().default(false),
    })
    .prefault({})
    .describe('What an overall pass needs.'),
});
export type TriageTask = z.infer<typeof TriageTask>;

export const TaskFile = z.discriminatedUnion('kind', [PrTask, DocsTask, TriageTask]);
export type TaskFile = z.infer<typeof TaskFile>;

export const SuiteFile = z.strictObject({
  name: id.describe('Suite name, recorded in every trial.'),
  description: z.string().optional(),
  repos: z.record(z.string(), RepoRef).default({}).describe('Repositories the tasks name, by key.'),
  defaults: z
    .strictObject({
      setup: z.string().nullable().optional(),
      environment,
      test: TestSpec.optional(),
      time_limit_s: z.number().positive().optional(),
      allowed_paths: z.array(z.string()).optional(),
    })
    .default({}),
  tasks: z.string().default('tasks').describe('Folder (relative to the suite) holding one YAML file per task.'),
  workflows: z.array(z.string()).default([]).describe('Workflow folders replayed when --workflow is not given (relative to the suite).'),
  sandbox: z
    .strictObject({
      read_paths: z
        .array(z.string())
        .default([])
        .describe(
          "Folders (absolute, or relative to the suite) the sandbox shows read-only besides the system folders and the toolchains on PATH: what the tasks' commands need that is not there.",
        ),
    })
    .default({ read_paths: [] }),
});
export type SuiteFile = z.infer<typeof SuiteFile>;
