// The codex engine: the real Codex CLI runs the trial (`codex exec --json` in the worktree) with the
// workflow deployed into a private CODEX_HOME; what it did comes back from its rollout files as the
// same events the sdk engine logs. Codex enforces its own sandbox, hooks and approval policy; bench's
// OS sandbox wraps the whole process in the same hermetic view agent commands get (no home folders,
// no later history, no suite or results), so nothing Codex lets through reaches more than that.
import { shellQuote as shq } from '../../exec/run.ts';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { commandEnv, runSandboxed, type SandboxBackend } from '../../control/sandbox.ts';
import type { SandboxMode } from '../../control/types.ts';
import { errorMessage } from '../../errors.ts';
import { clip, type EventLog } from '../../record/events.ts';
import { formatOtlpHeaders } from '../../record/otelTarget.ts';
import type { Redactor } from '../../record/redact.ts';
import type { Workflow } from '../../workflow/types.ts';
import { isAccepted } from '../accepted.ts';
import type { EngineResult } from '../types.ts';
import type { CodexBinary } from './binary.ts';
import { KEY_ENV, OTLP_HEADERS_ENV, prepareCodexHome, type CodexOtel, type CodexProvider } from './home.ts';
import { deriveEvents, parseExecStream, parseRollouts, type DerivedUsage } from './rollout.ts';

export interface CodexEngineInput {
  trialId: string;
  workflow: Workflow;
  prompt: string;
  answerSchema?: { name: string; schema: Record<string, unknown> };
  codex: CodexBinary;
  provider: CodexProvider & { apiKey: string };
  /** Variables the roles' MCP servers get (the trial's issue export). */
  mcpEnv?: Record<string, string>;
  /** Codex's own traces, sent where the run's go (its [otel] trace exporter). */
  otel?: CodexOtel;
  /** The session's sandbox (sub-agents inherit it in Codex 0.169). */
  sandboxMode: SandboxMode;
  networkAccess: boolean;
  workspace: string;
  /** The trial's scratch folder: CODEX_HOME, HOME and TMPDIR go below it. */
  scratch: string;
  /** Where the exec stream and rollouts are kept (the trial's folder). */
  keep: string;
  /** Secrets kept out of those files. */
  redactor: Redactor;
  sandbox: SandboxBackend;
  isolation: { hidden: string[]; reveal: string[] };
  canary: { token: string; env?: string } | null;
  events: EventLog;
  /** Each model response's usage, by role (the ledger). */
  onUsage(u: DerivedUsage): void;
  timeoutMs: number;
  signal: AbortSignal;
}

function rolloutFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && /^rollout-.*\.jsonl$/.test(e.name)) out.push(join(e.parentPath, e.name));
  }
  return out.sort();
}

export async function runCodexEngine(input: CodexEngineInput): Promise<EngineResult> {
  const { events, workflow } = input;
  const home = join(input.scratch, 'codex-home');
  mkdirSync(home, { recursive: true });
  // Codex's own helpers refuse a CODEX_HOME under the temp dir: TMPDIR (scratch/tmp) is elsewhere.
  const { env } = commandEnv(input.scratch, {
    CODEX_HOME: home,
    [KEY_ENV]: input.provider.apiKey,
    ...(input.otel && Object.keys(input.otel.target.headers).length ? { [OTLP_HEADERS_ENV]: formatOtlpHeaders(input.otel.target.headers) } : {}),
    ...(input.canary?.env ? { [input.canary.env]: input.canary.token } : {}),
  });
  const entry = workflow.roles.find((r) => r.name === workflow.entry)!;
  events.emit('agent', {
    role: entry.name,
    state: 'start',
    routing: workflow.routing,
    engine: 'codex',
    codex: input.codex.version,
    sandbox: input.sandboxMode,
  });
  try {
    await prepareCodexHome({
      dir: home,
      codex: input.codex,
      workflow,
      provider: input.provider,
      sandbox: input.sandboxMode,
      networkAccess: input.networkAccess,
      workspace: input.workspace,
      env,
      ...(input.mcpEnv ? { mcpEnv: input.mcpEnv } : {}),
      ...(input.otel ? { otel: input.otel } : {}),
      signal: input.signal,
    });
  } catch (err) {
    return { stop: 'error', finalText: null, accepted: false, error: `setting up CODEX_HOME failed: ${errorMessage(err)}` };
  }

  const args = [input.codex.path, 'exec', '--json', '--skip-git-repo-check', '--cd', input.workspace];
  if (input.answerSchema) {
    const schemaFile = join(home, `${input.answerSchema.name}.schema.json`);
    writeFileSync(schemaFile, JSON.stringify(input.answerSchema.schema));
    args.push('--output-schema', schemaFile);
  }
  args.push('--', input.prompt);
  const res = await runSandboxed(
    input.sandbox,
    args.map(shq).join(' '),
    {
      // The same hermetic view as an agent command, plus Codex's own folder: Codex sandboxes its commands
      // inside it (its own bubblewrap needs new namespaces: the `nested` filter allows them). Network is on
      // for Codex itself to reach the model; its commands get none unless a role has it.
      mode: 'workspace-write',
      network: true,
      workspace: input.workspace,
      writable: [input.scratch],
      hidden: input.isolation.hidden,
      // The plugin folder too, read-only, when a role has MCP servers: Codex starts them from there.
      reveal: [
        ...input.isolation.reveal,
        dirname(dirname(realpathSync(input.codex.path))),
        ...(workflow.dir && workflow.roles.some((r) => r.mcpServers?.length) ? [workflow.dir] : []),
      ],
      cwd: input.workspace,
      seccomp: 'nested',
    },
    { env, timeoutMs: input.timeoutMs, signal: input.signal, maxOutputBytes: 32 << 20 },
  );

  // Keep what Codex wrote: the exec stream and every session's rollout.
  mkdirSync(join(input.keep, 'codex'), { recursive: true });
  const keep = (name: string, text: string) => writeFileSync(join(input.keep, 'codex', name), input.redactor.text(text));
  keep('exec.jsonl', res.stdout);
  if (res.stderr.trim()) keep('stderr.log', res.stderr);
  const files = rolloutFiles(join(home, 'sessions'));
  for (const f of files) keep(relative(join(home, 'sessions'), f).replace(/\//g, '_'), readFileSync(f, 'utf8'));

  const stream = parseExecStream(res.stdout);
  const sessions = parseRollouts(
    files.map((f) => readFileSync(f, 'utf8')),
    entry.name,
  );
  const derived = deriveEvents(sessions, {
    canary: input.canary,
    networkOff: !input.networkAccess && input.sandboxMode !== 'danger-full-access',
    reviewers: workflow.roles.filter((r) => r.output?.kind === 'review').map((r) => r.name),
  });
  for (const u of derived.usage) input.onUsage(u);
  for (const e of derived.events) events.emitAt(e.at, e.type, e.data);

  if (res.aborted || input.signal.aborted) return { stop: 'aborted', finalText: null, accepted: false, error: String(input.signal.reason ?? 'aborted') };
  if (res.spawnError) return { stop: 'error', finalText: null, accepted: false, error: `codex did not start: ${res.spawnError}` };
  // A turn is done when Codex says so: turn.completed, and nothing it reported as an error on the way
  // (a role file it ignored, a hook it could not load, model metadata it lacked all leave the turn
  // "completed", run without what the workflow meant). Only its reconnect notices are not errors.
  if (stream.failed || !stream.completed || res.exitCode !== 0) {
    const why = stream.errors.at(-1) ?? (clip(res.stderr.trim().split('\n').slice(-3).join(' '), 500) || 'no error message');
    const service = /stream|connect|status|http|5\d\d|429|reconnect|Missing environment variable/i.test(why);
    return {
      stop: service ? 'model_error' : 'error',
      finalText: null,
      accepted: false,
      error: `codex exec ${res.exitCode === null ? `killed (${res.signal})` : `exited ${res.exitCode}`}${stream.completed ? '' : ' without turn.completed'}: ${why}`,
    };
  }
  const reported = stream.errors.filter((m) => !/^Reconnecting\b/.test(m));
  if (reported.length)
    return { stop: 'error', finalText: null, accepted: false, error: `codex reported an error in the turn: ${clip(reported.join(' | '), 1000)}` };
  const finalText =
    stream.finalText ??
    [...derived.events]
      .reverse()
      .find((e) => e.type === 'message' && e.data.role === entry.name)
      ?.data.text?.toString() ??
    null;
  // Done means what it means for the sdk engine.
  const outputs = derived.events.filter((e) => e.type === 'role_output').map((e) => e.data.output);
  return { stop: 'completed', finalText, accepted: isAccepted(outputs, finalText) };
}
