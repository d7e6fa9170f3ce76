// The harness's tools for SDK agents, in Codex's vocabulary: exec_command, apply_patch, and read_file,
// list_dir, grep_files for cheap reading. Every call goes through the control plane: `needsApproval`
// asks it before the call (the SDK turns a yes into an interruption), `execute` runs through it.
// The file tools reach the worktree only, through SafeRoot: each path is checked at the moment of the
// operation, never before. Searching runs git inside the role's sandbox. Every cap (output, file size)
// is the harness's; a model's argument may lower one, never raise it. Tool failures come back to the
// model as text (as Codex does), never as exceptions that end the run.
import { randomUUID } from 'node:crypto';
import { tool, type FunctionTool } from '@openai/agents';
import { z } from 'zod';
import type { ControlPlane } from '../../control/plane.ts';
import { SafeFsError } from '../../control/safefs.ts';
import type { EscalationRequest, HookAgent, ToolCall } from '../../control/types.ts';
import { isTestCommand, pathOperands } from '../../control/classify.ts';
import { treeState, writtenBetween } from '../../control/observe.ts';
import { shellQuote } from '../../exec/run.ts';
import { clip } from '../../record/events.ts';
import type { ToolName } from '../../workflow/types.ts';
import { applyPatch, parsePatch, PatchError, patchWrites, type PatchOp } from './applyPatch.ts';

/** Text of a file returned at once; read on with offset/limit. */
const READ_LIMIT_BYTES = 256 * 1024;
/** The largest file read_file opens (lines are counted over it) and apply_patch writes. */
const FILE_LIMIT_BYTES = 16 << 20;

/** Codex's `additional_permissions`: network (true, or {enabled}) and absolute paths to read and write. */
const AdditionalPermissions = z
  .object({
    network: z
      .union([z.boolean(), z.object({ enabled: z.boolean().nullable().optional() })])
      .nullable()
      .optional(),
    file_system: z
      .object({ read: z.array(z.string()).nullable().optional(), write: z.array(z.string()).nullable().optional() })
      .nullable()
      .optional(),
  })
  .describe('Sandboxed filesystem or network access for this command; only with sandbox_permissions "with_additional_permissions".');

function escalationOf(input: {
  sandbox_permissions?: string | null;
  justification?: string | null;
  additional_permissions?: z.infer<typeof AdditionalPermissions> | null;
}): EscalationRequest | undefined {
  const justification = input.justification ?? '';
  if (input.sandbox_permissions === 'require_escalated') return { kind: 'require_escalated', justification, network: true, read: [], write: [] };
  if (input.sandbox_permissions !== 'with_additional_permissions') return undefined;
  const p = input.additional_permissions ?? {};
  const network = typeof p.network === 'boolean' ? p.network : !!p.network?.enabled;
  return { kind: 'with_additional_permissions', justification, network, read: p.file_system?.read ?? [], write: p.file_system?.write ?? [] };
}

/** A file tool's refusal that is not the sandbox's: the model is told; a denial goes on to the plane. */
function fileError(err: unknown, what: string): { text: string; event: Record<string, unknown> } {
  if (err instanceof SafeFsError && !err.denied) return { text: `Error: cannot ${what}: ${err.message}`, event: { error: true } };
  throw err;
}

export function formatExec(
  res: { exitCode: number | null; timedOut: boolean; spawnError?: string; durationMs: number; output: string },
  timeoutMs: number,
): string {
  const code = res.spawnError ? 127 : res.timedOut ? 124 : (res.exitCode ?? 128);
  const lines = [`Exit code: ${code}`, `Wall time: ${(res.durationMs / 1000).toFixed(1)} seconds`];
  if (res.timedOut) lines.push(`The command timed out after ${Math.round(timeoutMs / 1000)} s; its process group was killed.`);
  if (res.spawnError) lines.push(`Could not start the command: ${res.spawnError}`);
  lines.push('Output:', res.output);
  return lines.join('\n');
}

export interface ToolOptions {
  role: string;
  plane: ControlPlane;
  /** The sub-agent the calls are made by, at the time of the call (null for the session's own role). */
  agent?: () => HookAgent | null;
}

const idOf = (callId: string | undefined) => callId ?? `call_${randomUUID().slice(0, 8)}`;

export function workspaceTools(names: readonly ToolName[], opts: ToolOptions): FunctionTool<unknown, any, string>[] {
  const { role, plane } = opts;
  // A patch is parsed once per call: when it is described (asked about, then run) and when it is applied.
  const patches = new Map<string, PatchOp[]>();
  const opsOf = (text: string): PatchOp[] => {
    let ops = patches.get(text);
    if (!ops) {
      ops = parsePatch(text);
      if (patches.size >= 32) patches.clear();
      patches.set(text, ops);
    }
    return ops;
  };
  const describe = <I>(toCall: (input: I, callId: string) => ToolCall | string, input: I, callId: string | undefined): ToolCall | string => {
    const call = toCall(input, idOf(callId));
    const agent = typeof call === 'string' ? null : (opts.agent?.() ?? null);
    return agent && typeof call !== 'string' ? { ...call, agent } : call;
  };
  /** A tool whose calls go through the plane: `toCall` describes a call, `work` executes it. */
  function governed<P extends z.ZodObject>(spec: {
    name: ToolName;
    description: string;
    parameters: P;
    toCall: (input: z.infer<P>, callId: string) => ToolCall | string;
    work: (call: ToolCall, rt: Parameters<Parameters<ControlPlane['run']>[1]>[1]) => ReturnType<Parameters<ControlPlane['run']>[1]>;
  }): FunctionTool<unknown, any, string> {
    return tool({
      name: spec.name,
      description: spec.description,
      parameters: spec.parameters as never,
      needsApproval: async (_ctx, input, callId) => {
        const call = describe(spec.toCall, input as z.infer<P>, callId);
        return typeof call === 'string' ? false : plane.needsApproval(call);
      },
      execute: async (input, _ctx, details) => {
        const call = describe(spec.toCall, input as z.infer<P>, details?.toolCall?.callId);
        if (typeof call === 'string') return call; // the input itself is wrong: tell the model
        return plane.run(call, spec.work);
      },
    }) as FunctionTool<unknown, any, string>;
  }

  const builders: Record<ToolName, () => FunctionTool<unknown, any, string>> = {
    exec_command: () =>
      governed({
        name: 'exec_command',
        description:
          'Runs a shell command (bash) in the workspace and returns its exit code and output. Long output is cut in the middle. Commands run in a sandbox and are killed when they exceed the time limit. When a command needs more than the sandbox gives, a person is asked: set sandbox_permissions to "with_additional_permissions" with additional_permissions naming what it needs (network, absolute paths to read or write), or to "require_escalated" for network access, always with a justification.',
        parameters: z.object({
          cmd: z.string().min(1).describe('Shell command to execute.'),
          workdir: z.string().nullable().optional().describe('Working directory inside the workspace, relative to its root; defaults to the root.'),
          max_output_tokens: z.number().int().min(1).nullable().optional().describe('Maximum number of tokens of output to return (at most the harness cap).'),
          sandbox_permissions: z.enum(['use_default', 'require_escalated', 'with_additional_permissions']).nullable().optional(),
          additional_permissions: AdditionalPermissions.nullable().optional(),
          justification: z.string().nullable().optional().describe('Why the command needs more than the sandbox gives.'),
        }),
        toCall: (input, callId) => {
          const escalate = escalationOf(input);
          return {
            callId,
            role,
            tool: 'exec_command',
            input,
            command: { cmd: input.cmd, workdir: input.workdir ?? undefined },
            ...(escalate ? { escalate } : {}),
          };
        },
        work: async (call, rt) => {
          const cmd = call.command!.cmd;
          const maxTokens = call.input.max_output_tokens as number | null | undefined;
          // The files it wrote are seen by comparing the worktree before and after (the access matrix);
          // the files it read only as far as its text names them.
          const before = treeState(rt.workspace);
          // The model may ask for less output, never for more than the harness's cap (the plane clamps it too).
          const res = await rt.exec(cmd, undefined, { maxOutputBytes: maxTokens ? Math.min(maxTokens * 4, rt.maxOutputBytes) : undefined });
          const after = before && treeState(rt.workspace);
          const named = pathOperands(cmd).reads.filter((p) => !p.startsWith('/') || p.startsWith(`${rt.workspace}/`));
          return {
            text: formatExec(res, rt.timeoutMs),
            exec: res,
            event: {
              exit_code: res.spawnError ? 127 : res.timedOut ? 124 : res.exitCode,
              timed_out: res.timedOut,
              test: isTestCommand(cmd),
              output: clip(res.output, 2000),
              output_bytes: Buffer.byteLength(res.output),
              writes: before && after ? writtenBetween(before, after).slice(0, 200) : null,
              reads_named: named.slice(0, 50),
            },
          };
        },
      }),

    apply_patch: () =>
      governed({
        name: 'apply_patch',
        description:
          'Edits files with a patch in the apply_patch format: "*** Begin Patch", then per file "*** Add File: <path>" (lines prefixed +), "*** Delete File: <path>", or "*** Update File: <path>" followed by hunks starting with "@@" whose lines are prefixed " " (context), "-" (remove) or "+" (add); end with "*** End Patch". Paths are relative to the workspace root.',
        parameters: z.object({ input: z.string().min(1).describe('The whole patch text.') }),
        toCall: (input, callId) => {
          let ops: PatchOp[];
          try {
            ops = opsOf(input.input);
          } catch (err) {
            if (err instanceof PatchError) return `Error: invalid patch: ${err.message}`;
            throw err;
          }
          return { callId, role, tool: 'apply_patch', input: { patch: input.input }, writes: patchWrites(ops) };
        },
        work: async (call, rt) => {
          const text = String(call.input.patch);
          let ops: PatchOp[];
          try {
            ops = opsOf(text); // a hook may have rewritten the patch
          } catch (err) {
            if (err instanceof PatchError)
              return { text: `Error: invalid patch: ${err.message}`, event: { applied: false, files: [], output: clip(err.message, 500) } };
            throw err;
          } finally {
            patches.delete(text);
          }
          const written: string[] = [];
          try {
            const message = await applyPatch(ops, {
              read: async (p) => {
                try {
                  return rt.fs.readText(p, FILE_LIMIT_BYTES);
                } catch (err) {
                  if (err instanceof SafeFsError && !err.denied) throw new PatchError(err.message);
                  throw err;
                }
              },
              write: async (p, content) => {
                try {
                  written.push(rt.fs.write(p, content, { protect: rt.protect, maxBytes: FILE_LIMIT_BYTES }));
                } catch (err) {
                  if (err instanceof SafeFsError && !err.denied) throw new PatchError(err.message);
                  throw err;
                }
              },
              remove: async (p) => {
                try {
                  written.push(rt.fs.remove(p, { protect: rt.protect }));
                } catch (err) {
                  if (err instanceof SafeFsError && err.code === 'not_found') return;
                  if (err instanceof SafeFsError && !err.denied) throw new PatchError(err.message);
                  throw err;
                }
              },
            });
            return { text: message, event: { applied: true, files: [...new Set(written)], output: clip(message, 500) } };
          } catch (err) {
            if (err instanceof PatchError)
              return { text: `Error: ${err.message}`, event: { applied: written.length > 0, files: written, output: clip(err.message, 500) } };
            throw err;
          }
        },
      }),

    read_file: () =>
      governed({
        name: 'read_file',
        description: 'Returns the text of a file. Use offset/limit (1-based line numbers) for large files.',
        parameters: z.object({
          path: z.string().min(1),
          offset: z.number().int().min(1).nullable().optional().describe('First line to return (1-based).'),
          limit: z.number().int().min(1).nullable().optional().describe('How many lines to return.'),
        }),
        toCall: (input, callId) => ({ callId, role, tool: 'read_file', input }),
        work: async (call, rt) => {
          const path = String(call.input.path);
          let text: string;
          let at: ReturnType<typeof rt.reader>;
          let rel: string;
          try {
            at = rt.reader(path);
            const r = at.fs.read(at.path, FILE_LIMIT_BYTES);
            if (r.truncated)
              return {
                text: `Error: ${path} is larger than ${FILE_LIMIT_BYTES >> 20} MiB: read parts of it with exec_command (head, sed -n)`,
                event: { path, error: true },
              };
            text = r.data.toString('utf8');
            rel = r.rel;
          } catch (err) {
            return { ...fileError(err, `read ${path}`), event: { path, error: true } };
          }
          const offset = call.input.offset as number | null | undefined;
          const limit = call.input.limit as number | null | undefined;
          if (offset || limit) {
            const from = (offset ?? 1) - 1;
            text = text
              .split('\n')
              .slice(from, limit ? from + limit : undefined)
              .join('\n');
          }
          if (text.length > READ_LIMIT_BYTES)
            text = `${text.slice(0, READ_LIMIT_BYTES)}\n…[file truncated at ${READ_LIMIT_BYTES} bytes; read on with offset/limit]`;
          return { text, event: { path, bytes: text.length, ...(at.fs === rt.fs ? { file: rel } : {}) } };
        },
      }),

    list_dir: () =>
      governed({
        name: 'list_dir',
        description: 'Lists a directory of the workspace (directories end with "/"), up to the given depth.',
        parameters: z.object({
          path: z.string().min(1).describe('Directory, relative to the workspace root ("." for the root).'),
          depth: z.number().int().min(1).max(4).nullable().optional().describe('How deep to list (default 2).'),
        }),
        toCall: (input, callId) => ({ callId, role, tool: 'list_dir', input }),
        work: async (call, rt) => {
          const path = String(call.input.path);
          let listing;
          try {
            const at = rt.reader(path);
            listing = at.fs.list(at.path, {
              depth: (call.input.depth as number | null | undefined) ?? 2,
              limit: 1000,
              skip: (rel) => rel === '.git',
              descend: (_rel, name) => name !== 'node_modules',
            });
          } catch (err) {
            return fileError(err, `list ${path}`);
          }
          const out = listing.entries.map((e) => `${e.path}${e.kind === 'dir' ? '/' : ''}`);
          return { text: out.join('\n') + (listing.truncated ? '\n…[listing cut at 1000 entries]' : ''), event: { entries: out.length } };
        },
      }),

    grep_files: () =>
      governed({
        name: 'grep_files',
        description: 'Searches file contents in the workspace with a regular expression (git grep, extended syntax); returns matching lines as path:line:text.',
        parameters: z.object({
          pattern: z.string().min(1),
          path: z.string().nullable().optional().describe('Directory or file to search (default: the whole workspace).'),
        }),
        toCall: (input, callId) => ({ callId, role, tool: 'grep_files', input }),
        work: async (call, rt) => {
          // Where to search is checked here; the search itself runs in the role's sandbox, where a link
          // leads only to what the sandbox shows, never to the host's files.
          let where: string;
          try {
            where = rt.fs.resolve(String(call.input.path ?? '.'));
          } catch (err) {
            return fileError(err, `search ${String(call.input.path)}`);
          }
          const cmd = `GIT_OPTIONAL_LOCKS=0 git grep -n -I -E --untracked --no-color -e ${shellQuote(String(call.input.pattern))} -- ${shellQuote(where === '.' ? '.' : `:(literal)${where}`)}`;
          const res = await rt.exec(cmd, undefined, { maxOutputBytes: 64 * 1024 });
          if (res.exitCode === 1 && !res.stderr.trim()) return { text: 'No matches.', event: { matches: 0 } };
          if (res.exitCode !== 0) return { text: `Error: ${res.stderr.trim() || `git grep exited ${res.exitCode}`}`, event: { error: true } };
          const lines = res.stdout.split('\n').filter(Boolean);
          // Files whose lines came back were read (git grep prints paths relative to the root it runs in).
          const files = [...new Set(lines.map((l) => /^(.+?):\d+:/.exec(l)?.[1]).filter((f): f is string => !!f))];
          return {
            text: lines.slice(0, 200).join('\n') + (lines.length > 200 ? `\n…[${lines.length - 200} more matches]` : ''),
            event: { matches: lines.length, files: files.slice(0, 200) },
          };
        },
      }),
  };
  return names.map((n) => builders[n]());
}
