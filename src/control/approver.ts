// The approver stands in for the human who answers approval prompts: a rules file of allow/deny
// patterns on the tool and its arguments, first match wins, default deny. How long the human would
// have taken is modelled (seeded) and recorded apart from agent time; nobody actually waits.
import { createHash } from 'node:crypto';
import picomatch from 'picomatch';

export interface ApproverRule {
  decision: 'allow' | 'deny';
  /** Tool name glob (exec_command, apply_patch, ...); any tool when absent. */
  tool?: string;
  /** Regular expression searched in the call's text (the command, the patch, or the JSON arguments). */
  match?: string;
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

export interface ApproverDecision {
  approved: boolean;
  rule: number | 'default';
  message: string;
  waitMs: number;
}

export function decide(spec: ApproverSpec, tool: string, text: string, seedKey: string): ApproverDecision {
  let rule: number | 'default' = 'default';
  let decision = spec.default;
  let message: string | undefined;
  for (let i = 0; i < spec.rules.length; i++) {
    const r = spec.rules[i]!;
    if (r.tool && !picomatch.isMatch(tool, r.tool)) continue;
    if (r.match && !new RegExp(r.match).test(text)) continue;
    rule = i;
    decision = r.decision;
    message = r.message;
    break;
  }
  // A human's answer time is skewed: exponential around the mean, from a seeded draw.
  const u = createHash('sha256').update(seedKey).digest().readUIntBE(0, 6) / 2 ** 48;
  const waitMs = Math.round(-Math.log(1 - u * 0.999) * spec.wait_ms);
  return {
    approved: decision === 'allow',
    rule,
    message: message ?? (decision === 'allow' ? 'approved' : `The reviewer declined this ${tool} call.`),
    waitMs,
  };
}
