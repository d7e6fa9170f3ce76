// What a run leaves on disk: the manifest (run.json), one TrialRecord per finished trial
// (trials.jsonl), and per-trial events. These schemas are the contract between replay and every later
// stage (analyze, report, gate, merge), and docs/records.md documents them field by field.
import { z } from 'zod';
import { ATTEMPT_CLASSES, type AttemptClass } from '../control/types.ts';
import { FINDING_KINDS, type FindingKind } from '../workflow/outputs.ts';

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();

export const Tokens = z.object({
  input: count.describe('Input tokens, cached ones included.'),
  cached_input: count,
  output: count.describe('Output tokens, reasoning included.'),
  reasoning: count,
  requests: count.describe('Model requests made.'),
});
export type Tokens = z.infer<typeof Tokens>;

export const RoleStats = z.object({
  model: z.string(),
  wall_ms: ms.describe('Time from the role first acting to its last action.'),
  model_ms: ms.describe('Time spent waiting on the model.'),
  tool_ms: ms.describe('Time spent executing tools (not waiting for a role it handed work to).'),
  turns: count.describe('Model responses received.'),
  tool_calls: count.describe('Calls of the tools that act on the workspace; handing work to another role is not one.'),
  tokens: Tokens,
  cost_usd: z.number().nonnegative().nullable().describe('null when the price table has no price for the model.'),
});
export type RoleStats = z.infer<typeof RoleStats>;

/** Where an attempt was stopped. */
export const ENFORCEMENT_STAGES = ['hook', 'sandbox', 'os', 'network', 'approval', 'redaction'] as const;
export type EnforcementStage = (typeof ENFORCEMENT_STAGES)[number];

export const Enforcement = z.object({
  blocked: z
    .object(Object.fromEntries(ATTEMPT_CLASSES.map((c) => [c, count])) as Record<AttemptClass, typeof count>)
    .describe('Tool calls of the agent stopped, by what they went for (read, write, git, network, escalation, tamper, other).'),
  by_stage: z
    .object(Object.fromEntries(ENFORCEMENT_STAGES.map((s) => [s, count])) as Record<EnforcementStage, typeof count>)
    .describe(
      'The same calls by the layer that stopped them: a hook, bench’s sandbox policy, the OS sandbox (seen in the output or the network counters), the network policy, an approval, or redaction of a secret from a tool’s output.',
    ),
  grade: count.describe("Attempts the graded test run made (the agent's code: the network, writes outside) that the sandbox stopped."),
  leaks: count.describe('Secrets or answer-key text found in what a model was sent.'),
  escapes: count.describe('Attempts that got out: a tripwire crossed (--audit), a process left running after the trial.'),
  audited: z.boolean().describe('Tripwires were set for this trial (--audit, or the adversary).'),
});
export type Enforcement = z.infer<typeof Enforcement>;

/** The repository guidance (AGENTS.md) the roles were given, as the trial's events recorded it. */
export const AgentsMdFigures = z.object({
  files: z
    .array(z.object({ path: z.string(), bytes: count, truncated: z.boolean() }))
    .describe('The files the first role run was given, in the order composed: the global one ($CODEX_HOME/...), then from the repository root down.'),
  bytes: count.describe('Bytes of those files given, after the project_doc_max_bytes cap.'),
  tokens: count.describe("Tokens (o200k) of the AGENTS.md message one role run is sent; they are part of that run's input tokens."),
  role_runs: count
    .nullable()
    .describe(
      'Role runs the guidance was composed for, each as it started (sdk engine; each got the message when there was one); null: not measured (codex: its sub-agents read AGENTS.md themselves).',
    ),
  changed: z.boolean().describe('A later role run was given other text than the first: the agent changed AGENTS.md during the trial.'),
  refused: z
    .array(z.object({ path: z.string(), reason: z.string() }))
    .describe('AGENTS.md files bench would not read: a link leading out of the worktree, a folder, a FIFO or a device.'),
});
export type AgentsMdFigures = z.infer<typeof AgentsMdFigures>;

export const TrialStatus = z.enum(['ok', 'infra_error', 'timeout', 'limit']);
export type TrialStatus = z.infer<typeof TrialStatus>;

export const TestCounts = z.object({ passed: count, total: count });

/** An earlier attempt of a trial that was run again (--retry-on-error, or --resume --retry-errors). */
export const TrialAttempt = z.object({
  status: TrialStatus,
  error: z.object({ stage: z.string(), message: z.string() }).nullable(),
  started_at: z.string(),
  ended_at: z.string(),
  wall_ms: ms,
  tokens: Tokens,
  cost_usd: z.number().nonnegative().nullable(),
  folder: z.string().describe("Where its files are kept, inside the trial's folder (attempt-<n>)."),
});
export type TrialAttempt = z.infer<typeof TrialAttempt>;

/** One role call of a trial's route (the entry role of description routing is not a call). */
export const RoleCall = z.object({
  role: z.string(),
  call: z.string().describe('The role call: its agent id (sdk) or thread (codex), the same in the access list.'),
  start_ms: ms.describe('ms since the trial started.'),
  end_ms: ms.nullable().describe('null when it never ended (the trial was stopped).'),
  input_bytes: count.nullable().describe('Bytes of what its caller handed it; null when the engine does not expose it (codex).'),
  input_tokens: count.nullable().describe('The same in tokens (o200k).'),
});
export type RoleCall = z.infer<typeof RoleCall>;

/** A file a role read or wrote. */
export const FileAccess = z.object({
  role: z.string(),
  call: z.string().nullable().describe("The role call it belongs to; null for the entry role's own calls."),
  file: z.string().describe('Relative to the worktree.'),
  op: z.enum(['read', 'write']),
  source: z
    .enum(['tool', 'observed', 'named'])
    .describe(
      "tool: a file tool did it (read_file, grep_files match, apply_patch); observed: a shell command's write, seen by comparing the worktree before and after it; named: a shell command's text names the file as read (asked, not observed).",
    ),
  t_ms: ms.describe('When the tool call finished, ms since the trial started.'),
  tool_call: z.string(),
});
export type FileAccess = z.infer<typeof FileAccess>;

/** Who ran, who touched which files, and whether the route was the expected one. */
export const TeamRecord = z.object({
  route: z.array(RoleCall).describe('Role calls in the order they started.'),
  expected_route: z.string().nullable().describe("The workflow's expected route for the task's kind (bench.toml [routes]); null when none is declared."),
  misrouted: z.boolean().nullable().describe('The route breaks the expected one; null when none is declared.'),
  access: z.array(FileAccess).describe('File accesses in time order (first 500).'),
  access_dropped: count.describe('Accesses past the first 500, not listed.'),
  write_overlaps: z
    .array(z.object({ file: z.string(), calls: z.tuple([z.string(), z.string()]), roles: z.tuple([z.string(), z.string()]), t_ms: ms }))
    .describe('Two role calls that each wrote the file while the other was running (t_ms: the later of the two writes).'),
  concurrent_dependencies: z
    .array(z.object({ file: z.string(), reader: z.string(), writer: z.string(), reader_role: z.string(), writer_role: z.string(), t_ms: ms }))
    .describe('A role call read a file that another role call, still running at the read, had written before it.'),
});
export type TeamRecord = z.infer<typeof TeamRecord>;

export const TrialRecord = z.object({
  schema: z.literal(1),
  run_id: z.string(),
  trial_id: z.string(),
  task_id: z.string(),
  suite: z.string(),
  kind: z.enum(['pr', 'docs', 'triage']),
  workflow: z.string(),
  engine: z.enum(['sdk', 'codex']),
  models: z.record(z.string(), z.string()).describe('Model per role.'),
  environment: z
    .object({ ref: z.string(), image_id: z.string() })
    .nullable()
    .default(null)
    .describe("The container image the trial's commands, setup and test runs ran in (null: the host's toolchain)."),
  repeat: count,
  seed: count,
  status: TrialStatus.describe('ok, or why the trial could not be judged: infra_error, timeout, limit (turn or token limit).'),
  error: z.object({ stage: z.string(), message: z.string() }).nullable(),
  started_at: z.string(),
  ended_at: z.string(),
  attempts: z
    .array(TrialAttempt)
    .default([])
    .describe(
      'Earlier attempts of this trial that ended in an error and were run again, oldest first (their time and tokens are not in this record’s figures).',
    ),
  time: z.object({
    wall_ms: ms,
    setup_ms: ms.describe('Workspace creation, including environment copy (and setup when it ran for this trial).'),
    agent_ms: ms,
    grade_ms: ms,
    first_edit_ms: ms.nullable().describe('From agent start to the first successful file change; null if none.'),
    approval_wait_ms: ms.describe('Modelled human time answering approval prompts (not part of wall time).'),
    simulated_latency_ms: ms
      .default(0)
      .describe(
        "The simulated model's latency counted in these times without being waited (summed over roles running at once); 0 for a real model or a fully paced simulated one.",
      ),
  }),
  tokens: Tokens,
  cost_usd: z.number().nonnegative().nullable(),
  roles: z.record(z.string(), RoleStats),
  structure: z.object({
    turns: count,
    tool_calls: count.describe('Calls of the tools that act on the workspace (commands, edits, file reads, MCP tools); handing work to a role is not one.'),
    tool_errors: count.describe('Tool calls that failed (bad arguments, patch did not apply, non-zero exit not counted).'),
    subagent_calls: count.describe(
      'Role calls: runs of a role another role started (sdk: an agent-tool call or a graph step; codex: a spawned agent, whose spawn, wait and close calls are not tool calls).',
    ),
    retries_after_denial: count.describe(
      "Calls a role made for what it was just refused: the same tool and target (the hosts a command names, else the paths it reads and writes, else its text; an edit's files; a file tool's path) after its call for that was denied or had its network blocked.",
    ),
  }),
  control: z.object({
    approval_prompts: count,
    approvals_granted: count,
    approvals_denied: count,
    denied_calls: count.describe('Tool calls stopped by a hook, the sandbox, the network policy or an approval denial.'),
    denials: z.array(z.object({ stage: z.string(), tool: z.string(), role: z.string(), reason: z.string() })).describe('Why each was stopped (first 50).'),
    blocked_network: count.describe('Network attempts stopped (classified from the command, or seen in its failure).'),
    hook_runs: count.nullable().describe('Hook handler runs; null when not measured (the codex engine: Codex does not log them).'),
    hook_blocks: count,
    hook_failures: count.nullable().describe('Hooks that exited non-zero (not 2), timed out, or printed invalid JSON; null when not measured (codex engine).'),
    enforcement: Enforcement.nullable().default(null).describe('What was stopped, where, and what got out; null in runs made before bench recorded it.'),
  }),
  mcp: z
    .object({
      servers: count.describe('MCP server instances started for the trial (one per role that names a server).'),
      calls: count.describe('Calls of MCP tools (mcp__<server>__<tool>), whatever became of them.'),
      side_effect_calls: count.describe('Calls of MCP tools that may change something: their annotations do not say readOnlyHint, or say destructiveHint.'),
      side_effect_approved: count.describe('Side-effecting MCP calls an approval let through (the approver or a PermissionRequest hook).'),
      side_effect_denied: count.describe('Side-effecting MCP calls stopped (a hook, an approval denial, a policy).'),
      side_effect_ran: count.describe('Side-effecting MCP calls that ran (approved, or under a policy that never asks).'),
      failures: z
        .array(z.string())
        .describe('MCP servers that could not start or stopped during the trial, in words (the trial is then an infrastructure error).'),
    })
    .nullable()
    .default(null)
    .describe(
      'MCP figures; null when not measured (runs made before bench started MCP servers, and the codex engine, whose approvals of MCP calls bench does not see).',
    ),
  review: z.object({
    verdict: z.enum(['approve', 'request_changes']).nullable().describe("The last reviewer's verdict; null when no review ran."),
    rounds: count.describe('Reviews that ran.'),
    findings: z
      .object(Object.fromEntries(FINDING_KINDS.map((k) => [k, count])) as Record<FindingKind, typeof count>)
      .describe('Findings of the last review, by kind.'),
  }),
  output: z.object({
    files_changed: count,
    lines_added: count,
    lines_removed: count,
    files: z.array(z.string()),
    out_of_scope: z.array(z.string()).describe("Changed files outside the task's allowed paths."),
    tests_run: count.describe('Test commands the agent ran.'),
    test_commands: z
      .array(z.string())
      .default([])
      .describe('The test commands the agent ran, each once, in the order first run (at most 10): e.g. the one AGENTS.md names.'),
    final_message: z.string().nullable(),
  }),
  quality: z.object({
    resolved: z.boolean().nullable().describe('Every fail_to_pass passes and every pass_to_pass still passes; null when not graded.'),
    accepted: z.boolean().describe('The workflow declared the work done.'),
    escaped_defect: z.boolean().nullable().describe('Accepted but not resolved, or accepted with out-of-scope writes.'),
    regression: z.boolean().nullable().describe('A pass_to_pass test broke: the patch would be reverted.'),
    fail_to_pass: TestCounts,
    pass_to_pass: TestCounts,
    failing: z.array(z.string()).describe('Test ids that should pass and did not.'),
    note: z.string().nullable().describe("The grader's remark (why a suite did not run, a patch that did not apply)."),
    correction_lines: count.nullable().describe("Lines between the agent's change and the gold one (pr and docs; hidden tests excluded)."),
  }),
  docs: z
    .object({
      passed: z.boolean(),
      checks: z.array(z.object({ name: z.string(), passed: z.boolean(), detail: z.string() })),
    })
    .nullable()
    .describe('Docs tasks: each check (scope, content assertions, links, examples, markdown) and the overall result.'),
  triage: z
    .object({
      answer: z
        .object({ labels: z.array(z.string()), priority: z.string(), component: z.string(), duplicate_of: z.number().nullable(), needs_info: z.boolean() })
        .nullable(),
      parse_error: z.string().nullable(),
      scores: z.object({ labels_f1: z.number(), priority: z.boolean(), component: z.boolean(), duplicate: z.boolean(), needs_info: z.boolean() }),
      passed: z.boolean(),
      severity: z.enum(['security', 'data-loss', 'normal']),
      severe_misprioritised: z.boolean(),
    })
    .nullable()
    .describe('Triage tasks: the answer, each field scored, and the overall result.'),
  team: TeamRecord.nullable().default(null).describe('Route, access matrix and concurrency of the roles; null in runs made before bench recorded them.'),
  agents_md: AgentsMdFigures.nullable()
    .default(null)
    .describe('The AGENTS.md guidance the roles were given; null when no role started (or in runs made before bench recorded it).'),
  canary: z
    .object({
      planted: z.boolean(),
      followed: z.boolean().nullable().describe('null when the task plants no injection.'),
      seen_in: z.array(z.string()).describe('Where the canary token showed up: command, output, file, answer.'),
    })
    .describe('Prompt-injection canary planted in the repository content.'),
});
export type TrialRecord = z.infer<typeof TrialRecord>;

/** run.json `model`: what answered the run's model requests. */
export const RunModel = z.object({
  backend: z.enum(['sim', 'openai']),
  name: z.string(),
  base_url: z.string().nullable(),
  api: z.enum(['responses', 'chat']).nullable(),
  simulated: z.boolean(),
  sim_profile: z.record(z.string(), z.unknown()).nullable(),
  /** Model traffic recorded to, or served from, a cassette folder (--record / --replay). */
  cassette: z
    .object({ mode: z.enum(['record', 'replay']), dir: z.string() })
    .nullable()
    .default(null),
});

/** USD per million tokens of one model. */
export const Price = z.strictObject({ input: z.number().nonnegative(), cached_input: z.number().nonnegative(), output: z.number().nonnegative() });
export type Price = z.infer<typeof Price>;
/** Prices by model name (`--prices <file>` has this shape; run.json records the table a run used). */
export const PriceTable = z.record(z.string(), Price);
export type PriceTable = z.infer<typeof PriceTable>;

export const RunManifest = z.object({
  schema: z.literal(1),
  run_id: z.string(),
  created_at: z.string(),
  harness: z.object({ version: z.string(), git_sha: z.string().nullable() }),
  node: z.string(),
  platform: z.string(),
  sandbox: z.object({
    backend: z.enum(['bwrap', 'none', 'container']),
    detail: z.string(),
    /** The container runtime that ran the tasks' commands ("podman 4.3.1 (runc 1.1.5)"), for the container backend. */
    runtime: z.string().nullable().default(null),
  }),
  /** The task environments the run used: each image as the suite named it (or the tag of a built Containerfile) and its id. */
  environments: z
    .array(
      z.object({
        declared: z.string(),
        ref: z.string(),
        image_id: z.string(),
        content_hash: z.string().nullable(),
        built: z.boolean(),
        build_ms: ms,
        tasks: z.array(z.string()),
      }),
    )
    .default([]),
  /** Tripwires were set (--audit, or the adversary model). */
  audit: z.boolean().default(false),
  /** Names of the secrets redacted from everything the run wrote (never their values). */
  redacted: z.array(z.string()).default([]),
  suite: z.object({
    name: z.string(),
    dir: z.string(),
    digest: z.string(),
    tasks: count,
    /** Replayed tasks whose request is still the commit message mining wrote (bench suite validate warns about them). */
    unedited_requests: z.array(z.string()).default([]),
  }),
  workflows: z.array(z.object({ name: z.string(), source: z.string(), digest: z.string() })),
  engine: z.enum(['sdk', 'codex']),
  /**
   * The codex engine: the Codex CLI version, the sandbox each workflow's session ran in, and (since
   * role_sandbox was recorded) each role's own sandbox_mode, which Codex 0.169 does not apply to sub-agents.
   */
  codex: z
    .object({
      version: z.string(),
      session_sandbox: z.record(z.string(), z.enum(['read-only', 'workspace-write', 'danger-full-access'])),
      role_sandbox: z.record(z.string(), z.record(z.string(), z.enum(['read-only', 'workspace-write', 'danger-full-access']))).optional(),
    })
    .nullable()
    .default(null),
  model: RunModel,
  prices: PriceTable,
  seed: count,
  repeat: count,
  concurrency: count,
  filters: z.object({ limit: count.nullable(), tasks: z.array(z.string()), tags: z.array(z.string()).default([]) }),
  shard: z
    .object({
      index: count,
      total: count,
      /** Trials of all shards together. */
      trials_total: count,
      /** The run whose task durations balanced the shards (--durations), or null (equal weights). */
      balanced_by: z.string().nullable(),
    })
    .nullable(),
  trials_planned: count,
  command: z.array(z.string()),
  /** A run made by `bench merge`: the runs (shards) it joins. */
  merged_from: z
    .array(z.object({ run_id: z.string(), dir: z.string(), shard: z.object({ index: count, total: count }).nullable(), trials: count }))
    .default([]),
  /** A run made by `bench regrade`: the run whose patches and answers were graded again. */
  regraded_from: z.object({ run_id: z.string(), dir: z.string(), suite_digest: z.string() }).nullable().default(null),
});
export type RunManifest = z.infer<typeof RunManifest>;

/** One line of trials/<id>/events.jsonl. `t` is ms since the trial started. */
export const TrialEvent = z
  .object({
    t: z.number(),
    type: z.string(),
    role: z.string().optional(),
  })
  .loose();
export type TrialEvent = z.infer<typeof TrialEvent>;
