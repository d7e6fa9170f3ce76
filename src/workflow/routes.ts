// The route a workflow expects, per task kind: a sequence pattern over its role calls, written in
// bench.toml as a list of steps, e.g. `[routes.pr] expect = ["explorer", "(worker reviewer)+"]`
// ("an explorer first, then a worker followed by a reviewer, one or more times": a reviewer after
// every worker). Description routing fails silently (a vague description sends work to the wrong role
// with no error), so a route that breaks the pattern is counted as misrouted.
//
// A step is a small regular expression whose letters are role names:
//   worker        one call of the role
//   _             one call of any role
//   a?  a*  a+    optional, any number, at least one
//   (a b)  (a|b)  a group (a sequence), alternatives; groups take quantifiers too
// The whole route must match (the entry role is not a call; refused calls are not in the route).
import { InputError } from '../errors.ts';

export const ROUTE_KINDS = ['pr', 'docs', 'triage', 'default'] as const;
export type RouteKind = (typeof ROUTE_KINDS)[number];

export interface RouteRule {
  /** The steps as written, joined with spaces (shown in reports and violations). */
  text: string;
  /** Anchored regular expression over the route written as `role;role;...;`. */
  regex: RegExp;
}

const TOKEN = /\s*(?:([A-Za-z0-9][A-Za-z0-9_.-]*|_)|([()|?*+]))/y;

/** A step's tokens, or the offset where it has something that is neither a role name nor an operator. */
function tokens(step: string): { ok: string[] } | { at: number } {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < step.length) {
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(step);
    if (!m) return /^\s*$/.test(step.slice(start)) ? { ok: out } : { at: start + (step.slice(start).length - step.slice(start).trimStart().length) };
    out.push(m[1] ?? m[2]!);
  }
  return { ok: out };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Compiles the steps to one rule, checking every role name against the workflow's roles. Errors name
 * `field` (e.g. `routes.pr.expect[1]`) and say how to fix the step.
 */
export function compileRoute(steps: string[], roles: string[], where: { file?: string; field: string }): RouteRule {
  const known = new Set(roles);
  const fail = (i: number, message: string, fix: string): never => {
    throw new InputError(message, { file: where.file, field: `${where.field}[${i}]`, fix });
  };
  const syntax = 'write role names, "_" for any role, groups in ( ), alternatives with |, and ? * + after a name or group';
  let source = '';
  steps.forEach((step, i) => {
    const t = tokens(step);
    if ('at' in t) fail(i, `unexpected ${JSON.stringify(step.slice(t.at, t.at + 1))} at character ${t.at + 1} of ${JSON.stringify(step)}`, syntax);
    const toks = (t as { ok: string[] }).ok;
    if (!toks.length) fail(i, 'an empty step', 'remove it, or name a role');
    let depth = 0;
    // What the previous token was: an atom (name, _, closed group) may take a quantifier; a group may not be empty.
    let prev: 'start' | 'atom' | 'open' | 'bar' | 'quant' = 'start';
    for (const tok of toks) {
      if (tok === '(') {
        depth++;
        source += '(?:';
        prev = 'open';
      } else if (tok === ')') {
        if (depth === 0) fail(i, `unbalanced ")" in ${JSON.stringify(step)}`, 'open every group with "(" in the same step');
        if (prev === 'open' || prev === 'bar') fail(i, `an empty group or alternative in ${JSON.stringify(step)}`, syntax);
        depth--;
        source += ')';
        prev = 'atom';
      } else if (tok === '|') {
        if (depth === 0) fail(i, `"|" outside a group in ${JSON.stringify(step)}`, 'put the alternatives in a group: "(reviewer|critic)"');
        if (prev === 'open' || prev === 'bar') fail(i, `an empty alternative in ${JSON.stringify(step)}`, syntax);
        source += '|';
        prev = 'bar';
      } else if (tok === '?' || tok === '*' || tok === '+') {
        if (prev !== 'atom') fail(i, `"${tok}" must follow a role name or a group in ${JSON.stringify(step)}`, syntax);
        source += tok;
        prev = 'quant';
      } else if (tok === '_') {
        source += '(?:[^;]+;)';
        prev = 'atom';
      } else {
        if (!known.has(tok)) fail(i, `role "${tok}" does not exist`, `use one of: ${roles.join(', ')} (or "_" for any role)`);
        source += `(?:${escape(tok)};)`;
        prev = 'atom';
      }
    }
    if (depth > 0) fail(i, `unbalanced "(" in ${JSON.stringify(step)}`, 'close every group with ")" in the same step');
  });
  return { text: steps.join(' '), regex: new RegExp(`^(?:${source})$`) };
}

/** Whether a route (role names, in call order) follows the rule. */
export function routeMatches(rule: RouteRule, route: readonly string[]): boolean {
  return rule.regex.test(route.map((r) => `${r};`).join(''));
}

/** The rule a task of this kind is held to: its kind's, else the default, else none. */
export function ruleFor(routes: Partial<Record<RouteKind, RouteRule>>, kind: 'pr' | 'docs' | 'triage'): RouteRule | null {
  return routes[kind] ?? routes.default ?? null;
}
