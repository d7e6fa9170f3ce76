import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import YAML from 'yaml';
import { TaskboxError } from './errors.js';
import { HOOK_EVENTS } from './hooks.js';
import { PRIORITIES } from './parser.js';

// Settings come from a YAML file, by default ~/.config/taskbox/config.yaml
// (or $XDG_CONFIG_HOME/taskbox/config.yaml); TASKBOX_CONFIG names another one.
//
//   file: ~/Dropbox/tasks.json
//   color: auto
//   defaultPriority: low
//   hooks:
//     done: notify-send "Done: {text}"
//
// config.yml and the config.json of taskbox 0.1 are read too: JSON is valid
// YAML, so the same parser reads all three.

/** The configuration file could not be read or holds an invalid setting. */
export class ConfigError extends TaskboxError {
  /**
   * @param {string} message
   * @param {string} file
   */
  constructor(message, file) {
    super(`${file}: ${message}`);
    this.file = file;
  }
}

/**
 * @typedef {object} Config
 * @property {string | null} file where tasks are kept (null: the default place)
 * @property {'auto' | 'always' | 'never'} color
 * @property {string | null} defaultPriority priority of tasks added without one
 * @property {Record<string, string>} hooks commands run after tasks change (see hooks.js)
 * @property {string | null} path the file the settings were read from
 */

export const DEFAULTS = Object.freeze({ file: null, color: 'auto', defaultPriority: null, hooks: Object.freeze({}) });

const COLOR_VALUES = ['auto', 'always', 'never'];

/** @param {NodeJS.ProcessEnv} env */
function home(env) {
  return env.HOME || homedir();
}

/** Names looked for in the configuration folder, in this order. */
export const CONFIG_NAMES = Object.freeze(['config.yaml', 'config.yml', 'config.json']);

/**
 * The configuration file taskbox reads: $TASKBOX_CONFIG, else the first of
 * CONFIG_NAMES that exists in the configuration folder, else config.yaml.
 * @param {NodeJS.ProcessEnv} [env]
 */
export function configPath(env = process.env) {
  if (env.TASKBOX_CONFIG) return resolve(env.TASKBOX_CONFIG);
  const folder = join(env.XDG_CONFIG_HOME || join(home(env), '.config'), 'taskbox');
  const found = CONFIG_NAMES.map((name) => join(folder, name)).find((path) => existsSync(path));
  return found ?? join(folder, CONFIG_NAMES[0]);
}

/**
 * Reads the configuration file; without one every setting has its default.
 * @param {{ env?: NodeJS.ProcessEnv }} [options]
 * @returns {Config}
 */
export function loadConfig({ env = process.env } = {}) {
  const path = configPath(env);
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') return { ...DEFAULTS, path: null };
    throw err;
  }
  let data;
  try {
    data = YAML.parse(text);
  } catch (err) {
    throw new ConfigError(/** @type {Error} */ (err).message, path);
  }
  // An empty file (or one with only comments) sets nothing.
  return { ...validate(data ?? {}, path), path };
}

/**
 * Checks the settings read from `path` and fills in the defaults.
 * @param {unknown} data
 * @param {string} path
 */
export function validate(data, path) {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError('expected an object of settings', path);
  }
  const config = { ...DEFAULTS };
  for (const [key, value] of Object.entries(data)) {
    switch (key) {
      case 'file':
        if (typeof value !== 'string' || value === '') throw new ConfigError('file must be a path', path);
        config.file = value;
        break;
      case 'color':
        if (value === true) config.color = 'always';
        else if (value === false) config.color = 'never';
        else if (COLOR_VALUES.includes(value)) config.color = value;
        else throw new ConfigError('color must be auto, always or never', path);
        break;
      case 'defaultPriority':
        if (value !== null && !PRIORITIES.includes(value)) {
          throw new ConfigError('defaultPriority must be high, medium or low', path);
        }
        config.defaultPriority = value;
        break;
      case 'hooks':
        config.hooks = validateHooks(value, path);
        break;
      default:
        throw new ConfigError(`unknown setting "${key}"`, path);
    }
  }
  return config;
}

/**
 * @param {unknown} value
 * @param {string} path
 */
function validateHooks(value, path) {
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`hooks must map events (${HOOK_EVENTS.join(', ')}) to commands`, path);
  }
  /** @type {Record<string, string>} */
  const hooks = {};
  for (const [event, command] of Object.entries(value)) {
    if (!HOOK_EVENTS.includes(event)) throw new ConfigError(`unknown hook "${event}" (use ${HOOK_EVENTS.join(', ')})`, path);
    if (typeof command !== 'string') throw new ConfigError(`the ${event} hook must be a command`, path);
    hooks[event] = command;
  }
  return hooks;
}

/**
 * Where tasks are kept: the --file flag, else $TASKBOX_FILE, else the file
 * setting (relative to the configuration file, ~ for the home folder), else
 * $XDG_DATA_HOME/taskbox/tasks.json or ~/.local/share/taskbox/tasks.json.
 * @param {{ flag?: string, env?: NodeJS.ProcessEnv, config?: Config }} [options]
 */
export function tasksFile({ flag, env = process.env, config = { ...DEFAULTS, path: null } } = {}) {
  if (flag) return resolve(flag);
  if (env.TASKBOX_FILE) return resolve(env.TASKBOX_FILE);
  if (config.file) {
    const file = config.file.replace(/^~(?=$|\/)/, home(env));
    return config.path ? resolve(dirname(config.path), file) : resolve(file);
  }
  const data = env.XDG_DATA_HOME || join(home(env), '.local', 'share');
  return join(data, 'taskbox', 'tasks.json');
}
