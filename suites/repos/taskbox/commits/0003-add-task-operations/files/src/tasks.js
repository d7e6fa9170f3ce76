import { NotFoundError, TaskboxError } from './errors.js';
import { parse } from './parser.js';

// Operations on a list of tasks, as returned by store.load(). They change the
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
 * Parses `input` and appends the task it describes.
 * @param {Task[]} tasks
 * @param {string} input
 * @param {{ now?: Date }} [options]
 * @returns {Task}
 */
export function addTask(tasks, input, { now = new Date() } = {}) {
  const fields = parse(input);
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
