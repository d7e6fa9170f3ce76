import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as store from '../src/store.js';

describe('store', () => {
  /** @type {string} */
  let dir;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'taskbox-store-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('a missing file holds no tasks', () => {
    assert.deepEqual(store.loadTasks(join(dir, 'tasks.json')), []);
  });

  test('saves and loads tasks', () => {
    const file = join(dir, 'tasks.json');
    const tasks = [{ id: 1, text: 'buy milk', tags: ['home'], priority: null, due: null, done: false }];
    store.saveTasks(file, tasks);
    assert.deepEqual(store.loadTasks(file), tasks);
  });

  test('writes a versioned, readable file', () => {
    const file = join(dir, 'tasks.json');
    store.saveTasks(file, []);
    assert.equal(readFileSync(file, 'utf8'), '{\n  "version": 1,\n  "tasks": []\n}\n');
  });

  test('creates missing folders', () => {
    const file = join(dir, 'a', 'b', 'tasks.json');
    store.saveTasks(file, []);
    assert.deepEqual(store.loadTasks(file), []);
  });

  test('replaces the file instead of rewriting it in place', () => {
    // Rewriting in place truncates the file first: a crash before the write
    // finished left an empty tasks.json (#17).
    const file = join(dir, 'tasks.json');
    store.saveTasks(file, [{ id: 1, text: 'a' }]);
    const before = statSync(file).ino;
    store.saveTasks(file, [{ id: 1, text: 'a' }, { id: 2, text: 'b' }]);
    assert.notEqual(statSync(file).ino, before);
    assert.equal(store.loadTasks(file).length, 2);
  });

  test('leaves no temporary files behind', () => {
    const file = join(dir, 'tasks.json');
    store.saveTasks(file, []);
    store.saveTasks(file, [{ id: 1, text: 'a' }]);
    assert.deepEqual(readdirSync(dir), ['tasks.json']);
  });

  test('keeps the old file when the new contents cannot be written', () => {
    const file = join(dir, 'tasks.json');
    store.saveTasks(file, [{ id: 1, text: 'a' }]);
    assert.throws(() => store.saveTasks(file, [{ id: 2, text: 'b', size: 10n }]), TypeError);
    assert.deepEqual(store.loadTasks(file), [{ id: 1, text: 'a' }]);
    assert.deepEqual(readdirSync(dir), ['tasks.json']);
  });

  test('rejects files that are not JSON', () => {
    const file = join(dir, 'tasks.json');
    writeFileSync(file, 'buy milk\n');
    assert.throws(() => store.loadTasks(file), store.StoreError);
  });

  test('rejects JSON files without a task list', () => {
    const file = join(dir, 'tasks.json');
    writeFileSync(file, '{"todo": []}');
    assert.throws(() => store.loadTasks(file), /is not a taskbox file/);
  });

  test('rejects files written by a newer version', () => {
    const file = join(dir, 'tasks.json');
    writeFileSync(file, '{"version": 2, "tasks": []}');
    assert.throws(() => store.loadTasks(file), /newer taskbox/);
  });
});
