// Replies in the Agents SDK's own shapes (ModelResponse items and Usage).
import { Usage, type ModelResponse } from '@openai/agents';
import type { Reply } from './conversation.ts';

export function toSdkResponse(reply: Reply, responseId: string): ModelResponse {
  const output = reply.items.map((it, i) =>
    it.kind === 'message'
      ? {
          type: 'message' as const,
          id: `${responseId}_msg_${i}`,
          role: 'assistant' as const,
          status: 'completed' as const,
          content: [{ type: 'output_text' as const, text: it.text }],
        }
      : {
          type: 'function_call' as const,
          id: `${responseId}_fc_${i}`,
          callId: it.callId,
          name: it.name,
          arguments: it.args,
          status: 'completed' as const,
        },
  );
  return {
    responseId,
    output,
    usage: new Usage({
      requests: 1,
      inputTokens: reply.usage.input,
      outputTokens: reply.usage.output,
      totalTokens: reply.usage.input + reply.usage.output,
      inputTokensDetails: { cached_tokens: reply.usage.cached_input },
      outputTokensDetails: { reasoning_tokens: reply.usage.reasoning },
    }),
  };
}
