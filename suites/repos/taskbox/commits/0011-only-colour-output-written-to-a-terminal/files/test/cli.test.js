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
    writeFileSync(join(dir, '.config', 'taskbox', 'config.json'), '{ "defaultPriority": "low" }');
    run('add', 'a');
    assert.equal(run('list').stdout, '  1 [ ] a !low\n');
  });

  test('reports invalid configuration files', () => {
    mkdirSync(join(dir, '.config', 'taskbox'), { recursive: true });
    writeFileSync(join(dir, '.config', 'taskbox', 'config.json'), '{ "colour": "never" }');
    const { status, stderr } = run('list');
    assert.equal(status, 1);
    assert.match(stderr, /config\.json: unknown setting "colour"/);
  });

  test('does not colour output written to a pipe', () => {
    run('add', 'buy milk @home !high');
    assert.equal(runWith({ NO_COLOR: undefined }, 'list').stdout, '  1 [ ] buy milk @home !high\n');
  });

  test('colours output when the configuration says always', () => {
    mkdirSync(join(dir, '.config', 'taskbox'), { recursive: true });
    writeFileSync(join(dir, '.config', 'taskbox', 'config.json'), '{ "color": "always" }');
    run('add', 'buy milk @home');
    assert.match(runWith({ NO_COLOR: undefined }, 'list').stdout, /\x1b\[36m@home\x1b\[0m/);
  });

  test('exits with status 2 on usage errors', () => {
    assert.equal(run('frobnicate').status, 2);
    assert.equal(run('add').status, 2);
    const { status, stderr } = run('list', '--colour');
    assert.equal(status, 2);
    assert.match(stderr, /unknown option '--colour'/);
  });
});
