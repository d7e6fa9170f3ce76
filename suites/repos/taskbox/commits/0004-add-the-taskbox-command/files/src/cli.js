import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TaskboxError } from './errors.js';
import { formatList } from './format.js';
import { load, save } from './store.js';
import { addTask, completeTask, findTask, removeTask } from './tasks.js';

const HELP = `Usage: taskbox <command> [options]

Commands:
  add <text...>     add a task, e.g. taskbox add buy milk @home !high due:2026-03-01
  list              list open tasks (--all to include done ones)
  done <id...>      mark tasks as done
  remove <id...>    remove tasks
  help              show this help

Options:
  -h, --help        show this help
  -v, --version     print the version

Tasks are kept in $TASKBOX_FILE, or ~/.local/share/taskbox/tasks.json.
`;

/** The command line could not be understood. */
export class UsageError extends TaskboxError {}

export function version() {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return pkg.version;
}

/**
 * Where tasks are kept: $TASKBOX_FILE, else the XDG data folder.
 * @param {NodeJS.ProcessEnv} env
 */
export function tasksFile(env) {
  if (env.TASKBOX_FILE) return resolve(env.TASKBOX_FILE);
  const data = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(data, 'taskbox', 'tasks.json');
}

/** @typedef {{ stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, env: NodeJS.ProcessEnv, file: string, color: boolean }} Context */

/**
 * @typedef {object} Command
 * @property {import('node:util').ParseArgsConfig['options']} options
 * @property {(ctx: Context, values: any, args: string[]) => number | void} run
 */

/** @type {Record<string, Command>} */
const COMMANDS = {
  add: {
    options: {},
    run(ctx, _values, args) {
      if (args.length === 0) throw new UsageError('add needs the text of the task');
      const tasks = load(ctx.file);
      const task = addTask(tasks, args.join(' '));
      save(ctx.file, tasks);
      ctx.stdout.write(`Added task ${task.id}: ${task.text}\n`);
    },
  },
  list: {
    options: { all: { type: 'boolean', short: 'a' } },
    run(ctx, values, args) {
      if (args.length > 0) throw new UsageError(`list takes no arguments, got "${args[0]}"`);
      const tasks = load(ctx.file).filter((task) => values.all || !task.done);
      if (tasks.length === 0) ctx.stdout.write('No tasks.\n');
      else ctx.stdout.write(formatList(tasks, { color: ctx.color }));
    },
  },
  done: {
    options: {},
    run(ctx, _values, args) {
      if (args.length === 0) throw new UsageError('done needs the id of a task');
      const tasks = load(ctx.file);
      const done = args.map((id) => completeTask(tasks, id));
      save(ctx.file, tasks);
      for (const task of done) ctx.stdout.write(`Completed task ${task.id}: ${task.text}\n`);
    },
  },
  remove: {
    options: {},
    run(ctx, _values, args) {
      if (args.length === 0) throw new UsageError('remove needs the id of a task');
      const tasks = load(ctx.file);
      for (const id of args) findTask(tasks, id);
      const removed = args.map((id) => removeTask(tasks, id));
      save(ctx.file, tasks);
      for (const task of removed) ctx.stdout.write(`Removed task ${task.id}: ${task.text}\n`);
    },
  },
};

/** @type {Record<string, string>} */
const ALIASES = { ls: 'list', rm: 'remove', complete: 'done' };

/**
 * Runs taskbox with the given arguments and returns the exit status.
 * @param {string[]} argv
 * @param {{ stdout?: NodeJS.WritableStream, stderr?: NodeJS.WritableStream, env?: NodeJS.ProcessEnv }} [io]
 */
export async function main(argv, io = {}) {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  try {
    const [first, ...rest] = argv;
    if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
      stdout.write(HELP);
      return 0;
    }
    if (first === '--version' || first === '-v') {
      stdout.write(`${version()}\n`);
      return 0;
    }
    const name = ALIASES[first] ?? first;
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command) throw new UsageError(`unknown command "${first}"`);
    const { values, positionals } = parseCommandLine(rest, command.options);
    if (values.help) {
      stdout.write(HELP);
      return 0;
    }
    /** @type {Context} */
    const ctx = { stdout, stderr, env, file: tasksFile(env), color: !env.NO_COLOR };
    return command.run(ctx, values, positionals) ?? 0;
  } catch (err) {
    return report(/** @type {Error} */ (err), stderr, env);
  }
}

/**
 * @param {string[]} args
 * @param {import('node:util').ParseArgsConfig['options']} options
 */
function parseCommandLine(args, options) {
  try {
    return parseArgs({
      args,
      options: { help: { type: 'boolean', short: 'h' }, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    // Node's messages go on to explain `--`; the first sentence is enough here.
    throw new UsageError(/** @type {Error} */ (err).message.split('. ')[0].replace(/^U/, 'u'));
  }
}

/**
 * @param {Error} err
 * @param {NodeJS.WritableStream} stderr
 * @param {NodeJS.ProcessEnv} env
 */
function report(err, stderr, env) {
  if (err instanceof UsageError) {
    stderr.write(`taskbox: ${err.message}\nRun "taskbox help" for usage.\n`);
    return 2;
  }
  if (err instanceof TaskboxError) {
    stderr.write(`taskbox: ${err.message}\n`);
    return 1;
  }
  if (env.TASKBOX_DEBUG) stderr.write(`${err.stack}\n`);
  else stderr.write(`taskbox: ${err.message}\n(set TASKBOX_DEBUG=1 to see where it happened)\n`);
  return 1;
}
