// Cassettes: every model request of a run and the response it got, so the run can be replayed in CI
// without a model or a key. One JSONL file per trial (`<dir>/<trial-id>.jsonl`), one line per request,
// keyed by a hash of the request with what varies between runs of the same trial (work paths, wall
// times, timestamps) normalised away. Replay serves the responses recorded for a key in order; a
// request with no recorded response is an error naming the trial and the request, never a live call.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Usage, type Model, type ModelRequest, type ModelResponse, type StreamEvent } from '@openai/agents';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { readJsonFile } from '../input/validate.ts';
import { Redactor } from '../record/redact.ts';
import { RunModel } from '../record/schema.ts';

export const CassetteMeta = z.object({
  schema: z.literal(1),
  created_at: z.string(),
  run_id: z.string(),
  suite: z.object({ name: z.string(), digest: z.string() }),
  /** The recorded run's model block (run.json `model`), without the cassette field. */
  model: RunModel.omit({ cassette: true }),
});
export type CassetteMeta = z.infer<typeof CassetteMeta>;

interface Entry {
  key: string;
  role: string;
  model: string;
  stream: boolean;
  /** What the request was about, for people reading the file and for miss messages. */
  about: string;
  response?: unknown;
  events?: unknown[];
  error?: string;
}

/** Strips what differs between two runs of the same trial: the per-process work folder, durations, clock times. */
export function normalizeForKey(text: string): string {
  return text
    .replace(/\/bench-\d+-[A-Za-z0-9._-]+/g, '/bench-WORK')
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<time>')
    .replace(/duration_ms\\?"?\s*[:=]?\s*\\?"?\d+(?:\.\d+)?/g, 'duration_ms <t>')
    .replace(/\b\d+(?:\.\d+)?\s?(?:ms|s|sec|secs|seconds|milliseconds|µs|us|ns)\b/g, '<t>');
}

/** The request's content, as a hash: everything the model sees, nothing about transport. */
export function requestKey(role: string, model: string, stream: boolean, request: ModelRequest): string {
  const content = {
    role,
    model,
    stream,
    systemInstructions: request.systemInstructions ?? null,
    input: request.input,
    previousResponseId: request.previousResponseId ?? null,
    conversationId: request.conversationId ?? null,
    modelSettings: request.modelSettings,
    tools: request.tools,
    outputType: request.outputType,
    handoffs: request.handoffs.map((h) => ({ toolName: h.toolName, toolDescription: h.toolDescription, inputJsonSchema: h.inputJsonSchema })),
    prompt: request.prompt ?? null,
  };
  return createHash('sha256')
    .update(normalizeForKey(JSON.stringify(content)))
    .digest('hex');
}

/** A line about what was asked: the last input item, shortened. */
function about(request: ModelRequest): string {
  const last = Array.isArray(request.input) ? request.input.at(-1) : request.input;
  const text = typeof last === 'string' ? last : JSON.stringify(last ?? '');
  return text.replace(/\s+/g, ' ').slice(0, 160);
}

export class CassetteMiss extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CassetteMiss';
  }
}

export class Cassette {
  readonly dir: string;
  readonly mode: 'record' | 'replay';
  readonly meta: CassetteMeta | null;
  /** Trials that asked something the recording has no answer for (replay). */
  readonly missed = new Set<string>();
  private readonly started = new Set<string>();
  private readonly loaded = new Map<string, Map<string, Entry[]>>();
  private readonly asked = new Map<string, number>();

  /** Secrets never reach a recording (a request may carry what a tool printed). */
  private readonly redactor: Redactor;

  private constructor(dir: string, mode: 'record' | 'replay', meta: CassetteMeta | null, redactor: Redactor = Redactor.none) {
    this.dir = dir;
    this.mode = mode;
    this.meta = meta;
    this.redactor = redactor;
  }

  static record(dir: string, redactor: Redactor = Redactor.none): Cassette {
    mkdirSync(dir, { recursive: true });
    return new Cassette(dir, 'record', null, redactor);
  }

  static replay(dir: string): Cassette {
    const file = join(dir, 'cassette.json');
    if (!existsSync(file)) {
      throw new InputError('not a cassette folder (no cassette.json)', {
        file: dir,
        field: '--replay',
        fix: 'pass a folder written by `bench replay ... --record <dir>`',
      });
    }
    const meta = readJsonFile(file, CassetteMeta, {
      broken: 'cassette.json is written when recording starts: record the cassette again (--record <dir>), or restore the file',
      mismatch: 'record the cassettes again with this version of bench',
    });
    return new Cassette(dir, 'replay', meta);
  }

  /** Written when a recording run starts: what the responses came from. */
  writeMeta(meta: CassetteMeta): void {
    writeFileSync(join(this.dir, 'cassette.json'), `${this.redactor.text(JSON.stringify(meta, null, 2))}\n`);
  }

  private trialFile(trialId: string): string {
    return join(this.dir, `${trialId}.jsonl`);
  }

  private write(trialId: string, entry: Entry): void {
    const file = this.trialFile(trialId);
    // A trial recorded again (a resumed run re-running it) replaces what an earlier attempt left.
    if (!this.started.has(trialId)) {
      this.started.add(trialId);
      writeFileSync(file, '');
    }
    appendFileSync(file, `${this.redactor.text(JSON.stringify(entry))}\n`);
  }

  private take(trialId: string, role: string, key: string, request: ModelRequest): Entry {
    let byKey = this.loaded.get(trialId);
    if (!byKey) {
      byKey = new Map();
      const file = this.trialFile(trialId);
      if (existsSync(file)) {
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          if (!line.trim()) continue;
          const e = JSON.parse(line) as Entry;
          byKey.set(e.key, [...(byKey.get(e.key) ?? []), e]);
        }
      }
      this.loaded.set(trialId, byKey);
    }
    const nth = (this.asked.get(`${trialId}\u0000${role}`) ?? 0) + 1;
    this.asked.set(`${trialId}\u0000${role}`, nth);
    const entry = byKey.get(key)?.shift();
    if (!entry) {
      this.missed.add(trialId);
      const known = existsSync(this.trialFile(trialId));
      throw new CassetteMiss(
        `no recorded response in the cassette for trial ${trialId}, role ${role}, request #${nth} (key ${key.slice(0, 12)}, last input: ${about(request)})${
          known ? '' : `; ${this.trialFile(trialId)} does not exist`
        }. The trial asked something the recording never saw (the suite, workflow, model or bench changed since): record again with --record.`,
      );
    }
    return entry;
  }

  /** The role's model in a trial: recording wraps the live model; replay needs none. */
  wrap(trialId: string, role: string, modelName: string, live: Model | null): Model {
    const cassette = this;
    const replaying = this.mode === 'replay';
    if (!replaying && !live) throw new Error('recording needs a live model');
    return {
      async getResponse(request: ModelRequest): Promise<ModelResponse> {
        const key = requestKey(role, modelName, false, request);
        if (replaying) {
          const e = cassette.take(trialId, role, key, request);
          if (e.error !== undefined) throw new Error(e.error);
          const res = e.response as ModelResponse & { usage: ConstructorParameters<typeof Usage>[0] };
          return { ...res, usage: new Usage(res.usage) };
        }
        const base = { key, role, model: modelName, stream: false, about: about(request) };
        try {
          const res = await live!.getResponse(request);
          cassette.write(trialId, { ...base, response: res });
          return res;
        } catch (err) {
          if (!request.signal?.aborted) cassette.write(trialId, { ...base, error: err instanceof Error ? err.message : String(err) });
          throw err;
        }
      },
      async *getStreamedResponse(request: ModelRequest): AsyncIterable<StreamEvent> {
        const key = requestKey(role, modelName, true, request);
        if (replaying) {
          const e = cassette.take(trialId, role, key, request);
          for (const ev of e.events ?? []) yield ev as StreamEvent;
          if (e.error !== undefined) throw new Error(e.error);
          return;
        }
        const events: unknown[] = [];
        const base = { key, role, model: modelName, stream: true, about: about(request) };
        try {
          for await (const ev of live!.getStreamedResponse(request)) {
            events.push(ev);
            yield ev;
          }
          cassette.write(trialId, { ...base, events });
        } catch (err) {
          if (!request.signal?.aborted) cassette.write(trialId, { ...base, events, error: err instanceof Error ? err.message : String(err) });
          throw err;
        }
      },
    };
  }
}
