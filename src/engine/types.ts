// What every engine is given and gives back: the stage contract between replay and sdk/codex engines.
import type { Model } from '@openai/agents';
import type { HookRunner } from '../control/hooks.ts';
import type { ControlPlane } from '../control/plane.ts';
import type { EventLog } from '../record/events.ts';
import type { Role, Workflow } from '../workflow/types.ts';
import type { Guidance } from './agentsMd.ts';
import type { McpTrialContext } from './sdk/mcp.ts';
import type { TraceRouter } from './sdk/tracing.ts';

export interface EngineInput {
  trialId: string;
  workflow: Workflow;
  /** The task as the entry role receives it. */
  prompt: string;
  /** A structured answer the entry role must give (triage), overriding its own output schema. */
  answerSchema?: { name: string; schema: Record<string, unknown> };
  plane: ControlPlane;
  hooks: HookRunner | null;
  /** The (ledger-wrapped) model a role uses. */
  modelFor(role: Role): { model: Model; name: string };
  events: EventLog;
  /** What the roles' MCP servers get from the trial (absent: they get nothing of it, and their logs go to a temporary folder). */
  mcp?: McpTrialContext;
  signal: AbortSignal;
  /** Routes the SDK's spans of this run into `events` (the run's one router, passed down). */
  traces?: TraceRouter;
  /**
   * The repository's AGENTS.md as a role starting now gets it (composed anew for every role run, as
   * Codex does for every thread: an earlier role may have changed it); absent: none.
   */
  guidance?: () => Guidance;
}

export type EngineStop = 'completed' | 'max_turns' | 'aborted' | 'model_error' | 'error';

export interface EngineResult {
  stop: EngineStop;
  /** The entry role's final answer as text (JSON for structured answers). */
  finalText: string | null;
  /** The workflow declared the work done (the reviewer approved, or the worker reported done). */
  accepted: boolean;
  error?: string;
}
