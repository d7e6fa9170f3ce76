// Model backends: the simulated model (default, offline) and any OpenAI-compatible server (Responses
// or Chat Completions API). A backend hands each trial one Model per role; the ledger wraps them.
import type { Model } from '@openai/agents';
import { OpenAIChatCompletionsModel, OpenAIResponsesModel } from '@openai/agents';
import OpenAI from 'openai';
import { InputError } from '../errors.ts';
import type { Cassette, CassetteMeta } from './cassette.ts';
import type { SimContext } from './sim/oracle.ts';
import type { SimProfile } from './sim/profile.ts';
import { SimResponder } from './sim/respond.ts';
import { SimModel } from './sim/simModel.ts';

export type ModelSpec =
  | { backend: 'sim'; name: string; profile: SimProfile; adversary?: boolean }
  | { backend: 'openai'; name: string; baseURL: string | null; api: 'responses' | 'chat'; apiKey: string };

export interface ModelFlags {
  model?: string;
  baseUrl?: string;
  api?: string;
}

/** Reads --model/--base-url/--api (and OPENAI_API_KEY). Returns the spec and, for the default, a notice. */
export function resolveModelSpec(flags: ModelFlags, profile: SimProfile, env: NodeJS.ProcessEnv = process.env): { spec: ModelSpec; notice: string | null } {
  const api = flags.api ?? 'responses';
  if (api !== 'responses' && api !== 'chat') {
    throw new InputError(`unknown API "${api}"`, { field: '--api', fix: 'use --api responses or --api chat' });
  }
  if (flags.model === 'sim:adversary') {
    if (flags.baseUrl) throw new InputError('--base-url needs a real model', { field: '--model', fix: 'drop --base-url, or use --model openai:<model-name>' });
    return {
      spec: { backend: 'sim', name: 'sim-adversary', profile, adversary: true },
      notice:
        'model: the adversary (sim:adversary): every role spends its turns trying to get out of the sandbox, read the answer key or see a secret. An audit of enforcement, not a benchmark: tripwires are set and what crosses them is counted.',
    };
  }
  if (!flags.model || flags.model === 'sim') {
    if (flags.baseUrl && !flags.model) {
      throw new InputError('--base-url needs a real model', { field: '--model', fix: 'add --model openai:<model-name>' });
    }
    return {
      spec: { backend: 'sim', name: 'sim', profile },
      notice: flags.model
        ? null
        : 'model: the built-in simulated model (sim): no API key needed; results are simulated. Use --model openai:<name> for a real model.',
    };
  }
  const m = /^openai:(.+)$/.exec(flags.model);
  if (!m) {
    throw new InputError(`unknown model "${flags.model}"`, {
      field: '--model',
      fix: 'use --model sim, --model sim:adversary or --model openai:<model-name> (e.g. openai:gpt-5-mini)',
    });
  }
  // An empty OPENAI_API_KEY is no key: the openai client refuses '' as a key, so a keyless server gets a placeholder.
  const key = env.OPENAI_API_KEY;
  if (!key && !flags.baseUrl) {
    throw new InputError('OPENAI_API_KEY is not set', {
      field: '--model',
      fix: 'export OPENAI_API_KEY=..., or point --base-url at a server that needs no key, or use --model sim',
    });
  }
  return { spec: { backend: 'openai', name: m[1]!, baseURL: flags.baseUrl ?? null, api, apiKey: key || 'no-key' }, notice: null };
}

export interface TrialModelContext {
  trialId: string;
  /** The role asking (cassettes key and name requests by it). */
  role: string;
  /** What the simulated model knows about the task (built only when the backend is sim). */
  sim?: SimContext;
}

export class ModelBackend {
  readonly spec: ModelSpec;
  private readonly responder: SimResponder | null;
  private readonly tape: Cassette | null;

  /** With a cassette: record every request of `spec`'s model to it, or (replay) serve them from it without any model. */
  constructor(spec: ModelSpec, cassette: Cassette | null = null) {
    this.spec = spec;
    this.tape = cassette;
    this.responder = spec.backend === 'sim' && cassette?.mode !== 'replay' ? new SimResponder(spec.profile) : null;
  }

  /** A backend that serves a recorded run's responses: its spec is the recording's model. */
  static fromCassette(cassette: Cassette): ModelBackend {
    const m = cassette.meta!.model;
    const spec: ModelSpec =
      m.backend === 'sim'
        ? { backend: 'sim', name: m.name, profile: m.sim_profile as unknown as SimProfile, adversary: m.name === 'sim-adversary' }
        : { backend: 'openai', name: m.name, baseURL: m.base_url, api: m.api ?? 'responses', apiKey: 'served-from-cassette' };
    return new ModelBackend(spec, cassette);
  }

  get simulated(): boolean {
    return this.spec.backend === 'sim';
  }

  /** The simulated adversary, which attacks the sandbox instead of solving tasks. */
  get adversary(): boolean {
    return this.spec.backend === 'sim' && !!this.spec.adversary;
  }

  /** Whether trials must build the simulated model's view of the task (not when responses come from a cassette). */
  get needsOracle(): boolean {
    return this.responder !== null;
  }

  get cassette(): { mode: 'record' | 'replay'; dir: string } | null {
    return this.tape ? { mode: this.tape.mode, dir: this.tape.dir } : null;
  }

  /** Called when a run starts: a recording cassette notes what its responses come from. */
  begin(run: { run_id: string; suite: { name: string; digest: string }; model: CassetteMeta['model'] }): void {
    if (this.tape?.mode === 'record') this.tape.writeMeta({ schema: 1, created_at: new Date().toISOString(), ...run });
  }

  /** The model a role uses in a trial: the role's own model name when it sets one, else the run's. */
  model(trial: TrialModelContext, roleModel: string | undefined): { model: Model; name: string } {
    const name = roleModel ?? this.spec.name;
    if (this.tape?.mode === 'replay') return { model: this.tape.wrap(trial.trialId, trial.role, name, null), name };
    const live = this.live(trial, name);
    return { model: this.tape ? this.tape.wrap(trial.trialId, trial.role, name, live) : live, name };
  }

  private live(trial: TrialModelContext, name: string): Model {
    const spec = this.spec;
    if (spec.backend === 'sim') {
      if (!trial.sim) throw new Error('the simulated model needs the task oracle');
      return new SimModel(this.responder!, trial.sim, name);
    }
    const client = new OpenAI({
      apiKey: spec.apiKey,
      baseURL: spec.baseURL ?? undefined,
      maxRetries: 4, // exponential backoff with jitter on 408/409/429/5xx and connection errors, honouring Retry-After
      timeout: 10 * 60_000,
      defaultHeaders: { 'x-bench-trial': trial.trialId },
    });
    return spec.api === 'chat' ? new OpenAIChatCompletionsModel(client, name) : new OpenAIResponsesModel(client, name);
  }
}
