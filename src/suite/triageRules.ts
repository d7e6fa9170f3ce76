// The file formats of triage mining: the issue export `gh issue list --json …` writes, and the rules
// file that maps a repository's labelling conventions to the fields a triage task expects.
import { z } from 'zod';
import { PRIORITIES } from './schema.ts';

const labels = z.array(z.string().min(1));

/** Labels each repository spells its own way; matched without regard to case. */
export const TriageRules = z
  .strictObject({
    priority: z
      .strictObject({ p0: labels.default([]), p1: labels.default([]), p2: labels.default([]), p3: labels.default([]) })
      .default({
        p0: ['p0', 'critical', 'blocker', 'priority: critical', 'priority/critical', 'priority: p0', 'security', 'data-loss'],
        p1: ['p1', 'high', 'major', 'priority: high', 'priority/high', 'priority: p1'],
        p2: ['p2', 'medium', 'priority: medium', 'priority/medium', 'priority: p2'],
        p3: ['p3', 'low', 'minor', 'trivial', 'priority: low', 'priority/low', 'priority: p3'],
      })
      .describe('Labels that set each priority; the highest priority with a matching label wins. Given, it replaces the built-in map.'),
    default_priority: z.enum(PRIORITIES).default('p2').describe('The priority of an issue none of whose labels set one.'),
    severity: z
      .strictObject({ security: labels.default([]), 'data-loss': labels.default([]) })
      .default({ security: ['security', 'vulnerability', 'type: security'], 'data-loss': ['data-loss', 'data loss', 'corruption'] })
      .describe('Labels that make a wrong priority an escaped defect (security first, then data-loss).'),
    needs_info: labels
      .default(['needs-info', 'needs info', 'needs more info', 'more info needed', 'need info', 'waiting for info', 'awaiting response', 'needs-repro'])
      .describe('Labels meaning the report lacks what is needed to act on it.'),
    duplicate: labels
      .default(['duplicate', 'status: duplicate', 'resolution: duplicate'])
      .describe('Labels marking a duplicate; the original is read from "duplicate of #N" in the body or a comment.'),
    ignore_labels: labels.default([]).describe('Labels left out of expected.labels (process labels no reader could infer: "triaged", "stale").'),
    components: z
      .record(z.string().min(1), z.string().min(1))
      .default({})
      .describe(
        'Label to path: the component of an issue no commit closed (needs-info reports, duplicates of open issues). Without it such issues are skipped.',
      ),
  })
  .describe('bench triage mining rules: how this repository labels priority, severity, needs-info and duplicates.');
export type TriageRules = z.output<typeof TriageRules>;

/** The command whose output `--issues` reads (all states: closed issues are the ones with a known answer). */
export const GH_EXPORT_COMMAND =
  'gh issue list --state all --limit 10000 --json number,title,body,labels,state,stateReason,createdAt,closedAt,comments,closedByPullRequestsReferences > issues.json';

const Label = z.union([z.string().min(1), z.looseObject({ name: z.string().min(1) })], {
  error: 'a label is its name, or an object with a "name" (as gh writes it)',
});

/**
 * One issue as `gh issue list --json number,title,body,labels,state,createdAt,comments,closedByPullRequestsReferences`
 * writes it (labels and comments are objects there; plain label strings and snake_case dates, as
 * hand-made or REST exports have them, are read too). Fields gh writes that mining does not use are allowed.
 */
export const ExportedIssue = z.looseObject({
  number: z.number().int().positive(),
  title: z.string().min(1),
  body: z.string().nullable().default(''),
  labels: z.array(Label).default([]),
  state: z.string().optional(),
  stateReason: z.string().nullable().optional(),
  createdAt: z.string().optional(),
  created_at: z.string().optional(),
  comments: z.union([z.array(z.looseObject({ body: z.string().nullable().default('') })), z.number()]).default([]),
  closedByPullRequestsReferences: z
    .array(z.looseObject({ number: z.number().int().positive(), mergeCommit: z.looseObject({ oid: z.string() }).nullable().optional() }))
    .nullable()
    .default([]),
});
export type ExportedIssue = z.output<typeof ExportedIssue>;

export const IssueExport = z.array(ExportedIssue).describe('The JSON array `gh issue list --json …` prints.');

export const labelName = (l: ExportedIssue['labels'][number]) => (typeof l === 'string' ? l : l.name);
