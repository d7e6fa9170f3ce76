// Turns zod validation issues into InputErrors that say which field is wrong and how to fix it.
import type { z } from 'zod';
import { InputError } from '../errors.ts';

export type LineOf = (path: readonly PropertyKey[]) => number | undefined;

export function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(top level)';
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function fixFor(issue: z.core.$ZodIssue, field: string, knownKeys: (path: readonly PropertyKey[]) => string[]): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `add the required field \`${field}\` (${issue.expected})`
        : `make \`${field}\` ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
    case 'unrecognized_keys': {
      const known = knownKeys(issue.path);
      const hints = issue.keys.map((k) => {
        const near = closest(k, known);
        return near ? `\`${k}\` (did you mean \`${near}\`?)` : `\`${k}\``;
      });
      return `remove or rename ${hints.join(', ')}${known.length && known.length <= 15 ? `; known fields: ${known.join(', ')}` : ''}`;
    }
    case 'invalid_value': {
      const near = typeof issue.input === 'string' ? closest(issue.input, issue.values.map(String)) : undefined;
      if (issue.values.length > 8) return near ? `did you mean "${near}"?` : `use one of: ${issue.values.map(String).join(', ')}`;
      return `${near ? `did you mean "${near}"? ` : ''}use one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    case 'too_small':
      return issue.origin === 'array'
        ? `give \`${field}\` at least ${issue.minimum} item(s)`
        : `make \`${field}\` at least ${issue.minimum}${issue.origin === 'string' ? ' character(s) long' : ''}`;
    case 'too_big':
      return `make \`${field}\` at most ${issue.maximum}`;
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue ? `match the pattern ${String(issue.pattern)}` : `use a valid ${issue.format}`;
    case 'invalid_union':
      return `see the JSON Schema for the accepted shapes of \`${field}\``;
    default:
      return `correct \`${field}\``;
  }
}

/** All issues of a failed parse as InputErrors (one per issue), with line numbers when the file format can tell. */
export function zodInputErrors(
  error: z.ZodError,
  file: string,
  lineOf?: LineOf,
  knownKeys: (path: readonly PropertyKey[]) => string[] = () => [],
): InputError[] {
  return error.issues.map((issue) => {
    const path = issue.code === 'unrecognized_keys' && issue.keys.length === 1 ? [...issue.path, issue.keys[0]!] : issue.path;
    const field = fieldName(issue.path.length ? issue.path : path);
    const message =
      issue.code === 'invalid_value' && issue.values.length > 8 && issue.input !== undefined
        ? `${JSON.stringify(issue.input)} is not one of the ${issue.values.length} accepted values`
        : issue.message;
    return new InputError(message, {
      file,
      line: lineOf?.(path) ?? lineOf?.(issue.path),
      field: issue.code === 'unrecognized_keys' ? fieldName(path) : field,
      fix: fixFor(issue, field, knownKeys),
    });
  });
}
