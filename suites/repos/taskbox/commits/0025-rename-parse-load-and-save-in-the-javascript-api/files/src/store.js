import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
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
export function loadTasks(file) {
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
 *
 * The new contents go to a temporary file next to `file`, which is flushed to
 * disk and then renamed over `file`. A crash or a full disk leaves either the
 * old file or the new one, never a truncated mix (#17).
 * @param {string} file
 * @param {object[]} tasks
 */
export function saveTasks(file, tasks) {
  const text = JSON.stringify({ version: FORMAT_VERSION, tasks }, null, 2) + '\n';
  const folder = dirname(file);
  mkdirSync(folder, { recursive: true });
  const tmp = join(folder, `.${basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let fd;
  try {
    fd = openSync(tmp, 'wx');
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
}
