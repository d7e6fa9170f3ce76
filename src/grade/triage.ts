// Grading a triage answer field by field against the expected one: label set F1, exact priority,
// component by path prefix, duplicate match, needs-info; an overall pass by the task's own rule. A wrong
// priority on a security or data-loss issue is an escaped defect whatever else is right.
import { PRIORITIES, TriageAnswer, type TriageAnswer as Answer } from '../suite/schema.ts';
import type { TriageTaskSpec } from '../suite/load.ts';

export interface TriageGrade {
  answer: Answer | null;
  parse_error: string | null;
  scores: { labels_f1: number; priority: boolean; component: boolean; duplicate: boolean; needs_info: boolean };
  passed: boolean;
  /** A security or data-loss issue whose priority was got wrong. */
  severe_misprioritised: boolean;
}

/** The JSON object in an answer: the whole text, or the first {...} block in prose or a code fence. */
export function parseAnswer(text: string | null): { answer: Answer | null; error: string | null } {
  if (!text) return { answer: null, error: 'no answer' };
  const candidates = [text, /```(?:json)?\s*([\s\S]*?)```/.exec(text)?.[1], /\{[\s\S]*\}/.exec(text)?.[0]].filter((c): c is string => !!c);
  let lastError = 'no JSON object in the answer';
  for (const c of candidates) {
    let raw: unknown;
    try {
      raw = JSON.parse(c);
    } catch {
      continue;
    }
    if (raw && typeof raw === 'object') {
      const o = { ...(raw as Record<string, unknown>) };
      // Lenient on form where the meaning is plain: "#12" for 12, "P1" for p1.
      if (typeof o.duplicate_of === 'string') o.duplicate_of = /^#?\d+$/.test(o.duplicate_of.trim()) ? Number(o.duplicate_of.replace('#', '')) : null;
      if (typeof o.priority === 'string') o.priority = o.priority.toLowerCase();
      const allowed = Object.fromEntries(Object.entries(o).filter(([k]) => k in TriageAnswer.shape));
      const p = TriageAnswer.safeParse(allowed);
      if (p.success) return { answer: p.data, error: null };
      lastError = `the answer does not match the triage schema: ${p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
    }
  }
  return { answer: null, error: lastError };
}

export function labelF1(got: string[], want: string[]): number {
  const g = new Set(got.map((l) => l.toLowerCase()));
  const w = new Set(want.map((l) => l.toLowerCase()));
  if (!g.size && !w.size) return 1;
  const hit = [...g].filter((l) => w.has(l)).length;
  if (!hit) return 0;
  const precision = hit / g.size;
  const recall = hit / w.size;
  return (2 * precision * recall) / (precision + recall);
}

const normPath = (p: string) => p.trim().replace(/^\.\//, '').replace(/\/+$/, '');

/** Right when the answer names the expected path or something inside it. */
export function componentMatch(got: string, want: string): boolean {
  const g = normPath(got);
  const w = normPath(want);
  return g === w || g.startsWith(`${w}/`);
}

export function gradeTriage(task: TriageTaskSpec, finalText: string | null): TriageGrade {
  const { answer, error } = parseAnswer(finalText);
  const e = task.expected;
  const scores = answer
    ? {
        labels_f1: Math.round(labelF1(answer.labels, e.labels) * 1000) / 1000,
        priority: answer.priority === e.priority,
        component: componentMatch(answer.component, e.component),
        duplicate: (answer.duplicate_of ?? null) === (e.duplicate_of ?? null),
        needs_info: answer.needs_info === e.needs_info,
      }
    : { labels_f1: 0, priority: false, component: false, duplicate: false, needs_info: false };
  const rule = task.pass;
  const passed =
    !!answer &&
    scores.labels_f1 >= rule.labels_f1 &&
    (!rule.priority || scores.priority) &&
    (!rule.component || scores.component) &&
    (!rule.duplicate || scores.duplicate) &&
    (!rule.needs_info || scores.needs_info);
  return { answer, parse_error: error, scores, passed, severe_misprioritised: task.severity !== 'normal' && !scores.priority };
}

/** JSON Schema of the answer, for structured output. */
export const TRIAGE_SCHEMA = {
  type: 'object',
  properties: {
    labels: { type: 'array', items: { type: 'string' }, description: 'Labels from the repository label list.' },
    priority: { type: 'string', enum: [...PRIORITIES], description: 'p0 critical, p1 high, p2 normal, p3 low.' },
    component: { type: 'string', description: 'The file or directory where the fix belongs.' },
    duplicate_of: { type: ['integer', 'null'], description: 'The number of an existing issue this duplicates, or null.' },
    needs_info: { type: 'boolean', description: 'The report lacks what is needed to act on it.' },
    rationale: { type: 'string' },
  },
  required: ['labels', 'priority', 'component', 'duplicate_of', 'needs_info', 'rationale'],
  additionalProperties: false,
} as const;
