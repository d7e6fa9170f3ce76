import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { TaskboxError } from './errors.js';

// Tasks live in a single JSON file:
//
//   { "version": 1, "tasks": [ { "id": 1, "text": "buy milk", ... } ] }
//
// The version lets later releases change the layout without breaking files
// written by older ones.

export const FORMAT_VERSION = 1;

export class StoreError extends TaskboxError {
  /**
   * @param {string} message
   * @param {string} file
   */
  constructor(message, file) {
    super(message);
    this.file = file;
  }
}

/**
 * Reads the tasks from `file`. A file that does not exist yet holds no tasks.
 * @param {string} file
 * @returns {object[]}
 */
export function load(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') return [];
    throw err;
  }
  let data;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new StoreError(`cannot read ${file}: ${/** @type {Error} */ (err).message}`, file);
  }
  if (data === null || typeof data !== 'object' || !Array.isArray(data.tasks)) {
    throw new StoreError(`${file} is not a taskbox file`, file);
  }
  if (data.version > FORMAT_VERSION) {
    throw new StoreError(`${file} was written by a newer taskbox (format ${data.version})`, file);
  }
  return data.tasks;
}

/**
 * Writes `tasks` to `file`, creating its folder when needed.
 * @param {string} file
 * @param {object[]} tasks
 */
export function save(file, tasks) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ version: FORMAT_VERSION, tasks }, null, 2) + '\n');
}
