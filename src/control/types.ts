// The vocabulary of the control plane, shared by the workflows that configure it and the engines that
// call it.

export type SandboxMode = 'read-only' | 'workspace-write' | 'danger-full-access';
export const SANDBOX_MODES: readonly SandboxMode[] = ['read-only', 'workspace-write', 'danger-full-access'];

/** When a human (the approver) is asked, as Codex's approval_policy. */
export type ApprovalPolicy = 'untrusted' | 'on-request' | 'on-failure' | 'never';
export const APPROVAL_POLICIES: readonly ApprovalPolicy[] = ['untrusted', 'on-request', 'on-failure', 'never'];

/** Network for a role's commands: off, on, or on only after approval. */
export type NetworkPolicy = 'deny' | 'allow' | 'ask';

export interface RolePolicy {
  sandbox: SandboxMode;
  network: NetworkPolicy;
  approval: ApprovalPolicy;
}

export interface ToolCall {
  callId: string;
  role: string;
  /** The harness tool (exec_command, apply_patch, read_file, ...). */
  tool: string;
  input: Record<string, unknown>;
  /** Paths the call writes, as the agent named them (resolved by the plane before checking). */
  writes?: string[];
  /** A shell command the call runs. */
  command?: { cmd: string; workdir?: string };
  /** The model asked to run outside the sandbox (Codex's sandbox_permissions: require_escalated). */
  escalate?: { justification: string };
  /** The sub-agent making the call (absent for the session's own role). */
  agent?: HookAgent;
}

/** A sub-agent as hooks see it: Codex's agent_id (one per spawned agent) and agent_type (its role), and its model. */
export interface HookAgent {
  agent_id: string;
  agent_type: string;
  model: string;
}

/** The name hooks match a tool by, as Codex reports it. */
export function hookToolName(tool: string): string {
  switch (tool) {
    case 'exec_command':
      return 'Bash';
    case 'read_file':
      return 'Read';
    case 'list_dir':
      return 'LS';
    case 'grep_files':
      return 'Grep';
    default:
      return tool;
  }
}

/** What hooks see as tool_input: Codex sends {command} for shell and for apply_patch (the patch text). */
export function hookToolInput(call: ToolCall): Record<string, unknown> {
  if (call.tool === 'exec_command')
    return { command: call.command?.cmd ?? call.input.cmd, ...(call.escalate ? { description: call.escalate.justification } : {}) };
  if (call.tool === 'apply_patch') return { command: call.input.patch ?? call.input.input };
  return call.input;
}
