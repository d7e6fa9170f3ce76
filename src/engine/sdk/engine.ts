// The sdk engine: builds @openai/agents agents from a workflow and runs the task through them.
import { randomBytes } from 'node:crypto';
import { Agent, MaxTurnsExceededError, Runner } from '@openai/agents';
import type { Role } from '../../workflow/types.ts';
import type { EngineInput, EngineResult } from '../types.ts';
import { workspaceTools } from './tools.ts';
import { traceRouter } from './tracing.ts';

const COMMAND_TIMEOUT_MS = 10 * 60_000;

function buildAgent(role: Role, input: EngineInput): Agent {
  const { model } = input.modelFor(role);
  return new Agent({
    name: role.name,
    instructions: role.instructions,
    handoffDescription: role.description,
    model,
    modelSettings: role.reasoningEffort ? { reasoning: { effort: role.reasoningEffort } } : {},
    tools: workspaceTools(role.tools, { role: role.name, plane: input.plane, commandTimeoutMs: COMMAND_TIMEOUT_MS }),
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Errors from talking to the model service (after the client's own retries) are infrastructure. */
function isModelServiceError(err: unknown): boolean {
  const name = (err as { constructor?: { name?: string } })?.constructor?.name ?? '';
  return /APIError|APIConnection|RateLimit|InternalServer|Timeout/.test(name) || /ECONNREFUSED|ECONNRESET|socket hang up/.test(String((err as Error)?.message));
}

export async function runSdkEngine(input: EngineInput): Promise<EngineResult> {
  const { workflow } = input;
  const entry = workflow.roles.find((r) => r.name === workflow.entry);
  if (!entry) throw new Error(`workflow ${workflow.name} has no entry role ${workflow.entry}`);
  const agent = buildAgent(entry, input);

  const traceId = `trace_${randomBytes(16).toString('hex')}`;
  const unregister = traceRouter().register(traceId, input.events);
  const runner = new Runner({ workflowName: `bench ${workflow.name}`, traceId, groupId: input.trialId, traceIncludeSensitiveData: false });
  input.events.emit('agent', { role: entry.name, state: 'start' });
  try {
    const result = await runner.run(agent, input.prompt, { maxTurns: workflow.limits.maxTurns, signal: input.signal });
    const out = result.finalOutput;
    const finalText = out === undefined || out === null ? null : typeof out === 'string' ? out : JSON.stringify(out);
    input.events.emit('message', { role: entry.name, text: finalText ?? '' });
    return { stop: 'completed', finalText, accepted: finalText !== null && finalText.trim() !== '' };
  } catch (err) {
    if (input.signal.aborted) return { stop: 'aborted', finalText: null, accepted: false, error: String(input.signal.reason ?? 'aborted') };
    if (err instanceof MaxTurnsExceededError) return { stop: 'max_turns', finalText: null, accepted: false, error: errorText(err) };
    if (isModelServiceError(err)) return { stop: 'model_error', finalText: null, accepted: false, error: errorText(err) };
    return { stop: 'error', finalText: null, accepted: false, error: errorText(err) };
  } finally {
    input.events.emit('agent', { role: entry.name, state: 'end' });
    unregister();
  }
}
