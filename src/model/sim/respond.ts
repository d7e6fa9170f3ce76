// The simulated model as a function of a conversation: decide (policy), count tokens on the real
// prompt text, and wait as long as the latency profile says a model of this speed would.
import { setTimeout as sleep } from 'node:timers/promises';
import { promptParts, type Conversation, type Reply } from '../conversation.ts';
import { TokenCounter } from '../tokens.ts';
import type { SimContext } from './oracle.ts';
import { adversaryDecide } from './adversary.ts';
import { decide } from './policy.ts';
import type { SimProfile } from './profile.ts';
import { draw } from './random.ts';

/** Providers cache prompt prefixes of at least 1024 tokens, in 128-token steps. */
function cachedTokens(prefixTokens: number): number {
  return prefixTokens >= 1024 ? Math.floor(prefixTokens / 128) * 128 : 0;
}

export class SimResponder {
  readonly profile: SimProfile;
  private readonly tokens = new TokenCounter();

  constructor(profile: SimProfile) {
    this.profile = profile;
  }

  /** The reply and its usage, computed without waiting. */
  reply(conv: Conversation, ctx: SimContext): Reply {
    const decision = ctx.targets ? adversaryDecide(conv, ctx.oracle, ctx.targets, this.profile, ctx.seed) : decide(conv, ctx.oracle, this.profile, ctx.seed);
    const parts = promptParts(conv);
    const input = this.tokens.sum(parts);
    // What the previous request of this conversation already sent: everything up to the model's last output.
    let lastOutput = -1;
    conv.items.forEach((it, i) => {
      if (it.kind === 'call' || (it.kind === 'message' && it.role === 'assistant')) lastOutput = i;
    });
    const prefix = lastOutput < 0 ? 0 : this.tokens.sum(parts.slice(0, parts.length - conv.items.length + lastOutput + 1));
    const turn = conv.items.filter((it) => it.kind === 'call' || (it.kind === 'message' && it.role === 'assistant')).length;
    const effort = (conv.reasoningEffort ?? 'medium') as keyof SimProfile['reasoning_tokens'];
    const base = this.profile.reasoning_tokens[effort] ?? this.profile.reasoning_tokens.medium;
    const reasoning = Math.round(base * this.profile.verbosity * (0.5 + draw(ctx.seed, ctx.oracle.taskId, conv.instructions.length, 'reasoning', turn)));
    const visible = this.tokens.sum(decision.items.map((it) => (it.kind === 'message' ? it.text : `${it.name}(${it.args})`)));
    return {
      items: decision.items,
      usage: { input, cached_input: Math.min(input, cachedTokens(prefix)), output: visible + reasoning, reasoning },
    };
  }

  /** Simulated generation time for a reply: time to first token plus output at the profile's speed. */
  latencyMs(reply: Reply, ctx: SimContext, turnKey: string | number): number {
    const { ttft_ms, tokens_per_s } = this.profile.latency;
    const jitter = 0.8 + 0.4 * draw(ctx.seed, ctx.oracle.taskId, 'latency', turnKey);
    return jitter * (ttft_ms + (reply.usage.output / tokens_per_s) * 1000);
  }

  /**
   * The reply, once its latency has passed: the share `time_scale` of it slept, the rest counted on the
   * trial's clock. Without a clock (the model reached over HTTP: the caller measures its own time) the
   * whole latency is slept unless time_scale says otherwise.
   */
  async respond(conv: Conversation, ctx: SimContext, signal?: AbortSignal): Promise<Reply> {
    const reply = this.reply(conv, ctx);
    // The adversary's figures are what it got through, not how long it took: it does not wait.
    const latency = ctx.targets ? 0 : this.latencyMs(reply, ctx, conv.items.length);
    const scale = this.profile.latency.time_scale ?? (ctx.clock ? 0 : 1);
    if (latency * scale > 0) await sleep(latency * scale, undefined, { signal });
    ctx.clock?.advance(latency * (1 - scale));
    return reply;
  }
}
