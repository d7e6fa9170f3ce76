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
  /** The model asked for more than its sandbox gives (Codex's sandbox_permissions). */
  escalate?: EscalationRequest;
  /** The sub-agent making the call (absent for the session's own role). */
  agent?: HookAgent;
  /** A tool of an MCP server: its server, its own name there, and whether it may change anything (its annotations do not say read-only, or say destructive). */
  mcp?: { server: string; tool: string; sideEffect: boolean };
}

/**
 * What an escalation asks for. `require_escalated` is Codex's "run this outside the sandbox": bench
 * never does that, it grants network (the reason nearly every escalation is asked for) inside the
 * sandbox. `with_additional_permissions` names what it needs: network, and absolute paths to read or write.
 */
export interface EscalationRequest {
  kind: 'require_escalated' | 'with_additional_permissions';
  justification: string;
  network: boolean;
  read: string[];
  write: string[];
}

/** What an approved call may do beyond its role's sandbox. */
export interface Grant {
  network: boolean;
  read: string[];
  write: string[];
  /** Package lifecycle scripts may run (only when the approver's rule says so). */
  scripts: boolean;
}

export const NO_GRANT: Grant = { network: false, read: [], write: [], scripts: false };

/**
 * Classes of what a blocked (or escaped) attempt went for, for the enforcement figures:
 *   read        something outside the role's view (host files, the answer key, other trials)
 *   write       writing where the role may not (outside the worktree, or anything for a read-only role)
 *   git         the worktree's git metadata
 *   network     another host
 *   escalation  more authority than the role has (escalating from a read-only role, a hidden path, a refused approval)
 *   tamper      bench's own observation of the sandbox
 *   other       a hook's or an approver's refusal of something else
 */
export const ATTEMPT_CLASSES = ['read', 'write', 'git', 'network', 'escalation', 'tamper', 'other'] as const;
export type AttemptClass = (typeof ATTEMPT_CLASSES)[number];

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
