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
    assert.deepEqual(config.loadConfig({ env: { HOME: dir }, cwd: dir }), { ...config.DEFAULTS, path: null, project: null });
  });

  test('reads the settings', () => {
    const path = write('# my settings\nfile: tasks.json\ncolor: never\ndefaultPriority: medium\n');
    assert.deepEqual(config.loadConfig({ env: { HOME: dir }, cwd: dir }), {
      file: 'tasks.json',
      color: 'never',
      defaultPriority: 'medium',
      hooks: {},
      path,
      project: null,
    });
  });

  test('reads JSON files written for taskbox 0.1', () => {
    const path = write('{ "file": "tasks.json", "color": "always" }', 'config.json');
    assert.deepEqual(config.loadConfig({ env: { HOME: dir }, cwd: dir }), {
      ...config.DEFAULTS,
      file: 'tasks.json',
      color: 'always',
      path,
      project: null,
    });
  });

  test('treats an empty file as no settings', () => {
    const path = write('# nothing here yet\n');
    assert.deepEqual(config.loadConfig({ env: { HOME: dir }, cwd: dir }), { ...config.DEFAULTS, path, project: null });
  });

  test('accepts true and false for color', () => {
    write('color: false\n');
    assert.equal(config.loadConfig({ env: { HOME: dir }, cwd: dir }).color, 'never');
  });

  test('reads hooks', () => {
    write('hooks:\n  done: echo "{text}" >> ~/done.log\n  add: notify-send added\n');
    assert.deepEqual(config.loadConfig({ env: { HOME: dir }, cwd: dir }).hooks, {
      done: 'echo "{text}" >> ~/done.log',
      add: 'notify-send added',
    });
  });

  test('rejects unknown hooks', () => {
    write('hooks:\n  complete: echo done\n');
    assert.throws(() => config.loadConfig({ env: { HOME: dir }, cwd: dir }), /unknown hook "complete"/);
    write('hooks:\n  - echo done\n');
    assert.throws(() => config.loadConfig({ env: { HOME: dir }, cwd: dir }), /hooks must map events/);
  });

  test('rejects unknown settings and invalid values', () => {
    write('colour: never\n');
    assert.throws(() => config.loadConfig({ env: { HOME: dir }, cwd: dir }), { name: 'ConfigError', message: /unknown setting "colour"/ });
    write('defaultPriority: urgent\n');
    assert.throws(() => config.loadConfig({ env: { HOME: dir }, cwd: dir }), /defaultPriority must be/);
    write('- file: tasks.json\n');
    assert.throws(() => config.loadConfig({ env: { HOME: dir }, cwd: dir }), /expected an object/);
  });

  test('names the file in syntax errors', () => {
    const path = write('color: [never\n');
    assert.throws(() => config.loadConfig({ env: { HOME: dir }, cwd: dir }), (err) => err.message.startsWith(`${path}: `));
  });
});

describe('project configuration', () => {
  /** @type {string} */
  let dir;
  /** @type {string} */
  let home;
  /** @type {string} */
  let project;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'taskbox-project-'));
    home = join(dir, 'home');
    project = join(home, 'code', 'website');
    mkdirSync(join(project, 'src', 'pages'), { recursive: true });
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * @param {string} folder
   * @param {string} text
   * @param {string} [name]
   */
  function write(folder, text, name = '.taskbox.yaml') {
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, name), text);
    return join(folder, name);
  }

  test('finds .taskbox.yaml in the folder or a parent', () => {
    const path = write(project, 'file: tasks.json\n');
    assert.equal(config.findProjectConfig(project, { HOME: home }), path);
    assert.equal(config.findProjectConfig(join(project, 'src', 'pages'), { HOME: home }), path);
  });

  test('accepts .taskbox.yml and prefers the closest folder', () => {
    write(project, 'file: tasks.json\n');
    const inner = write(join(project, 'src'), 'color: never\n', '.taskbox.yml');
    assert.equal(config.findProjectConfig(join(project, 'src', 'pages'), { HOME: home }), inner);
  });

  test('does not look above the home folder', () => {
    write(dir, 'file: tasks.json\n');
    assert.equal(config.findProjectConfig(project, { HOME: home }), null);
  });

  test('returns null without a project file', () => {
    assert.equal(config.findProjectConfig(project, { HOME: home }), null);
  });

  test('project settings win over the user settings', () => {
    const user = write(join(home, '.config', 'taskbox'), 'color: never\ndefaultPriority: low\n', 'config.yaml');
    const path = write(project, 'defaultPriority: high\n');
    assert.deepEqual(config.loadConfig({ env: { HOME: home }, cwd: join(project, 'src') }), {
      ...config.DEFAULTS,
      color: 'never',
      defaultPriority: 'high',
      path: user,
      project: path,
    });
  });

  test('reads the file setting relative to the project folder', () => {
    write(project, 'file: .tasks/website.json\n');
    const settings = config.loadConfig({ env: { HOME: home }, cwd: join(project, 'src', 'pages') });
    assert.equal(settings.file, join(project, '.tasks', 'website.json'));
    assert.equal(config.tasksFile({ env: { HOME: home }, config: settings }), join(project, '.tasks', 'website.json'));
  });

  test('still lets --file and TASKBOX_FILE win', () => {
    write(project, 'file: tasks.json\n');
    const settings = config.loadConfig({ env: { HOME: home }, cwd: project });
    assert.equal(config.tasksFile({ env: { HOME: home, TASKBOX_FILE: '/tmp/t.json' }, config: settings }), '/tmp/t.json');
    assert.equal(config.tasksFile({ flag: '/tmp/f.json', env: { HOME: home }, config: settings }), '/tmp/f.json');
  });

  test('an empty project file sets nothing', () => {
    const path = write(project, '# tasks live in the default place\n');
    assert.deepEqual(config.loadConfig({ env: { HOME: home }, cwd: project }), {
      ...config.DEFAULTS,
      path: null,
      project: path,
    });
  });

  test('names the project file in errors', () => {
    const path = write(project, 'colour: never\n');
    assert.throws(() => config.loadConfig({ env: { HOME: home }, cwd: project }), (err) =>
      err.message.startsWith(`${path}: unknown setting "colour"`),
    );
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
