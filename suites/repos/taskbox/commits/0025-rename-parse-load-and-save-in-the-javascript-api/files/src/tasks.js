import { localDate } from './dates.js';
import { NotFoundError, TaskboxError } from './errors.js';
import { parseTaskText } from './parser.js';

// Operations on a list of tasks, as returned by loadTasks(). They change the
// list in place and return the task they created or touched; saving the list
// is up to the caller.

/**
 * @typedef {object} Task
 * @property {number} id
 * @property {string} text
 * @property {string[]} tags
 * @property {string | null} priority
 * @property {string | null} due
 * @property {boolean} done
 * @property {string} created
 * @property {string | null} completed
 */

/**
 * The id the next task will get: one more than the largest id in use.
 * @param {Task[]} tasks
 */
export function nextId(tasks) {
  return tasks.reduce((max, task) => Math.max(max, task.id), 0) + 1;
}

/**
 * @param {Task[]} tasks
 * @param {number | string} id
 * @returns {Task}
 */
export function findTask(tasks, id) {
  const n = typeof id === 'number' ? id : /^\d+$/.test(String(id)) ? Number(id) : NaN;
  if (!Number.isInteger(n)) throw new TaskboxError(`"${id}" is not a task id`);
  const task = tasks.find((t) => t.id === n);
  if (!task) throw new NotFoundError(id);
  return task;
}

/**
 * Parses `input` and appends the task it describes. Relative due dates count
 * from `today`, which defaults to the local date of `now`; tasks written
 * without a priority get `defaultPriority`.
 * @param {Task[]} tasks
 * @param {string} input
 * @param {{ now?: Date, today?: string, defaultPriority?: string | null }} [options]
 * @returns {Task}
 */
export function addTask(tasks, input, { now = new Date(), today = localDate(now), defaultPriority = null } = {}) {
  const fields = parseTaskText(input, { today });
  if (fields.priority === null) fields.priority = defaultPriority;
  /** @type {Task} */
  const task = {
    id: nextId(tasks),
    ...fields,
    done: false,
    created: now.toISOString(),
    completed: null,
  };
  tasks.push(task);
  return task;
}

/**
 * Appends tasks read by importTasks(), numbering them after the tasks already
 * in the list. Returns the new tasks.
 * @param {Task[]} tasks
 * @param {Omit<Task, 'id' | 'created'>[] & { created?: string | null }[]} records
 * @param {{ now?: Date }} [options]
 */
export function appendTasks(tasks, records, { now = new Date() } = {}) {
  const added = [];
  for (const record of records) {
    /** @type {Task} */
    const task = {
      id: nextId(tasks),
      text: record.text,
      tags: [...record.tags],
      priority: record.priority,
      due: record.due,
      done: record.done,
      created: record.created ?? now.toISOString(),
      completed: record.done ? (record.completed ?? now.toISOString()) : null,
    };
    tasks.push(task);
    added.push(task);
  }
  return added;
}

/**
 * Replaces the text, tags, priority and due date of a task with the ones
 * written in `input`, keeping its id and dates. Whatever `input` does not
 * mention is cleared, as if the task had been added again.
 * @param {Task[]} tasks
 * @param {number | string} id
 * @param {string} input
 * @param {{ today?: string }} [options]
 */
export function editTask(tasks, id, input, { today = localDate() } = {}) {
  const task = findTask(tasks, id);
  const fields = parseTaskText(input, { today });
  Object.assign(task, fields);
  return task;
}

/**
 * Marks a task as done. Completing a task twice keeps the first date.
 * @param {Task[]} tasks
 * @param {number | string} id
 * @param {{ now?: Date }} [options]
 */
export function completeTask(tasks, id, { now = new Date() } = {}) {
  const task = findTask(tasks, id);
  if (!task.done) {
    task.done = true;
    task.completed = now.toISOString();
  }
  return task;
}

/**
 * @param {Task[]} tasks
 * @param {number | string} id
 */
export function removeTask(tasks, id) {
  const task = findTask(tasks, id);
  tasks.splice(tasks.indexOf(task), 1);
  return task;
}

/**
 * Tasks whose text contains every word of `query` (ignoring case), in id
 * order. An empty query matches every task. Done tasks are left out unless
 * `all` is set; `tag` and `priority` narrow the result further.
 * @param {Task[]} tasks
 * @param {string} query
 * @param {{ tag?: string, priority?: string, all?: boolean }} [options]
 */
export function searchTasks(tasks, query, { tag, priority, all = false } = {}) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const wantedTag = tag?.replace(/^@/, '').toLowerCase();
  return tasks
    .filter((task) => all || !task.done)
    .filter((task) => wantedTag === undefined || task.tags.includes(wantedTag))
    .filter((task) => priority === undefined || task.priority === priority)
    .filter((task) => {
      const text = task.text.toLowerCase();
      return words.every((word) => text.includes(word));
    })
    .sort((a, b) => a.id - b.id);
}

/**
 * The tags in use and how many tasks have each, most used first (ties in
 * alphabetical order). Done tasks are counted only with `all`.
 * @param {Task[]} tasks
 * @param {{ all?: boolean }} [options]
 * @returns {{ tag: string, count: number }[]}
 */
export function countTags(tasks, { all = false } = {}) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const task of tasks) {
    if (task.done && !all) continue;
    for (const tag of task.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  return [...counts]
    .map(([tag, count]) => ({ tag, count }))
    .sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
}
