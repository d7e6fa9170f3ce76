import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, tasksFile } from './config.js';
import { localDate } from './dates.js';
import { TaskboxError } from './errors.js';
import { runHook } from './hooks.js';
import { EXPORT_FORMATS, exportTasks, formatFromName, IMPORT_FORMATS, ImportError, importTasks } from './export.js';
import { formatList } from './format.js';
import { loadTasks, saveTasks } from './store.js';
import { PRIORITIES } from './parser.js';
import { addTask, appendTasks, completeTask, countTags, editTask, findTask, removeTask, searchTasks } from './tasks.js';

const HELP = `Usage: taskbox <command> [options]

Commands:
  add <text...>     add a task, e.g. taskbox add buy milk @home !high due:friday
  list              list open tasks (--all to include done ones)
  search <words...> list open tasks whose text contains all the words
                    (--tag <name>, --priority <level>, --all)
  tags              list the tags of open tasks with their counts (--all)
  edit <id> <text...>
                    replace the text, tags, priority and due date of a task
  done <id...>      mark tasks as done
  remove <id...>    remove tasks
  export            print all tasks as JSON, CSV or Markdown
                    (--format <format>, --open, --output <file>)
  import <file>     add the tasks in a JSON or CSV file (--format <format>)
  help              show this help

Options:
  -f, --file <path> keep tasks in this file
  --json            print JSON (add, list, search, tags)
  -h, --help        show this help
  -v, --version     print the version

Tasks are kept in --file, $TASKBOX_FILE, the file setting of
~/.config/taskbox/config.yaml or ~/.local/share/taskbox/tasks.json.
`;

/** The command line could not be understood. */
export class UsageError extends TaskboxError {}

export function version() {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return pkg.version;
}

/**
 * Today's date; TASKBOX_TODAY=YYYY-MM-DD pins it (the tests use that).
 * @param {NodeJS.ProcessEnv} env
 */
function today(env) {
  const pinned = env.TASKBOX_TODAY;
  if (pinned === undefined || pinned === '') return localDate();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(pinned)) throw new UsageError(`TASKBOX_TODAY must be a date (YYYY-MM-DD), got "${pinned}"`);
  return pinned;
}

/** @typedef {{ stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, env: NodeJS.ProcessEnv, config: import('./config.js').Config, file: string, color: boolean, today: string }} Context */

/**
 * @typedef {object} Command
 * @property {import('node:util').ParseArgsConfig['options']} options
 * @property {(ctx: Context, values: any, args: string[]) => number | void} run
 */

/**
 * Machine-readable output: tasks exactly as they are stored.
 * @param {Context} ctx
 * @param {unknown} value
 */
function writeJSON(ctx, value) {
  ctx.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/**
 * Runs the hook for `event` from the configuration, if there is one.
 * @param {Context} ctx
 * @param {string} event
 * @param {import('./tasks.js').Task} task
 */
function hook(ctx, event, task) {
  runHook(ctx.config.hooks, event, task, { env: ctx.env, stderr: ctx.stderr });
}

/** @type {Record<string, Command>} */
const COMMANDS = {
  add: {
    options: { json: { type: 'boolean' } },
    run(ctx, values, args) {
      if (args.length === 0) throw new UsageError('add needs the text of the task');
      const tasks = loadTasks(ctx.file);
      const task = addTask(tasks, args.join(' '), { today: ctx.today, defaultPriority: ctx.config.defaultPriority });
      saveTasks(ctx.file, tasks);
      hook(ctx, 'add', task);
      if (values.json) writeJSON(ctx, task);
      else ctx.stdout.write(`Added task ${task.id}: ${task.text}\n`);
    },
  },
  list: {
    options: { all: { type: 'boolean', short: 'a' }, json: { type: 'boolean' } },
    run(ctx, values, args) {
      if (args.length > 0) throw new UsageError(`list takes no arguments, got "${args[0]}"`);
      const tasks = loadTasks(ctx.file).filter((task) => values.all || !task.done);
      if (values.json) writeJSON(ctx, tasks);
      else if (tasks.length === 0) ctx.stdout.write('No tasks.\n');
      else ctx.stdout.write(formatList(tasks, { color: ctx.color, today: ctx.today }));
    },
  },
  search: {
    options: {
      tag: { type: 'string', short: 't' },
      priority: { type: 'string', short: 'p' },
      all: { type: 'boolean', short: 'a' },
      json: { type: 'boolean' },
    },
    run(ctx, values, args) {
      if (values.priority !== undefined && !PRIORITIES.includes(values.priority)) {
        throw new UsageError(`--priority must be high, medium or low, got "${values.priority}"`);
      }
      if (args.length === 0 && values.tag === undefined && values.priority === undefined) {
        throw new UsageError('search needs some words, --tag or --priority');
      }
      const found = searchTasks(loadTasks(ctx.file), args.join(' '), values);
      if (values.json) writeJSON(ctx, found);
      else if (found.length === 0) ctx.stdout.write('No matching tasks.\n');
      else ctx.stdout.write(formatList(found, { color: ctx.color, today: ctx.today }));
    },
  },
  tags: {
    options: { all: { type: 'boolean', short: 'a' }, json: { type: 'boolean' } },
    run(ctx, values, args) {
      if (args.length > 0) throw new UsageError(`tags takes no arguments, got "${args[0]}"`);
      const counts = countTags(loadTasks(ctx.file), { all: values.all });
      if (values.json) writeJSON(ctx, counts);
      else if (counts.length === 0) ctx.stdout.write('No tags.\n');
      else for (const { tag, count } of counts) ctx.stdout.write(`${String(count).padStart(3)} @${tag}\n`);
    },
  },
  edit: {
    options: {},
    run(ctx, _values, args) {
      if (args.length < 2) throw new UsageError('edit needs the id of a task and its new text');
      const [id, ...words] = args;
      const tasks = loadTasks(ctx.file);
      const task = editTask(tasks, id, words.join(' '), { today: ctx.today });
      saveTasks(ctx.file, tasks);
      hook(ctx, 'edit', task);
      ctx.stdout.write(`Edited task ${task.id}: ${task.text}\n`);
    },
  },
  done: {
    options: {},
    run(ctx, _values, args) {
      if (args.length === 0) throw new UsageError('done needs the id of a task');
      const tasks = loadTasks(ctx.file);
      const done = args.map((id) => completeTask(tasks, id));
      saveTasks(ctx.file, tasks);
      for (const task of done) {
        hook(ctx, 'done', task);
        ctx.stdout.write(`Completed task ${task.id}: ${task.text}\n`);
      }
    },
  },
  remove: {
    options: {},
    run(ctx, _values, args) {
      if (args.length === 0) throw new UsageError('remove needs the id of a task');
      const tasks = loadTasks(ctx.file);
      for (const id of args) findTask(tasks, id);
      const removed = args.map((id) => removeTask(tasks, id));
      saveTasks(ctx.file, tasks);
      for (const task of removed) {
        hook(ctx, 'remove', task);
        ctx.stdout.write(`Removed task ${task.id}: ${task.text}\n`);
      }
    },
  },
  export: {
    options: {
      format: { type: 'string' },
      open: { type: 'boolean' },
      output: { type: 'string', short: 'o' },
    },
    run(ctx, values, args) {
      if (args.length > 0) throw new UsageError(`export takes no arguments, got "${args[0]}"`);
      const format = values.format ?? (values.output ? formatFromName(values.output) : null) ?? 'json';
      if (!EXPORT_FORMATS.includes(format)) {
        throw new UsageError(`--format must be ${EXPORT_FORMATS.join(', ')}, got "${format}"`);
      }
      const tasks = loadTasks(ctx.file).filter((task) => !values.open || !task.done);
      const text = exportTasks(tasks, format);
      if (values.output) writeFileSync(values.output, text);
      else ctx.stdout.write(text);
    },
  },
  import: {
    options: { format: { type: 'string' } },
    run(ctx, values, args) {
      if (args.length !== 1) throw new UsageError('import needs one file');
      const [source] = args;
      const format = values.format ?? formatFromName(source);
      if (format === null) {
        throw new UsageError(`cannot tell the format of ${source}; use --format ${IMPORT_FORMATS.join(' or ')}`);
      }
      if (!IMPORT_FORMATS.includes(format)) {
        throw new UsageError(`--format must be ${IMPORT_FORMATS.join(' or ')}, got "${format}"`);
      }
      let records;
      try {
        records = importTasks(readFileSync(source, 'utf8'), format);
      } catch (err) {
        if (err instanceof ImportError) throw new ImportError(`${basename(source)}: ${err.message}`);
        throw err;
      }
      const tasks = loadTasks(ctx.file);
      const added = appendTasks(tasks, records);
      saveTasks(ctx.file, tasks);
      ctx.stdout.write(`Imported ${added.length} ${added.length === 1 ? 'task' : 'tasks'} from ${basename(source)}\n`);
    },
  },
};

/** @type {Record<string, string>} */
const ALIASES = { ls: 'list', rm: 'remove', complete: 'done', find: 'search' };

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
    const config = loadConfig({ env });
    /** @type {Context} */
    const ctx = {
      stdout,
      stderr,
      env,
      config,
      file: tasksFile({ flag: values.file, env, config }),
      color: useColor(config.color, stdout, env),
      today: today(env),
    };
    return command.run(ctx, values, positionals) ?? 0;
  } catch (err) {
    return report(/** @type {Error} */ (err), stderr, env);
  }
}

/**
 * Colours are for people: with `auto` they are used only when writing to a
 * terminal and NO_COLOR is not set (https://no-color.org).
 * @param {'auto' | 'always' | 'never'} setting
 * @param {NodeJS.WritableStream} stdout
 * @param {NodeJS.ProcessEnv} env
 */
function useColor(setting, stdout, env) {
  if (setting !== 'auto') return setting === 'always';
  return !env.NO_COLOR && /** @type {any} */ (stdout).isTTY === true;
}

/**
 * @param {string[]} args
 * @param {import('node:util').ParseArgsConfig['options']} options
 */
function parseCommandLine(args, options) {
  try {
    return parseArgs({
      args,
      options: { help: { type: 'boolean', short: 'h' }, file: { type: 'string', short: 'f' }, ...options },
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
