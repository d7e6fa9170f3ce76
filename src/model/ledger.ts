// Per-role model accounting. The Agents SDK keeps usage per run (shared by nested agent-tool runs,
// without agent attribution), so each role gets its own Model wrapper that times every request and
// reads its usage: the ledger is the source of per-role tokens, requests and model time.
import type { Model, ModelRequest, ModelResponse, StreamEvent } from '@openai/agents';
import type { EventLog } from '../record/events.ts';
import { fromSdkRequest, toldText, type SdkRequestLike } from './conversation.ts';

export interface RoleUsage {
  model: string;
  requests: number;
  input: number;
  cached_input: number;
  output: number;
  reasoning: number;
  model_ms: number;
}

/** One request's tokens. */
type RequestTokens = Pick<RoleUsage, 'input' | 'cached_input' | 'output' | 'reasoning'>;

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

/** The Agents SDK's usage of one response, as tokens. */
function tokensOf(usage: UsageLike | undefined): RequestTokens {
  return {
    input: usage?.inputTokens ?? 0,
    cached_input: detail(usage?.inputTokensDetails, 'cached_tokens'),
    output: usage?.outputTokens ?? 0,
    reasoning: detail(usage?.outputTokensDetails, 'reasoning_tokens'),
  };
}

/**
 * What a request tells the model, as text: the instructions, the messages it is given and every tool's
 * output (not what the model itself said or asked for earlier: that came from it).
 */
export function requestText(request: ModelRequest): string {
  return toldText(fromSdkRequest(request as unknown as SdkRequestLike, ''));
}

export class Ledger {
  readonly roles = new Map<string, RoleUsage>();
  private readonly events: EventLog;
  /** Looks at what each request shows the model (the leak scanner). */
  private readonly inspect: ((role: string, text: string) => void) | null;

  constructor(events: EventLog, opts: { inspect?: (role: string, text: string) => void } = {}) {
    this.events = events;
    this.inspect = opts.inspect ?? null;
  }

  private entry(role: string, model: string): RoleUsage {
    let e = this.roles.get(role);
    if (!e) {
      e = { model, requests: 0, input: 0, cached_input: 0, output: 0, reasoning: 0, model_ms: 0 };
      this.roles.set(role, e);
    }
    return e;
  }

  /** Counts one request and logs its `model` event (at `at`, wall-clock ms, when it happened elsewhere earlier). */
  private tally(role: string, model: string, ms: number, u: RequestTokens, at?: number, error?: unknown): void {
    const e = this.entry(role, model);
    e.requests++;
    e.input += u.input;
    e.cached_input += u.cached_input;
    e.output += u.output;
    e.reasoning += u.reasoning;
    e.model_ms += ms;
    const data = {
      role,
      model,
      ms: Math.round(ms),
      input: u.input,
      cached_input: u.cached_input,
      output: u.output,
      reasoning: u.reasoning,
      ...(error ? { error: error instanceof Error ? error.message : String(error) } : {}),
    };
    if (at === undefined) this.events.emit('model', data);
    else this.events.emitAt(at, 'model', data);
  }

  /** A request another program made (the codex engine reads them back from Codex's rollouts), at `u.at` (wall-clock ms). */
  add(role: string, model: string, ms: number, u: RequestTokens & { at?: number }): void {
    this.tally(role, model, ms, u, u.at);
  }

  /** The role's model, wrapped so every request lands in this ledger. */
  wrap(role: string, modelName: string, model: Model): Model {
    this.entry(role, modelName);
    const ledger = this;
    return {
      async getResponse(request: ModelRequest): Promise<ModelResponse> {
        ledger.inspect?.(role, requestText(request));
        const t0 = ledger.events.clock.elapsed();
        try {
          const res = await model.getResponse(request);
          ledger.tally(role, modelName, ledger.events.clock.elapsed() - t0, tokensOf(res.usage));
          return res;
        } catch (err) {
          ledger.tally(role, modelName, ledger.events.clock.elapsed() - t0, tokensOf(undefined), undefined, err);
          throw err;
        }
      },
      async *getStreamedResponse(request: ModelRequest): AsyncIterable<StreamEvent> {
        ledger.inspect?.(role, requestText(request));
        const t0 = ledger.events.clock.elapsed();
        let usage: UsageLike | undefined;
        try {
          for await (const ev of model.getStreamedResponse(request)) {
            if (ev.type === 'response_done') usage = ev.response.usage as UsageLike;
            yield ev;
          }
          ledger.tally(role, modelName, ledger.events.clock.elapsed() - t0, tokensOf(usage));
        } catch (err) {
          ledger.tally(role, modelName, ledger.events.clock.elapsed() - t0, tokensOf(usage), undefined, err);
          throw err;
        }
      },
    };
  }
}
