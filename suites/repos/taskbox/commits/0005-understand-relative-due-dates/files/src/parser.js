import { localDate, parseDue } from './dates.js';
import { ParseError } from './errors.js';

// Reads the short notation used when adding a task:
//
//   parse('buy milk @home !high due:2026-03-01')
//   // { text: 'buy milk', tags: ['home'], priority: 'high', due: '2026-03-01' }
//
// Words starting with @ are tags, !high, !medium and !low (or !h, !m, !l) set
// the priority and due:<date> sets the due date (see parseDue() in dates.js
// for the dates it understands). The remaining words, in their order, are the
// task's text.

export const PRIORITIES = Object.freeze(['high', 'medium', 'low']);

/** @type {Record<string, string>} */
const PRIORITY_ALIASES = {
  high: 'high',
  h: 'high',
  medium: 'medium',
  med: 'medium',
  m: 'medium',
  low: 'low',
  l: 'low',
};

const TAG = /^@([\p{L}\p{N}_-]+)$/u;
const PRIORITY = /^!([a-z]+)$/i;
const DUE = /^due:(.*)$/i;

/**
 * @param {string} input
 * @param {{ today?: string }} [options] the date relative due dates count from
 * @returns {{ text: string, tags: string[], priority: string | null, due: string | null }}
 */
export function parse(input, { today = localDate() } = {}) {
  if (typeof input !== 'string') throw new TypeError('task text must be a string');
  /** @type {string[]} */
  const words = [];
  /** @type {string[]} */
  const tags = [];
  let priority = null;
  let due = null;
  for (const word of input.trim().split(/\s+/)) {
    if (word === '') continue;
    let m;
    if ((m = TAG.exec(word))) {
      const tag = m[1].toLowerCase();
      if (!tags.includes(tag)) tags.push(tag);
    } else if ((m = PRIORITY.exec(word))) {
      const p = PRIORITY_ALIASES[m[1].toLowerCase()];
      if (!p) throw new ParseError(`unknown priority "${word}" (use !high, !medium or !low)`, input);
      priority = p;
    } else if ((m = DUE.exec(word))) {
      due = parseDue(m[1], today);
      if (due === null) throw new ParseError(`cannot read due date "${m[1]}"`, input);
    } else {
      words.push(word);
    }
  }
  const text = words.join(' ');
  if (text === '') throw new ParseError('a task needs some text', input);
  return { text, tags, priority, due };
}
