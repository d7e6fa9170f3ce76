// The harness's tools for SDK agents, in Codex's vocabulary: exec_command, apply_patch, and read_file,
// list_dir, grep_files for cheap reading. Each call goes through the control plane; tool failures
// come back to the model as text (as Codex does), never as exceptions that end the run.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { tool, type FunctionTool } from '@openai/agents';
import { z } from 'zod';
import { isTestCommand } from '../../control/classify.ts';
import type { ControlPlane, Outcome, ToolCall } from '../../control/plane.ts';
import { runProcess } from '../../exec/run.ts';
import { clip } from '../../record/events.ts';
import { applyPatch, parsePatch, PatchError, patchWrites, type PatchOp } from './applyPatch.ts';

export const TOOL_NAMES = ['exec_command', 'apply_patch', 'read_file', 'list_dir', 'grep_files'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

const READ_LIMIT_BYTES = 256 * 1024;

function denial(outcome: Extract<Outcome<unknown>, { ok: false }>): string {
  return `Denied by ${outcome.stage}: ${outcome.reason}`;
}

function callIdOf(details: { toolCall?: { callId?: string } } | undefined): string {
  return details?.toolCall?.callId ?? `call_${randomUUID().slice(0, 8)}`;
}

export function formatExec(res: { exitCode: number | null; signal: string | null; timedOut: boolean; spawnError?: string; durationMs: number; output: string }, timeoutMs: number): string {
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
  commandTimeoutMs: number;
}

export function workspaceTools(names: readonly ToolName[], opts: ToolOptions): FunctionTool<unknown, any, string>[] {
  const { role, plane } = opts;
  const call = (callId: string, toolName: string, input: Record<string, unknown>, extra: Partial<ToolCall> = {}): ToolCall => ({
    callId,
    role,
    tool: toolName,
    input,
    ...extra,
  });

  const builders: Record<ToolName, () => FunctionTool<unknown, any, string>> = {
    exec_command: () =>
      tool({
        name: 'exec_command',
        description:
          'Runs a shell command (bash) in the workspace and returns its exit code and output. Long output is cut in the middle. Commands are killed when they exceed the time limit.',
        parameters: z.object({
          cmd: z.string().min(1).describe('Shell command to execute.'),
          workdir: z.string().nullable().optional().describe('Working directory, relative to the workspace root; defaults to the root.'),
          max_output_tokens: z.number().int().min(1).nullable().optional().describe('Maximum number of tokens of output to return.'),
        }),
        execute: async (input, _ctx, details) => {
          const timeoutMs = opts.commandTimeoutMs;
          const outcome = await plane.run(
            call(callIdOf(details), 'exec_command', input, { command: { cmd: input.cmd, workdir: input.workdir ?? undefined } }),
            (rt) => rt.exec(input.cmd, input.workdir ?? undefined, { timeoutMs, maxOutputBytes: input.max_output_tokens ? input.max_output_tokens * 4 : undefined }),
            (res) => ({ exit_code: res.spawnError ? 127 : res.timedOut ? 124 : res.exitCode, timed_out: res.timedOut, test: isTestCommand(input.cmd), output: clip(res.output, 2000) }),
          );
          return outcome.ok ? formatExec(outcome.value, timeoutMs) : denial(outcome);
        },
      }),

    apply_patch: () =>
      tool({
        name: 'apply_patch',
        description:
          'Edits files with a patch in the apply_patch format: "*** Begin Patch", then per file "*** Add File: <path>" (lines prefixed +), "*** Delete File: <path>", or "*** Update File: <path>" followed by hunks starting with "@@" whose lines are prefixed " " (context), "-" (remove) or "+" (add); end with "*** End Patch". Paths are relative to the workspace root.',
        parameters: z.object({ input: z.string().min(1).describe('The whole patch text.') }),
        execute: async (input, _ctx, details) => {
          let ops: PatchOp[];
          try {
            ops = parsePatch(input.input);
          } catch (err) {
            if (err instanceof PatchError) return `Error: invalid patch: ${err.message}`;
            throw err;
          }
          const outcome = await plane.run(
            call(callIdOf(details), 'apply_patch', { patch: input.input }, { writes: patchWrites(ops) }),
            async (rt) => {
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
                return { message, files: ops.flatMap((o) => (o.type === 'update' && o.moveTo ? [o.path, o.moveTo] : [o.path])).map((p) => rt.resolve(p).rel ?? p), applied: true };
              } catch (err) {
                if (err instanceof PatchError) return { message: `Error: ${err.message}`, files: [] as string[], applied: false };
                throw err;
              }
            },
            (v) => ({ applied: v.applied, files: v.files, output: clip(v.message, 500) }),
          );
          return outcome.ok ? outcome.value.message : denial(outcome);
        },
      }),

    read_file: () =>
      tool({
        name: 'read_file',
        description: 'Returns the text of a file. Use offset/limit (1-based line numbers) for large files.',
        parameters: z.object({
          path: z.string().min(1),
          offset: z.number().int().min(1).nullable().optional().describe('First line to return (1-based).'),
          limit: z.number().int().min(1).nullable().optional().describe('How many lines to return.'),
        }),
        execute: async (input, _ctx, details) => {
          const outcome = await plane.run(
            call(callIdOf(details), 'read_file', input),
            async (rt) => {
              const text = await readFile(rt.resolve(input.path).real, 'utf8');
              let out = text;
              if (input.offset || input.limit) {
                const lines = text.split('\n');
                const from = (input.offset ?? 1) - 1;
                out = lines.slice(from, input.limit ? from + input.limit : undefined).join('\n');
              }
              return out.length > READ_LIMIT_BYTES ? `${out.slice(0, READ_LIMIT_BYTES)}\n…[file truncated at ${READ_LIMIT_BYTES} bytes; read on with offset/limit]` : out;
            },
            (v) => ({ path: input.path, bytes: v.length }),
          ).catch((err: NodeJS.ErrnoException) => ({ ok: true as const, value: `Error: cannot read ${input.path}: ${err.code ?? err.message}` }));
          return outcome.ok ? outcome.value : denial(outcome);
        },
      }),

    list_dir: () =>
      tool({
        name: 'list_dir',
        description: 'Lists a directory of the workspace (directories end with "/"), up to the given depth.',
        parameters: z.object({
          path: z.string().min(1).describe('Directory, relative to the workspace root ("." for the root).'),
          depth: z.number().int().min(1).max(4).nullable().optional().describe('How deep to list (default 2).'),
        }),
        execute: async (input, _ctx, details) => {
          const outcome = await plane.run(
            call(callIdOf(details), 'list_dir', input),
            async (rt) => {
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
              await walk(rt.resolve(input.path).real, '', input.depth ?? 2);
              return out.join('\n') + (out.length >= 1000 ? '\n…[listing cut at 1000 entries]' : '');
            },
            (v) => ({ entries: v.split('\n').length }),
          ).catch((err: NodeJS.ErrnoException) => ({ ok: true as const, value: `Error: cannot list ${input.path}: ${err.code ?? err.message}` }));
          return outcome.ok ? outcome.value : denial(outcome);
        },
      }),

    grep_files: () =>
      tool({
        name: 'grep_files',
        description: 'Searches file contents in the workspace with a regular expression (git grep, extended syntax); returns matching lines as path:line:text.',
        parameters: z.object({
          pattern: z.string().min(1),
          path: z.string().nullable().optional().describe('Directory or file to search (default: the whole workspace).'),
        }),
        execute: async (input, _ctx, details) => {
          const outcome = await plane.run(
            call(callIdOf(details), 'grep_files', input),
            async (rt) => {
              const where = rt.resolve(input.path ?? '.');
              const res = await runProcess(['git', 'grep', '-n', '-I', '-E', '--untracked', '--no-color', '-e', input.pattern, '--', where.real], {
                cwd: rt.workspace,
                timeoutMs: 30_000,
                maxOutputBytes: 64 * 1024,
              });
              if (res.exitCode === 1) return 'No matches.';
              if (res.exitCode !== 0) return `Error: ${res.stderr.trim() || `git grep exited ${res.exitCode}`}`;
              const lines = res.stdout.split('\n').filter(Boolean);
              return lines.slice(0, 200).join('\n') + (lines.length > 200 ? `\n…[${lines.length - 200} more matches]` : '');
            },
            (v) => ({ matches: v === 'No matches.' ? 0 : v.split('\n').length }),
          );
          return outcome.ok ? outcome.value : denial(outcome);
        },
      }),
  };
  return names.map((n) => builders[n]());
}
