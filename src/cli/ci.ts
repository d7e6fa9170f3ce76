// `bench ci comment --summary <file>...`: post the markdown summary on the pull request, or update the
// comment bench posted there before. For GitHub Actions (the bench action runs it after the gate).
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { collect } from './args.ts';

interface CommentFlags {
  summary: string[];
  tokenEnv: string;
}

export function ciCommand(program: Command): void {
  const ci = program.command('ci').description('CI helpers for GitHub Actions');
  ci.command('comment')
    .description('post markdown on the pull request as one comment, updated in place on later runs (found by a hidden marker)')
    .requiredOption('--summary <file>', 'markdown to post (repeatable: the files are joined), e.g. the report summary and the gate verdict', collect, [])
    .option('--token-env <name>', 'the environment variable holding the GitHub token (never pass a token as an argument)', 'GITHUB_TOKEN')
    .action(async (flags: CommentFlags) => {
      const { commentBody, GitHubError, prTarget, upsertComment } = await import('../gate/prComment.ts');
      const target = prTarget(process.env);
      const token = process.env[flags.tokenEnv];
      if (!token)
        throw new InputError('not set: no GitHub token to comment with', {
          field: flags.tokenEnv,
          fix: `set ${flags.tokenEnv} from the job's token (env: ${flags.tokenEnv}: \${{ github.token }}) with permissions pull-requests: write`,
        });
      if (!flags.summary.length) throw new InputError('nothing to post', { field: '--summary', fix: 'name a markdown file, e.g. --summary summary.md' });
      const parts = flags.summary.map((file) => {
        if (!existsSync(file))
          throw new InputError(`no such file: ${file}`, { field: '--summary', fix: 'write the summary first (bench report --format md -o <file>)' });
        return readFileSync(file, 'utf8').trim();
      });
      const e = process.env;
      const footer =
        e.GITHUB_SERVER_URL && e.GITHUB_RUN_ID
          ? `<sub>[bench run ${e.GITHUB_RUN_ID}](${e.GITHUB_SERVER_URL}/${target.repo}/actions/runs/${e.GITHUB_RUN_ID})</sub>`
          : undefined;
      try {
        const done = await upsertComment(target, token, commentBody(parts.join('\n\n'), footer));
        process.stdout.write(`${done.action} comment ${done.id} on ${target.repo}#${target.pr}${done.url ? `: ${done.url}` : ''}\n`);
      } catch (err) {
        const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
        if (!(err instanceof GitHubError) && !(err instanceof TypeError) && !timedOut) throw err;
        // An API refusal, an unreachable or silent server: said in one line (fetch's TypeError names no address; the cause does).
        const why = timedOut
          ? `no answer from ${target.apiUrl} within 30 s`
          : `${err.message}${err instanceof TypeError && err.cause instanceof Error ? `: ${err.cause.message}` : ''}`;
        process.stderr.write(`error: could not comment on ${target.repo}#${target.pr}: ${why}\n`.split(token).join('***'));
        process.exitCode = 1;
      }
    });
}
