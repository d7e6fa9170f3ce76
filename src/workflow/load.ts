// Which workflows a run uses: --workflow flags, else the suite's list, else the built-in broad agent.
import { InputError } from '../errors.ts';
import { broadWorkflow } from './builtin.ts';
import type { Workflow } from './types.ts';

export function loadWorkflow(ref: string): Workflow {
  if (ref === 'broad' || ref === 'builtin:broad') return broadWorkflow();
  throw new InputError(`unknown workflow "${ref}"`, { field: '--workflow', fix: 'use "broad" (the built-in single agent)' });
}

export function resolveWorkflows(refs: string[], suiteDefaults: string[]): Workflow[] {
  const chosen = refs.length ? refs : suiteDefaults.length ? suiteDefaults : ['broad'];
  const workflows = chosen.map(loadWorkflow);
  const names = new Set<string>();
  for (const w of workflows) {
    if (names.has(w.name)) throw new InputError(`two workflows are named "${w.name}"`, { field: '--workflow', fix: 'give each workflow folder a distinct plugin name' });
    names.add(w.name);
  }
  return workflows;
}
