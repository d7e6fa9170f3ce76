// The built-in broad workflow (used when neither --workflow nor the suite names one): one agent with
// every tool and workspace-write access, no network, no approvals.
import { createHash } from 'node:crypto';
import { DEFAULT_APPROVER } from '../control/approver.ts';
import { TOOL_NAMES, type Workflow } from './types.ts';

export const BROAD_INSTRUCTIONS = `You are a software engineer working in a git checkout of a repository.
Do what the request asks: find the relevant code, make a focused change, and check it.
Use read_file, list_dir and grep_files to read; apply_patch to edit files; exec_command to run commands such as the tests.
Keep changes within what the request needs. Do not commit. When you are done, reply with a short summary of what you changed and how you checked it.`;

export function broadWorkflow(): Workflow {
  const wf: Omit<Workflow, 'digest'> = {
    name: 'broad',
    source: 'builtin:broad',
    dir: null,
    routing: 'single',
    entry: 'broad',
    roles: [
      {
        name: 'broad',
        description: 'One agent with every tool and write access to the workspace.',
        instructions: BROAD_INSTRUCTIONS,
        sandbox: 'workspace-write',
        network: 'deny',
        approval: 'never',
        tools: [...TOOL_NAMES],
        skills: [],
      },
    ],
    limits: { maxTurns: 60, maxThreads: 6, maxDepth: 1, jobMaxRuntimeSeconds: 1800, maxRounds: 2 },
    hooks: [],
    hookEnv: [],
    hooksInEnvironment: [],
    approver: DEFAULT_APPROVER,
    plugin: null,
    notes: [],
  };
  return { ...wf, digest: `sha256:${createHash('sha256').update(JSON.stringify(wf)).digest('hex')}` };
}
