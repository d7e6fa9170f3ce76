// The GitHub exports `bench suite mine` reads to find what a developer filed before a change existed:
// pull requests and issues as the GitHub CLI writes them with --json. Only the fields bench reads are
// checked; everything else gh writes is let through (loose objects), so any field list that includes
// these works.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError, InputErrors } from '../errors.ts';
import { zodInputErrors } from '../input/issues.ts';

/** The commands that write the exports, as the docs and error messages give them. */
export const PR_EXPORT_COMMAND = 'gh pr list --state merged --limit 1000 --json number,title,body,mergeCommit,closingIssuesReferences,url > prs.json';
export const ISSUE_EXPORT_COMMAND = 'gh issue list --state all --limit 1000 --json number,title,body,labels,url,closedByPullRequestsReferences > issues.json';

/** `owner/name` of the repository an issue or pull request URL points into, lower-cased. */
export function repoOfUrl(url: string | undefined): string | null {
  const m = url && /^https?:\/\/[^/]+\/([^/]+)\/([^/]+)\/(?:issues|pull)\/\d+/.exec(url);
  return m ? `${m[1]}/${m[2]}`.toLowerCase() : null;
}

export const PullRequestExport = z.looseObject({
  number: z.number().int().positive(),
  title: z.string(),
  // gh writes "" for a PR without a description; older exports and other tools write null.
  body: z.string().nullable().default(''),
  // gh writes {"oid": ...} for a merged PR and null for one that is not.
  mergeCommit: z.looseObject({ oid: z.string().regex(/^[0-9a-f]{7,40}$/, 'expected a commit id (hex sha)') }).nullable(),
  // The issues GitHub links as closed by the PR (its closing keywords, or linked by hand in the sidebar).
  closingIssuesReferences: z
    .array(
      z.looseObject({
        number: z.number().int().positive(),
        url: z.string().optional(),
        repository: z.looseObject({ name: z.string(), owner: z.looseObject({ login: z.string() }) }).optional(),
      }),
    )
    .describe('Required so that an export without it fails loudly instead of losing every link to an issue.'),
  url: z.string().optional(),
});
export type PullRequestExport = z.infer<typeof PullRequestExport>;

export const IssueExport = z.looseObject({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string().nullable().default(''),
  url: z.string().optional(),
  // The pull requests GitHub links as closing the issue: with them an issue export alone finds the
  // issue of a squash or merge commit that names its PR. Optional: older exports lack the field.
  closedByPullRequestsReferences: z
    .array(z.looseObject({ number: z.number().int().positive(), url: z.string().optional() }))
    .nullable()
    .default([]),
});
export type IssueExport = z.infer<typeof IssueExport>;

function readExport<S extends z.ZodType>(file: string, option: string, schema: S, command: string): z.output<S>[] {
  const redo = `write it again with: ${command}`;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why = err instanceof SyntaxError ? `not valid JSON: ${err.message}` : `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
    throw new InputError(why, { file, field: option, fix: err instanceof SyntaxError ? redo : 'check the path' });
  }
  if (!Array.isArray(value)) {
    throw new InputError('expected a JSON array (what gh writes for a list)', {
      file,
      field: '(top level)',
      fix: `export the whole list without --jq or --template: ${command}`,
    });
  }
  const parsed = z.array(schema).safeParse(value);
  if (!parsed.success) {
    // The first few problems are enough to see the pattern (an export usually repeats one mistake).
    const errors = zodInputErrors(parsed.error, file)
      .slice(0, 5)
      .map((e) => new InputError(e.message, { file, field: e.field, fix: `${e.fix}; the fields come from --json: ${command}` }));
    throw errors.length === 1 ? errors[0]! : new InputErrors(errors);
  }
  return parsed.data;
}

export function readPullRequestExport(file: string): PullRequestExport[] {
  return readExport(file, '--prs', PullRequestExport, PR_EXPORT_COMMAND);
}

export function readIssueExport(file: string): IssueExport[] {
  return readExport(file, '--issues', IssueExport, ISSUE_EXPORT_COMMAND);
}
