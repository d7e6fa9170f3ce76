// The approver stands in for the human who answers approval prompts: a rules file of allow/deny
// patterns on the tool, the command, its working directory and what the call asks for beyond the
// sandbox; first match wins, default deny. An allow rule grants only the permissions it names (network
// unless it says otherwise), and never package lifecycle scripts unless it says so: what a person
// approves is the command they read, not the scripts a package manager would run behind it. How long the
// human would have taken is modelled (seeded) and recorded apart from agent time; nobody actually waits.
import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import picomatch from 'picomatch';
import type { Grant } from './types.ts';

export interface ApproverRule {
  decision: 'allow' | 'deny';
  /** Tool name glob (exec_command, apply_patch, ...); any tool when absent. */
  tool?: string;
  /** Regular expression searched in the call's text (the command, the patch, or the JSON arguments). */
  match?: string;
  /** Regular expression the working directory (relative to the workspace, "." for its root) must match. */
  workdir?: string;
  /** What an allow rule grants beyond the sandbox; a call asking for more is not matched (default: network). */
  permissions?: Array<'network' | 'read' | 'write'>;
  /** Globs every path the call asks to read or write must match. */
  paths?: string[];
  /** Package lifecycle scripts may run in what this rule approves. */
  lifecycle_scripts?: boolean;
  /** Shown to the agent on a denial. */
  message?: string;
}

export interface ApproverSpec {
  rules: ApproverRule[];
  default: 'allow' | 'deny';
  /** Mean modelled human wait per prompt, ms. */
  wait_ms: number;
}

export const DEFAULT_APPROVER: ApproverSpec = { rules: [], default: 'deny', wait_ms: 4000 };

/** What the person is shown. */
export interface ApprovalRequest {
  tool: string;
  /** The command, the patch, or the call's JSON arguments. */
  text: string;
  /** Absolute working directory, and the workspace it lies in. */
  workdir: string;
  workspace: string;
  /** What running it would take beyond the role's sandbox. */
  permissions: Grant;
}

export interface ApproverDecision {
  approved: boolean;
  rule: number | 'default';
  message: string;
  waitMs: number;
  /** Whether lifecycle scripts may run. */
  scripts: boolean;
}

/** What a request asks for, as rule permission names. */
function asked(p: Grant): Array<'network' | 'read' | 'write'> {
  return [...(p.network ? (['network'] as const) : []), ...(p.read.length ? (['read'] as const) : []), ...(p.write.length ? (['write'] as const) : [])];
}

function matches(r: ApproverRule, req: ApprovalRequest): boolean {
  if (r.tool && !picomatch.isMatch(req.tool, r.tool)) return false;
  if (r.match && !new RegExp(r.match).test(req.text)) return false;
  if (r.workdir !== undefined && !new RegExp(r.workdir).test(relative(req.workspace, req.workdir) || '.')) return false;
  if (r.decision === 'allow') {
    const allowed = r.permissions ?? ['network'];
    if (asked(req.permissions).some((p) => !allowed.includes(p))) return false;
    const paths = [...req.permissions.read, ...req.permissions.write];
    if (paths.length && !(r.paths ?? []).length) return false;
    if (r.paths?.length && paths.some((p) => !picomatch.isMatch(p, r.paths!, { dot: true }))) return false;
  }
  return true;
}

export function decide(spec: ApproverSpec, req: ApprovalRequest, seedKey: string): ApproverDecision {
  let rule: number | 'default' = 'default';
  let decision = spec.default;
  let message: string | undefined;
  let scripts = false;
  for (let i = 0; i < spec.rules.length; i++) {
    const r = spec.rules[i]!;
    if (!matches(r, req)) continue;
    rule = i;
    decision = r.decision;
    message = r.message;
    scripts = !!r.lifecycle_scripts;
    break;
  }
  // A default "allow" grants what a rule without fields would: network, never paths or scripts.
  if (rule === 'default' && decision === 'allow' && (req.permissions.read.length || req.permissions.write.length)) decision = 'deny';
  // A human's answer time is skewed: exponential around the mean, from a seeded draw.
  const u = createHash('sha256').update(seedKey).digest().readUIntBE(0, 6) / 2 ** 48;
  const waitMs = Math.round(-Math.log(1 - u * 0.999) * spec.wait_ms);
  return {
    approved: decision === 'allow',
    rule,
    message: message ?? (decision === 'allow' ? 'approved' : `The reviewer declined this ${req.tool} call.`),
    waitMs,
    scripts: decision === 'allow' && scripts,
  };
}
