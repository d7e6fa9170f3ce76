// What roles hand back, as JSON Schemas the model must follow (completion manifests). Strict: every
// property required, nothing else allowed (what structured outputs need).

/** Kinds of finding a review names. */
export const FINDING_KINDS = ['bug', 'missing_test', 'security', 'scope', 'style'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export const OUTPUT_SCHEMAS = {
  exploration: {
    type: 'object',
    properties: {
      relevant_files: { type: 'array', items: { type: 'string' }, description: 'Files the change will need to touch or read.' },
      plan: { type: 'string', description: 'How to make the change, step by step.' },
      risks: { type: 'array', items: { type: 'string' }, description: 'What could go wrong.' },
    },
    required: ['relevant_files', 'plan', 'risks'],
    additionalProperties: false,
  },
  manifest: {
    type: 'object',
    properties: {
      status: { type: 'string', enum: ['done', 'blocked'] },
      files_modified: { type: 'array', items: { type: 'string' } },
      tests_run: {
        type: 'array',
        items: {
          type: 'object',
          properties: { command: { type: 'string' }, passed: { type: 'boolean' } },
          required: ['command', 'passed'],
          additionalProperties: false,
        },
      },
      summary: { type: 'string' },
    },
    required: ['status', 'files_modified', 'tests_run', 'summary'],
    additionalProperties: false,
  },
  review: {
    type: 'object',
    properties: {
      verdict: { type: 'string', enum: ['approve', 'request_changes'] },
      findings: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            kind: { type: 'string', enum: FINDING_KINDS },
            file: { type: 'string' },
            message: { type: 'string' },
          },
          required: ['kind', 'file', 'message'],
          additionalProperties: false,
        },
      },
      summary: { type: 'string' },
    },
    required: ['verdict', 'findings', 'summary'],
    additionalProperties: false,
  },
} as const;

export type OutputKind = keyof typeof OUTPUT_SCHEMAS;

/** The conventional output of a role, from its name, when the workflow does not say. */
export function defaultOutputKind(role: string): OutputKind | null {
  if (/review/i.test(role)) return 'review';
  if (/explor|research|investig|scout/i.test(role)) return 'exploration';
  if (/worker|implement|coder|engineer|developer/i.test(role)) return 'manifest';
  return null;
}
