// When a workflow declared its work done: one rule for every engine, applied to what the roles answered.

/** An answer as text (structured answers as JSON). */
export function asText(out: unknown): string | null {
  return out === undefined || out === null ? null : typeof out === 'string' ? out : JSON.stringify(out);
}

/** An answer as an object: itself, or the JSON object its text holds; null for prose. */
export function parsedObject(out: unknown): Record<string, unknown> | null {
  if (out && typeof out === 'object') return out as Record<string, unknown>;
  if (typeof out === 'string') {
    try {
      const v = JSON.parse(out) as unknown;
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Accepted: the last review's verdict is approve; without a review, the final answer's completion
 * manifest says `status: "done"`; without either, the final answer is not empty.
 * `roleOutputs` are the sub-agents' answers in order (objects for structured ones), `final` the session's.
 */
export function isAccepted(roleOutputs: readonly unknown[], final: unknown): boolean {
  const review = roleOutputs
    .map(parsedObject)
    .reverse()
    .find((o) => o !== null && 'verdict' in o);
  if (review) return review.verdict === 'approve';
  const out = parsedObject(final);
  if (out && 'status' in out) return out.status === 'done';
  return !!asText(final)?.trim();
}
