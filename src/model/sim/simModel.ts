// The simulated model in process: an Agents SDK `Model` backed by the SimResponder.
import type { Model, ModelRequest, ModelResponse, StreamEvent } from '@openai/agents';
import { fromSdkRequest, type SdkRequestLike } from '../conversation.ts';
import { toSdkResponse } from '../sdkItems.ts';
import type { SimContext } from './oracle.ts';
import type { SimResponder } from './respond.ts';

export class SimModel implements Model {
  private readonly responder: SimResponder;
  private readonly ctx: SimContext;
  private readonly name: string;
  private calls = 0;

  constructor(responder: SimResponder, ctx: SimContext, name = 'sim') {
    this.responder = responder;
    this.ctx = ctx;
    this.name = name;
  }

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    const conv = fromSdkRequest(request as unknown as SdkRequestLike, this.name);
    const reply = await this.responder.respond(conv, this.ctx, request.signal);
    return toSdkResponse(reply, `sim_resp_${this.ctx.seed}_${++this.calls}`);
  }

  async *getStreamedResponse(request: ModelRequest): AsyncIterable<StreamEvent> {
    const res = await this.getResponse(request);
    yield { type: 'response_started' } as StreamEvent;
    yield {
      type: 'response_done',
      response: {
        id: res.responseId!,
        usage: { ...res.usage, inputTokensDetails: res.usage.inputTokensDetails[0], outputTokensDetails: res.usage.outputTokensDetails[0] },
        output: res.output,
      },
    } as StreamEvent;
  }
}
