// A workflow is data: the roles an agent system has, how work is routed between them, and the limits
// and policies around them. Loaded from a plugin folder or built in; engines only read this shape.
import type { SandboxMode } from '../control/plane.ts';
import type { ToolName } from '../engine/sdk/tools.ts';

export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high';

export interface Role {
  name: string;
  description: string;
  instructions: string;
  /** Overrides the run's model for this role. */
  model?: string;
  reasoningEffort?: ReasoningEffort;
  sandbox: SandboxMode;
  tools: ToolName[];
  /** JSON Schema of the role's final answer (completion manifest, review verdict), if any. */
  outputSchema?: Record<string, unknown>;
}

export interface WorkflowLimits {
  /** Model turns per agent run. */
  maxTurns: number;
  maxThreads: number;
  maxDepth: number;
  jobMaxRuntimeSeconds: number;
}

export interface Workflow {
  name: string;
  /** Where it came from: `builtin:<name>` or the folder. */
  source: string;
  /** sha256 over what defines it (files or built-in definition). */
  digest: string;
  routing: 'single' | 'description' | 'graph';
  /** The role the task is given to. */
  entry: string;
  roles: Role[];
  limits: WorkflowLimits;
}
