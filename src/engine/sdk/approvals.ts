// Approvals the SDK way: a tool whose needsApproval says yes ends the turn with interruptions (nested
// agent-tool approvals bubble up to the top run); each is answered through the control plane and the
// run resumes from its state, until no interruption is left.
import type { Agent, Runner } from '@openai/agents';
import type { ControlPlane } from '../../control/plane.ts';

type RunInput = Parameters<Runner['run']>[1];

export async function runWithApprovals(
  runner: Runner,
  agent: Agent<any, any>,
  input: RunInput,
  opts: { maxTurns: number; signal: AbortSignal },
  plane: ControlPlane,
) {
  let result = await runner.run(agent, input, { maxTurns: opts.maxTurns, signal: opts.signal });
  while (result.interruptions?.length) {
    for (const item of result.interruptions) {
      const callId = (item.rawItem as { callId?: string }).callId ?? '';
      // The agent that made the call is the role (agents are named after their roles).
      const answer = await plane.decide(callId, item.agent.name);
      if (answer.approved) result.state.approve(item);
      else result.state.reject(item, { message: `Not approved: ${answer.message}` });
    }
    result = await runner.run(agent, result.state, { maxTurns: opts.maxTurns, signal: opts.signal });
  }
  return result;
}
