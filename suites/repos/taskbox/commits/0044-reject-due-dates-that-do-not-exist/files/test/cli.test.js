import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/taskbox.js', import.meta.url));

describe('cli', () => {
  /** @type {string} */
  let dir;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'taskbox-cli-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * @param {Record<string, string>} extraEnv
   * @param {string[]} args
   */
  function runWith(extraEnv, ...args) {
    const env = { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1', TASKBOX_FILE: join(dir, 'tasks.json'), TASKBOX_TODAY: '2025-03-12', ...extraEnv };
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
    const { status, stdout, stderr } = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env });
    return { status, stdout, stderr };
  }

  /** @param {string[]} args */
  function run(...args) {
    return runWith({}, ...args);
  }

  test('prints help without arguments', () => {
    const { status, stdout } = run();
    assert.equal(status, 0);
    assert.match(stdout, /^Usage: taskbox <command>/);
  });

  test('prints the version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    assert.deepEqual(run('--version'), { status: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  test('adds and lists tasks', () => {
    assert.deepEqual(run('add', 'buy', 'milk', '@home', '!high'), { status: 0, stdout: 'Added task 1: buy milk\n', stderr: '' });
    run('add', 'call the bank');
    assert.equal(run('list').stdout, '  1 [ ] buy milk @home !high\n  2 [ ] call the bank\n');
  });

  test('shows due dates relative to today', () => {
    run('add', 'pay rent due:tomorrow');
    run('add', 'renew passport due:2025-06-30');
    assert.equal(run('list').stdout, '  1 [ ] pay rent (due tomorrow)\n  2 [ ] renew passport (due 2025-06-30)\n');
  });

  test('sorts the list with --sort', () => {
    run('add', 'water the plants !low');
    run('add', 'renew passport due:2025-06-30');
    run('add', 'pay rent !high due:tomorrow');
    assert.equal(
      run('list', '--sort', 'due').stdout,
      '  3 [ ] pay rent !high (due tomorrow)\n  2 [ ] renew passport (due 2025-06-30)\n  1 [ ] water the plants !low\n',
    );
    assert.deepEqual(JSON.parse(run('list', '-s', 'priority', '--json').stdout).map((t) => t.id), [3, 1, 2]);
    assert.deepEqual(JSON.parse(run('list', '--json').stdout).map((t) => t.id), [1, 2, 3]);
    assert.equal(run('list', '--sort', 'text').status, 2);
  });

  test('says so when there are no tasks', () => {
    assert.equal(run('list').stdout, 'No tasks.\n');
  });

  test('hides done tasks unless --all is given', () => {
    run('add', 'a');
    run('add', 'b');
    assert.equal(run('done', '1').stdout, 'Completed task 1: a\n');
    assert.equal(run('list').stdout, '  2 [ ] b\n');
    assert.equal(run('list', '--all').stdout, '  1 [x] a\n  2 [ ] b\n');
  });

  test('edits tasks', () => {
    run('add', 'buy milk @home');
    assert.equal(run('edit', '1', 'buy', 'oat', 'milk', '!low').stdout, 'Edited task 1: buy oat milk\n');
    assert.equal(run('list').stdout, '  1 [ ] buy oat milk !low\n');
    assert.equal(run('edit', '1').status, 2);
  });

  test('searches tasks', () => {
    run('add', 'buy milk @home');
    run('add', 'buy stamps @errands');
    run('add', 'call the bank @errands !high');
    assert.equal(run('search', 'buy').stdout, '  1 [ ] buy milk @home\n  2 [ ] buy stamps @errands\n');
    assert.equal(run('search', '--tag', 'errands', 'buy').stdout, '  2 [ ] buy stamps @errands\n');
    assert.equal(run('find', '-p', 'high').stdout, '  3 [ ] call the bank @errands !high\n');
    assert.equal(run('search', 'kettle').stdout, 'No matching tasks.\n');
  });

  test('rejects searches without criteria or with a bad priority', () => {
    assert.equal(run('search').status, 2);
    const { status, stderr } = run('search', '--priority', 'urgent');
    assert.equal(status, 2);
    assert.match(stderr, /--priority must be high, medium or low/);
  });

  test('prints JSON with --json', () => {
    const added = JSON.parse(run('add', '--json', 'buy milk @home due:tomorrow').stdout);
    assert.equal(added.id, 1);
    assert.equal(added.due, '2025-03-13');
    run('add', 'call the bank');
    run('done', '2');
    const listed = JSON.parse(run('list', '--json').stdout);
    assert.deepEqual(listed, [added]);
    assert.deepEqual(JSON.parse(run('list', '--json', '--all').stdout).map((t) => t.id), [1, 2]);
    assert.deepEqual(JSON.parse(run('search', 'milk', '--json').stdout), [added]);
  });

  test('prints an empty JSON list when nothing matches', () => {
    assert.equal(run('list', '--json').stdout, '[]\n');
    assert.equal(run('search', 'x', '--json').stdout, '[]\n');
  });

  test('exports tasks', () => {
    run('add', 'buy milk @home');
    run('add', 'call the bank');
    run('done', '2');
    assert.equal(run('export', '--format', 'markdown').stdout, '- [ ] buy milk @home\n- [x] call the bank\n');
    assert.equal(run('export', '--format', 'markdown', '--open').stdout, '- [ ] buy milk @home\n');
    assert.equal(JSON.parse(run('export').stdout).length, 2);
    const out = join(dir, 'out.csv');
    assert.equal(run('export', '-o', out).stdout, '');
    assert.match(readFileSync(out, 'utf8'), /^id,text,tags/);
  });

  test('imports tasks after the existing ones', () => {
    const csv = join(dir, 'in.csv');
    writeFileSync(csv, 'text,tags,due\nfile taxes,admin,2026-04-01\ncall mum,,\n');
    run('add', 'buy milk');
    assert.deepEqual(run('import', csv), { status: 0, stdout: 'Imported 2 tasks from in.csv\n', stderr: '' });
    assert.equal(run('list').stdout, '  1 [ ] buy milk\n  2 [ ] file taxes @admin (due 2026-04-01)\n  3 [ ] call mum\n');
  });

  test('reports files it cannot import', () => {
    const txt = join(dir, 'tasks.txt');
    writeFileSync(txt, 'buy milk\n');
    assert.equal(run('import', txt).status, 2);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'text,priority\na,urgent\n');
    assert.deepEqual(run('import', bad), { status: 1, stdout: '', stderr: 'taskbox: bad.csv: row 2: unknown priority "urgent"\n' });
  });

  test('lists tags with their counts', () => {
    assert.equal(run('tags').stdout, 'No tags.\n');
    run('add', 'a @home @errands');
    run('add', 'b @errands');
    assert.equal(run('tags').stdout, '  2 @errands\n  1 @home\n');
    assert.deepEqual(JSON.parse(run('tags', '--json').stdout), [
      { tag: 'errands', count: 2 },
      { tag: 'home', count: 1 },
    ]);
  });

  test('removes tasks', () => {
    run('add', 'a');
    run('add', 'b');
    assert.equal(run('rm', '2', '1').stdout, 'Removed task 2: b\nRemoved task 1: a\n');
    assert.equal(run('ls').stdout, 'No tasks.\n');
  });

  test('changes nothing when one of several ids is unknown', () => {
    run('add', 'a');
    assert.deepEqual(run('done', '1', '7'), { status: 1, stdout: '', stderr: 'taskbox: no task with id 7\n' });
    assert.equal(run('list').stdout, '  1 [ ] a\n');
  });

  test('reports invalid task text', () => {
    const { status, stderr } = run('add', 'x', '!urgent');
    assert.equal(status, 1);
    assert.match(stderr, /^taskbox: unknown priority "!urgent"/);
  });

  test('keeps tasks in the file given with --file', () => {
    const other = join(dir, 'other.json');
    run('add', '--file', other, 'a');
    assert.equal(run('list').stdout, 'No tasks.\n');
    assert.equal(run('list', '-f', other).stdout, '  1 [ ] a\n');
  });

  test('reads the configuration file', () => {
    mkdirSync(join(dir, '.config', 'taskbox'), { recursive: true });
    writeFileSync(join(dir, '.config', 'taskbox', 'config.yaml'), 'defaultPriority: low\n');
    run('add', 'a');
    assert.equal(run('list').stdout, '  1 [ ] a !low\n');
  });

  test('reports invalid configuration files', () => {
    mkdirSync(join(dir, '.config', 'taskbox'), { recursive: true });
    writeFileSync(join(dir, '.config', 'taskbox', 'config.yaml'), 'colour: never\n');
    const { status, stderr } = run('list');
    assert.equal(status, 1);
    assert.match(stderr, /config\.yaml: unknown setting "colour"/);
  });

  test('does not colour output written to a pipe', () => {
    run('add', 'buy milk @home !high');
    assert.equal(runWith({ NO_COLOR: undefined }, 'list').stdout, '  1 [ ] buy milk @home !high\n');
  });

  test('colours output when the configuration says always', () => {
    mkdirSync(join(dir, '.config', 'taskbox'), { recursive: true });
    writeFileSync(join(dir, '.config', 'taskbox', 'config.yaml'), 'color: always\n');
    run('add', 'buy milk @home');
    assert.match(runWith({ NO_COLOR: undefined }, 'list').stdout, /\x1b\[36m@home\x1b\[0m/);
  });

  test('runs hooks after changing tasks', () => {
    const log = join(dir, 'hooks.log');
    mkdirSync(join(dir, '.config', 'taskbox'), { recursive: true });
    writeFileSync(
      join(dir, '.config', 'taskbox', 'config.yaml'),
      `hooks:\n  add: echo "added {id}" >> ${log}\n  done: echo "done {id} {text}" >> ${log}\n`,
    );
    run('add', 'buy milk');
    run('done', '1');
    assert.equal(readFileSync(log, 'utf8'), 'added 1\ndone 1 buy milk\n');
  });

  test('does not run commands found in the text of a task', () => {
    const log = join(dir, 'hooks.log');
    mkdirSync(join(dir, '.config', 'taskbox'), { recursive: true });
    writeFileSync(join(dir, '.config', 'taskbox', 'config.yaml'), `hooks:\n  done: 'echo "Done: {text}" >> ${log}'\n`);
    run('add', 'ask $(echo INJECTED) about the keys');
    run('done', '1');
    assert.equal(readFileSync(log, 'utf8'), 'Done: ask $(echo INJECTED) about the keys\n');
  });

  test('rejects due dates that do not exist', () => {
    assert.deepEqual(run('add', 'renew insurance due:2025-13-01'), {
      status: 1,
      stdout: '',
      stderr: 'taskbox: cannot read due date "2025-13-01"\n',
    });
    assert.equal(run('add', 'submit expenses due:2025-09-31').status, 1);
    assert.equal(run('list').stdout, 'No tasks.\n');
  });

  test('exits with status 2 on usage errors', () => {
    assert.equal(run('frobnicate').status, 2);
    assert.equal(run('add').status, 2);
    const { status, stderr } = run('list', '--colour');
    assert.equal(status, 2);
    assert.match(stderr, /unknown option '--colour'/);
  });
});
