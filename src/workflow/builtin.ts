// The built-in broad workflow: one agent with every tool and workspace-write access.
import { createHash } from 'node:crypto';
import { TOOL_NAMES } from '../engine/sdk/tools.ts';
import type { Workflow } from './types.ts';

export const BROAD_INSTRUCTIONS = `You are a software engineer working in a git checkout of a repository.
Do what the request asks: find the relevant code, make a focused change, and check it.
Use read_file, list_dir and grep_files to read; apply_patch to edit files; exec_command to run commands such as the tests.
Keep changes within what the request needs. Do not commit. When you are done, reply with a short summary of what you changed and how you checked it.`;

export function broadWorkflow(): Workflow {
  const wf: Omit<Workflow, 'digest'> = {
    name: 'broad',
    source: 'builtin:broad',
    routing: 'single',
    entry: 'broad',
    roles: [
      {
        name: 'broad',
        description: 'One agent with every tool and write access to the workspace.',
        instructions: BROAD_INSTRUCTIONS,
        sandbox: 'workspace-write',
        tools: [...TOOL_NAMES],
      },
    ],
    limits: { maxTurns: 60, maxThreads: 6, maxDepth: 1, jobMaxRuntimeSeconds: 1800 },
  };
  return { ...wf, digest: `sha256:${createHash('sha256').update(JSON.stringify(wf)).digest('hex')}` };
}
