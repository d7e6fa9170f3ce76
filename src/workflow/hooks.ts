// Hook configuration as Codex reads it: hooks.json files and inline [hooks] tables, with the trust key
// and hash Codex computes for each handler (so the codex engine can write trust entries and
// `bench workflow check` can show them).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { HOOK_EVENTS, type HookEvent, type HookGroupSpec } from '../control/hooks.ts';

export const HookHandler = z.strictObject({
  type: z.enum(['command', 'mcp_tool', 'prompt', 'agent']),
  command: z.string().min(1).optional(),
  timeout: z.number().positive().optional().describe('Seconds; default 600 (SessionEnd and Interrupt: 1, at most 3).'),
  statusMessage: z.string().optional(),
  async: z.boolean().optional(),
  commandWindows: z.string().optional(),
  additionalContextLimit: z.number().int().nonnegative().optional(),
  server: z.string().optional(),
  tool: z.string().optional(),
  input: z.record(z.string(), z.unknown()).optional(),
});

export const HookGroup = z.strictObject({
  matcher: z.string().optional(),
  hooks: z.array(HookHandler),
});

export const HookTable = z.strictObject(
  Object.fromEntries(HOOK_EVENTS.map((e) => [e, z.array(HookGroup).optional()])) as Record<HookEvent, z.ZodOptional<z.ZodArray<typeof HookGroup>>>,
);

export const HooksFile = z.strictObject({
  description: z.string().optional(),
  hooks: HookTable,
});
export type HooksFile = z.infer<typeof HooksFile>;

const snake = (event: string) => event.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();

function resolvedTimeout(event: HookEvent, timeout: number | undefined): number {
  if (event === 'SessionEnd' || event === 'Interrupt') return Math.min(timeout ?? 1, 3);
  return timeout ?? 600;
}

/** Codex's trust hash: sha256 of compact, key-sorted JSON of {event_name, matcher?, hooks: [normalised handler]}. */
export function trustHash(event: HookEvent, matcher: string | undefined, handler: z.infer<typeof HookHandler>): string {
  const normalised: Record<string, unknown> = {
    type: 'command',
    command: handler.command,
    timeout: resolvedTimeout(event, handler.timeout),
    async: handler.async ?? false,
  };
  if (handler.statusMessage !== undefined) normalised.statusMessage = handler.statusMessage;
  if (handler.additionalContextLimit !== undefined && handler.additionalContextLimit !== 2500)
    normalised.additionalContextLimit = handler.additionalContextLimit;
  const identity: Record<string, unknown> = { event_name: snake(event), hooks: [normalised] };
  if (matcher !== undefined) identity.matcher = matcher;
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
          )
        : v;
  return `sha256:${createHash('sha256')
    .update(JSON.stringify(sorted(identity)))
    .digest('hex')}`;
}

export interface HookLoadNote {
  source: string;
  message: string;
}

/** Command handlers as runnable specs; other handler types are reported (Codex skips them too). */
export function hookGroups(table: z.infer<typeof HookTable>, sourceKey: string, source: string, notes: HookLoadNote[]): HookGroupSpec[] {
  const out: HookGroupSpec[] = [];
  for (const event of HOOK_EVENTS) {
    (table[event] ?? []).forEach((group, gi) => {
      const handlers = group.hooks.flatMap((h, hi) => {
        if (h.type !== 'command') {
          notes.push({ source, message: `${event} handler ${hi} has type "${h.type}", which bench (like Codex 0.169) does not run` });
          return [];
        }
        if (!h.command) {
          notes.push({ source, message: `${event} handler ${hi} has no command` });
          return [];
        }
        return [
          {
            command: h.command,
            timeoutS: resolvedTimeout(event, h.timeout),
            statusMessage: h.statusMessage,
            async: h.async ?? false,
            key: `${sourceKey}:${snake(event)}:${gi}:${hi}`,
            hash: trustHash(event, group.matcher, h),
          },
        ];
      });
      if (group.matcher) {
        try {
          new RegExp(group.matcher);
        } catch {
          notes.push({ source, message: `${event} group ${gi}: matcher ${JSON.stringify(group.matcher)} is not a valid regex; Codex skips this group` });
          return;
        }
      }
      if (handlers.length) out.push({ event, matcher: group.matcher, handlers, source });
    });
  }
  return out;
}
