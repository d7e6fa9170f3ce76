import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as config from '../src/config.js';

describe('config', () => {
  /** @type {string} */
  let dir;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'taskbox-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * @param {string} text
   * @param {string} [name]
   */
  function write(text, name = 'config.yaml') {
    const folder = join(dir, '.config', 'taskbox');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, name), text);
    return join(folder, name);
  }

  test('looks in the XDG config folder', () => {
    assert.equal(config.configPath({ HOME: dir }), join(dir, '.config', 'taskbox', 'config.yaml'));
    assert.equal(config.configPath({ HOME: dir, XDG_CONFIG_HOME: '/etc/xdg' }), '/etc/xdg/taskbox/config.yaml');
    assert.equal(config.configPath({ HOME: dir, TASKBOX_CONFIG: '/tmp/tb.json' }), '/tmp/tb.json');
  });

  test('falls back to config.yml and config.json', () => {
    const json = write('{}', 'config.json');
    assert.equal(config.configPath({ HOME: dir }), json);
    const yml = write('', 'config.yml');
    assert.equal(config.configPath({ HOME: dir }), yml);
    const yaml = write('', 'config.yaml');
    assert.equal(config.configPath({ HOME: dir }), yaml);
  });

  test('uses the defaults without a file', () => {
    assert.deepEqual(config.loadConfig({ env: { HOME: dir } }), { ...config.DEFAULTS, path: null });
  });

  test('reads the settings', () => {
    const path = write('# my settings\nfile: tasks.json\ncolor: never\ndefaultPriority: medium\n');
    assert.deepEqual(config.loadConfig({ env: { HOME: dir } }), {
      file: 'tasks.json',
      color: 'never',
      defaultPriority: 'medium',
      path,
    });
  });

  test('reads JSON files written for taskbox 0.1', () => {
    const path = write('{ "file": "tasks.json", "color": "always" }', 'config.json');
    assert.deepEqual(config.loadConfig({ env: { HOME: dir } }), { ...config.DEFAULTS, file: 'tasks.json', color: 'always', path });
  });

  test('treats an empty file as no settings', () => {
    const path = write('# nothing here yet\n');
    assert.deepEqual(config.loadConfig({ env: { HOME: dir } }), { ...config.DEFAULTS, path });
  });

  test('accepts true and false for color', () => {
    write('color: false\n');
    assert.equal(config.loadConfig({ env: { HOME: dir } }).color, 'never');
  });

  test('rejects unknown settings and invalid values', () => {
    write('colour: never\n');
    assert.throws(() => config.loadConfig({ env: { HOME: dir } }), { name: 'ConfigError', message: /unknown setting "colour"/ });
    write('defaultPriority: urgent\n');
    assert.throws(() => config.loadConfig({ env: { HOME: dir } }), /defaultPriority must be/);
    write('- file: tasks.json\n');
    assert.throws(() => config.loadConfig({ env: { HOME: dir } }), /expected an object/);
  });

  test('names the file in syntax errors', () => {
    const path = write('color: [never\n');
    assert.throws(() => config.loadConfig({ env: { HOME: dir } }), (err) => err.message.startsWith(`${path}: `));
  });
});

describe('tasksFile', () => {
  const env = { HOME: '/home/sam' };

  test('prefers the flag, then TASKBOX_FILE', () => {
    assert.equal(config.tasksFile({ flag: 'a.json', env: { ...env, TASKBOX_FILE: '/b.json' } }), resolve('a.json'));
    assert.equal(config.tasksFile({ env: { ...env, TASKBOX_FILE: '/b.json' } }), '/b.json');
  });

  test('reads the file setting relative to the configuration file', () => {
    const settings = { ...config.DEFAULTS, file: 'lists/tasks.json', path: '/home/sam/.config/taskbox/config.json' };
    assert.equal(config.tasksFile({ env, config: settings }), '/home/sam/.config/taskbox/lists/tasks.json');
  });

  test('expands ~ in the file setting', () => {
    const settings = { ...config.DEFAULTS, file: '~/Dropbox/tasks.json', path: '/etc/taskbox.json' };
    assert.equal(config.tasksFile({ env, config: settings }), '/home/sam/Dropbox/tasks.json');
  });

  test('defaults to the XDG data folder', () => {
    assert.equal(config.tasksFile({ env }), '/home/sam/.local/share/taskbox/tasks.json');
    assert.equal(config.tasksFile({ env: { ...env, XDG_DATA_HOME: '/data' } }), '/data/taskbox/tasks.json');
  });
});
