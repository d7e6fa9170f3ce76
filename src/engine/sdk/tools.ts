// The harness's tools for SDK agents, in Codex's vocabulary: exec_command, apply_patch, and read_file,
// list_dir, grep_files for cheap reading. Every call goes through the control plane: `needsApproval`
// asks it before the call (the SDK turns a yes into an interruption), `execute` runs through it.
// Tool failures come back to the model as text (as Codex does), never as exceptions that end the run.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { tool, type FunctionTool } from '@openai/agents';
import { z } from 'zod';
import type { ControlPlane } from '../../control/plane.ts';
import type { HookAgent, ToolCall } from '../../control/types.ts';
import { isTestCommand } from '../../control/classify.ts';
import { runProcess } from '../../exec/run.ts';
import { clip } from '../../record/events.ts';
import type { ToolName } from '../../workflow/types.ts';
import { applyPatch, parsePatch, PatchError, patchWrites, type PatchOp } from './applyPatch.ts';

const READ_LIMIT_BYTES = 256 * 1024;

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
          'Runs a shell command (bash) in the workspace and returns its exit code and output. Long output is cut in the middle. Commands run in a sandbox and are killed when they exceed the time limit. To run outside the sandbox (e.g. with network access), set sandbox_permissions to "require_escalated" with a justification: a person will be asked.',
        parameters: z.object({
          cmd: z.string().min(1).describe('Shell command to execute.'),
          workdir: z.string().nullable().optional().describe('Working directory, relative to the workspace root; defaults to the root.'),
          max_output_tokens: z.number().int().min(1).nullable().optional().describe('Maximum number of tokens of output to return.'),
          sandbox_permissions: z.enum(['use_default', 'require_escalated']).nullable().optional(),
          justification: z.string().nullable().optional().describe('Why the command needs to run outside the sandbox.'),
        }),
        toCall: (input, callId) => ({
          callId,
          role,
          tool: 'exec_command',
          input,
          command: { cmd: input.cmd, workdir: input.workdir ?? undefined },
          ...(input.sandbox_permissions === 'require_escalated' ? { escalate: { justification: input.justification ?? '' } } : {}),
        }),
        work: async (call, rt) => {
          const cmd = call.command!.cmd;
          const maxTokens = call.input.max_output_tokens as number | null | undefined;
          const res = await rt.exec(cmd, call.command!.workdir, { maxOutputBytes: maxTokens ? maxTokens * 4 : undefined });
          return {
            text: formatExec(res, rt.timeoutMs),
            exec: res,
            event: {
              exit_code: res.spawnError ? 127 : res.timedOut ? 124 : res.exitCode,
              timed_out: res.timedOut,
              test: isTestCommand(cmd),
              output: clip(res.output, 2000),
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
          try {
            const message = await applyPatch(ops, {
              read: (p) => readFile(rt.resolve(p).real, 'utf8').catch(() => null),
              write: async (p, content) => {
                const real = rt.resolve(p).real;
                await mkdir(dirname(real), { recursive: true });
                await writeFile(real, content);
              },
              remove: (p) => rm(rt.resolve(p).real, { force: true }),
            });
            const files = patchWrites(ops).map((p) => rt.resolve(p).rel ?? p);
            return { text: message, event: { applied: true, files, output: clip(message, 500) } };
          } catch (err) {
            if (err instanceof PatchError) return { text: `Error: ${err.message}`, event: { applied: false, files: [], output: clip(err.message, 500) } };
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
          try {
            text = await readFile(rt.resolve(path).real, 'utf8');
          } catch (err) {
            return { text: `Error: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, event: { path, error: true } };
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
          return { text, event: { path, bytes: text.length } };
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
          const out: string[] = [];
          const walk = async (dir: string, prefix: string, depth: number) => {
            const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
            for (const e of entries) {
              if (e.name === '.git') continue;
              const isDir = e.isDirectory();
              out.push(`${prefix}${e.name}${isDir ? '/' : ''}`);
              if (out.length >= 1000) return;
              if (isDir && depth > 1 && e.name !== 'node_modules') await walk(`${dir}/${e.name}`, `${prefix}${e.name}/`, depth - 1);
            }
          };
          const path = String(call.input.path);
          try {
            await walk(rt.resolve(path).real, '', (call.input.depth as number | null | undefined) ?? 2);
          } catch (err) {
            return { text: `Error: cannot list ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, event: { error: true } };
          }
          return { text: out.join('\n') + (out.length >= 1000 ? '\n…[listing cut at 1000 entries]' : ''), event: { entries: out.length } };
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
          const where = rt.resolve(String(call.input.path ?? '.'));
          const res = await runProcess(['git', 'grep', '-n', '-I', '-E', '--untracked', '--no-color', '-e', String(call.input.pattern), '--', where.real], {
            cwd: rt.workspace,
            timeoutMs: 30_000,
            maxOutputBytes: 64 * 1024,
          });
          if (res.exitCode === 1) return { text: 'No matches.', event: { matches: 0 } };
          if (res.exitCode !== 0) return { text: `Error: ${res.stderr.trim() || `git grep exited ${res.exitCode}`}`, event: { error: true } };
          const lines = res.stdout.split('\n').filter(Boolean);
          return {
            text: lines.slice(0, 200).join('\n') + (lines.length > 200 ? `\n…[${lines.length - 200} more matches]` : ''),
            event: { matches: lines.length },
          };
        },
      }),
  };
  return names.map((n) => builders[n]());
}
