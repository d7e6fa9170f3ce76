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
//     done: 'notify-send "Done: {text}"'
//
// config.yml and the config.json of taskbox 0.1 are read too: JSON is valid
// YAML, so the same parser reads all three.
//
// A project can have settings of its own: the first .taskbox.yaml (or
// .taskbox.yml) found in the current folder or one of its parents is read
// after the user's file, and the settings it sets win. Its `file` setting is
// relative to the folder that holds it, so a project can keep its tasks next
// to its code.

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
 * @property {string | null} path the user configuration file the settings were read from
 * @property {string | null} project the project configuration file (.taskbox.yaml), if any
 */

export const DEFAULTS = Object.freeze({ file: null, color: 'auto', defaultPriority: null, hooks: Object.freeze({}) });

const COLOR_VALUES = ['auto', 'always', 'never'];

/** @param {NodeJS.ProcessEnv} env */
function home(env) {
  return env.HOME || homedir();
}

/** Names looked for in the configuration folder, in this order. */
export const CONFIG_NAMES = Object.freeze(['config.yaml', 'config.yml', 'config.json']);

/** Names of project configuration files, in this order. */
export const PROJECT_CONFIG_NAMES = Object.freeze(['.taskbox.yaml', '.taskbox.yml']);

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
 * The project configuration file that applies in `cwd`: the first of
 * PROJECT_CONFIG_NAMES in `cwd` or the closest parent folder that has one.
 * The search stops at the home folder and at the root of the file system.
 * @param {string} cwd
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {string | null}
 */
export function findProjectConfig(cwd, env = process.env) {
  const stop = resolve(home(env));
  let folder = resolve(cwd);
  for (;;) {
    const found = PROJECT_CONFIG_NAMES.map((name) => join(folder, name)).find((path) => existsSync(path));
    if (found) return found;
    const parent = dirname(folder);
    if (folder === stop || parent === folder) return null;
    folder = parent;
  }
}

/**
 * Reads and parses one configuration file; null when it does not exist.
 * @param {string} path
 * @returns {unknown}
 */
function readSettings(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') return null;
    throw err;
  }
  try {
    // An empty file (or one with only comments) sets nothing.
    return YAML.parse(text) ?? {};
  } catch (err) {
    throw new ConfigError(/** @type {Error} */ (err).message, path);
  }
}

/**
 * Reads the user's configuration file, then the project configuration file
 * that applies in `cwd`; the settings the project file sets win. Without
 * either, every setting has its default.
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string }} [options]
 * @returns {Config}
 */
export function loadConfig({ env = process.env, cwd = process.cwd() } = {}) {
  const path = configPath(env);
  const user = readSettings(path);
  /** @type {Config} */
  const config =
    user === null ? { ...DEFAULTS, path: null, project: null } : { ...validate(user, path), path, project: null };
  const project = findProjectConfig(cwd, env);
  const data = project === null ? null : readSettings(project);
  if (project !== null && data !== null) {
    const settings = validate(data, project);
    for (const key of Object.keys(/** @type {object} */ (data))) {
      // @ts-ignore validate() accepted the key
      config[key] = settings[key];
    }
    if (settings.file !== null) config.file = resolve(dirname(project), expandHome(settings.file, env));
    config.project = project;
  }
  return config;
}

/**
 * @param {string} file
 * @param {NodeJS.ProcessEnv} env
 */
function expandHome(file, env) {
  return file.replace(/^~(?=$|\/)/, home(env));
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
 * setting (relative to the configuration file that set it, ~ for the home
 * folder), else
 * $XDG_DATA_HOME/taskbox/tasks.json or ~/.local/share/taskbox/tasks.json.
 * @param {{ flag?: string, env?: NodeJS.ProcessEnv, config?: Config }} [options]
 */
export function tasksFile({ flag, env = process.env, config = { ...DEFAULTS, path: null, project: null } } = {}) {
  if (flag) return resolve(flag);
  if (env.TASKBOX_FILE) return resolve(env.TASKBOX_FILE);
  if (config.file) {
    const file = expandHome(config.file, env);
    return config.path ? resolve(dirname(config.path), file) : resolve(file);
  }
  const data = env.XDG_DATA_HOME || join(home(env), '.local', 'share');
  return join(data, 'taskbox', 'tasks.json');
}
