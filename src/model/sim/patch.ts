// Patch text the simulated model writes: Codex's apply_patch envelope around V4A hunks, plus the
// plausible mistakes it makes (a flipped comparison, an off-by-one, a forgotten line).
import { structuredPatch } from 'diff';
import { draw, pick } from './random.ts';

export function envelope(sections: string[]): string {
  return ['*** Begin Patch', ...sections, '*** End Patch'].join('\n');
}

export function addSection(path: string, content: string): string {
  const lines = content.endsWith('\n') ? content.slice(0, -1).split('\n') : content.split('\n');
  return [`*** Add File: ${path}`, ...lines.map((l) => `+${l}`)].join('\n');
}

export function deleteSection(path: string): string {
  return `*** Delete File: ${path}`;
}

export function updateSection(path: string, hunks: string[][]): string {
  const body = hunks.map((h) => ['@@', ...h.filter((l) => !l.startsWith('\\'))].join('\n'));
  return [`*** Update File: ${path}`, ...body].join('\n');
}

/** V4A hunks turning `current` into `target` (empty when they are equal). */
export function hunksBetween(current: string, target: string, context = 3): string[][] {
  if (current === target) return [];
  const p = structuredPatch('a', 'b', current, target, '', '', { context });
  return p.hunks.map((h) => h.lines.filter((l) => !l.startsWith('\\')));
}

const MUTATIONS: Array<[RegExp, string]> = [
  [/===/, '!=='],
  [/!==/, '==='],
  [/<=/, '<'],
  [/>=/, '>'],
  [/(?<![=<>-])<(?![=<])/, '<='],
  [/(?<![=<>-])>(?![=>])/, '>='],
  [/&&/, '||'],
  [/\|\|/, '&&'],
  [/Math\.round/, 'Math.floor'],
  [/Math\.floor/, 'Math.round'],
  [/Math\.ceil/, 'Math.floor'],
  [/\btrue\b/, 'false'],
  [/\bfalse\b/, 'true'],
  [/ \+ 1\b/, ''],
  [/ - 1\b/, ''],
  [/\b([1-9]\d*)\b/, '$1+'],
];

/** A plausible wrong version of one added line, or null when nothing in it lends itself to a slip. */
export function mutateLine(line: string, ...key: Array<string | number>): string | null {
  const code = line.slice(1);
  if (/^\s*(\/\/|\*|\/\*|#)/.test(code) || !code.trim()) return null;
  const options = MUTATIONS.filter(([re]) => re.test(code));
  if (!options.length) return null;
  const [re, repl] = options[pick(options.length, ...key, 'op')]!;
  const mutated = repl === '$1+' ? code.replace(re, (n) => String(Number(n) + 1)) : code.replace(re, repl);
  return mutated === code ? null : `+${mutated}`;
}

/**
 * The hunk as the model writes it on this attempt: right with probability `skill`, else with one added
 * line mutated (or, when no line can be mutated, the hunk left out entirely: a forgotten change).
 */
export function attemptHunk(hunk: string[], skill: number, ...key: Array<string | number>): { lines: string[] | null; wrong: boolean } {
  if (draw(...key, 'right') < skill) return { lines: hunk, wrong: false };
  const added = hunk.map((l, i) => (l.startsWith('+') ? i : -1)).filter((i) => i >= 0);
  const order = added.map((i) => ({ i, r: draw(...key, 'line', i) })).sort((a, b) => a.r - b.r);
  for (const { i } of order) {
    const m = mutateLine(hunk[i]!, ...key, i);
    if (m) return { lines: hunk.map((l, j) => (j === i ? m : l)), wrong: true };
  }
  return { lines: null, wrong: true };
}
