// Per-role model accounting. The Agents SDK keeps usage per run (shared by nested agent-tool runs,
// without agent attribution), so each role gets its own Model wrapper that times every request and
// reads its usage: the ledger is the source of per-role tokens, requests and model time.
import type { Model, ModelRequest, ModelResponse, StreamEvent } from '@openai/agents';
import type { EventLog } from '../record/events.ts';

export interface RoleUsage {
  model: string;
  requests: number;
  input: number;
  cached_input: number;
  output: number;
  reasoning: number;
  model_ms: number;
  errors: number;
}

type UsageLike = {
  inputTokens?: number;
  outputTokens?: number;
  inputTokensDetails?: Record<string, number> | Array<Record<string, number>>;
  outputTokensDetails?: Record<string, number> | Array<Record<string, number>>;
};

function detail(d: UsageLike['inputTokensDetails'], key: string): number {
  if (!d) return 0;
  const list = Array.isArray(d) ? d : [d];
  return list.reduce((n, x) => n + (x?.[key] ?? 0), 0);
}

export class Ledger {
  readonly roles = new Map<string, RoleUsage>();
  private readonly events: EventLog;

  constructor(events: EventLog) {
    this.events = events;
  }

  private entry(role: string, model: string): RoleUsage {
    let e = this.roles.get(role);
    if (!e) {
      e = { model, requests: 0, input: 0, cached_input: 0, output: 0, reasoning: 0, model_ms: 0, errors: 0 };
      this.roles.set(role, e);
    }
    return e;
  }

  private record(role: string, model: string, ms: number, usage: UsageLike | undefined, error?: unknown, log = true): void {
    const e = this.entry(role, model);
    const u = {
      input: usage?.inputTokens ?? 0,
      cached_input: detail(usage?.inputTokensDetails, 'cached_tokens'),
      output: usage?.outputTokens ?? 0,
      reasoning: detail(usage?.outputTokensDetails, 'reasoning_tokens'),
    };
    e.requests++;
    e.input += u.input;
    e.cached_input += u.cached_input;
    e.output += u.output;
    e.reasoning += u.reasoning;
    e.model_ms += ms;
    if (error) e.errors++;
    if (!log) return;
    this.events.emit('model', {
      role,
      model,
      ms: Math.round(ms),
      ...u,
      ...(error ? { error: error instanceof Error ? error.message : String(error) } : {}),
    });
  }

  /** A request another program made and logged (the codex engine reads them back from Codex's rollouts). */
  add(role: string, model: string, ms: number, u: { input: number; cached_input: number; output: number; reasoning: number }): void {
    this.record(
      role,
      model,
      ms,
      {
        inputTokens: u.input,
        outputTokens: u.output,
        inputTokensDetails: { cached_tokens: u.cached_input },
        outputTokensDetails: { reasoning_tokens: u.reasoning },
      },
      undefined,
      false,
    );
  }

  /** The role's model, wrapped so every request lands in this ledger. */
  wrap(role: string, modelName: string, model: Model): Model {
    this.entry(role, modelName);
    const ledger = this;
    return {
      async getResponse(request: ModelRequest): Promise<ModelResponse> {
        const t0 = performance.now();
        try {
          const res = await model.getResponse(request);
          ledger.record(role, modelName, performance.now() - t0, res.usage);
          return res;
        } catch (err) {
          ledger.record(role, modelName, performance.now() - t0, undefined, err);
          throw err;
        }
      },
      async *getStreamedResponse(request: ModelRequest): AsyncIterable<StreamEvent> {
        const t0 = performance.now();
        let usage: UsageLike | undefined;
        try {
          for await (const ev of model.getStreamedResponse(request)) {
            if (ev.type === 'response_done') usage = ev.response.usage as UsageLike;
            yield ev;
          }
          ledger.record(role, modelName, performance.now() - t0, usage);
        } catch (err) {
          ledger.record(role, modelName, performance.now() - t0, usage, err);
          throw err;
        }
      },
    };
  }
}
