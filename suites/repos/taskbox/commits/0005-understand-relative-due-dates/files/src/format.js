import { describeDue } from './dates.js';

// Turns tasks into the lines `taskbox list` prints:
//
//     1 [ ] buy milk @home !high (due 2026-03-01)
//     2 [x] call the bank
//     3 [ ] pay rent (due tomorrow)
//
// Given today's date, due dates within a week are shown relative to it.

/** @type {Record<string, number>} */
const COLORS = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90 };

/** @type {Record<string, string>} */
const PRIORITY_COLORS = { high: 'red', medium: 'yellow', low: 'blue' };

/**
 * @param {string} text
 * @param {string} color
 * @param {boolean} enabled
 */
export function paint(text, color, enabled) {
  return enabled ? `\x1b[${COLORS[color]}m${text}\x1b[0m` : text;
}

/**
 * @param {import('./tasks.js').Task} task
 * @param {{ color?: boolean, today?: string }} [options]
 */
export function formatTask(task, { color = false, today } = {}) {
  const parts = [String(task.id).padStart(3), task.done ? '[x]' : '[ ]', task.text];
  for (const tag of task.tags) parts.push(paint(`@${tag}`, 'cyan', color));
  if (task.priority) parts.push(paint(`!${task.priority}`, PRIORITY_COLORS[task.priority], color));
  if (task.due) {
    const text = today ? describeDue(task.due, today) : `due ${task.due}`;
    const overdue = !task.done && text.startsWith('overdue');
    parts.push(paint(`(${text})`, overdue ? 'red' : 'magenta', color));
  }
  const line = parts.join(' ');
  return task.done ? paint(line, 'gray', color) : line;
}

/**
 * One line per task, each ending with a newline.
 * @param {import('./tasks.js').Task[]} tasks
 * @param {{ color?: boolean, today?: string }} [options]
 */
export function formatList(tasks, options = {}) {
  return tasks.map((task) => formatTask(task, options) + '\n').join('');
}
