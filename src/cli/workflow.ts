// `bench workflow check <dir>`: validates a workflow folder and shows what bench would run.
import type { Command } from 'commander';

export function workflowCommand(program: Command): void {
  const wf = program.command('workflow').description('inspect workflow folders (Codex plugins)');
  wf.command('check')
    .description('validate a workflow folder and print the roles, tools, sandbox modes, hooks (with their hashes) it would use')
    .argument('<dir>', 'workflow folder, or "broad" for the built-in one')
    .option('--json', 'print the loaded workflow as JSON')
    .action(async (dir: string, flags: { json?: boolean }) => {
      const [{ loadWorkflow }, { describeWorkflow }] = await Promise.all([import('../workflow/load.ts'), import('./workflowText.ts')]);
      const w = loadWorkflow(dir);
      process.stdout.write(flags.json ? `${JSON.stringify(w, null, 2)}\n` : `${describeWorkflow(w)}\nok\n`);
    });
}
