import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tasks from '../src/tasks.js';
import * as errors from '../src/errors.js';

const NOW = new Date('2025-03-06T09:00:00Z');

describe('addTask', () => {
  test('parses the text and appends the task', () => {
    const list = [];
    const task = tasks.addTask(list, 'buy milk @home !high', { now: NOW });
    assert.deepEqual(list, [task]);
    assert.deepEqual(task, {
      id: 1,
      text: 'buy milk',
      tags: ['home'],
      priority: 'high',
      due: null,
      done: false,
      created: '2025-03-06T09:00:00.000Z',
      completed: null,
    });
  });

  test('numbers tasks after the largest id in use', () => {
    const list = [{ id: 4 }, { id: 2 }];
    assert.equal(tasks.addTask(list, 'x', { now: NOW }).id, 5);
  });

  test('gives tasks without a priority the default one', () => {
    const list = [];
    assert.equal(tasks.addTask(list, 'a', { now: NOW, defaultPriority: 'low' }).priority, 'low');
    assert.equal(tasks.addTask(list, 'b !high', { now: NOW, defaultPriority: 'low' }).priority, 'high');
  });

  test('leaves the list alone when the text is invalid', () => {
    const list = [];
    assert.throws(() => tasks.addTask(list, '!high'), errors.ParseError);
    assert.deepEqual(list, []);
  });
});

describe('findTask', () => {
  const list = [{ id: 1 }, { id: 3 }];

  test('accepts numbers and strings of digits', () => {
    assert.equal(tasks.findTask(list, 3), list[1]);
    assert.equal(tasks.findTask(list, '1'), list[0]);
  });

  test('reports unknown ids', () => {
    assert.throws(() => tasks.findTask(list, 2), errors.NotFoundError);
  });

  test('rejects things that are not ids', () => {
    assert.throws(() => tasks.findTask(list, 'one'), /is not a task id/);
    assert.throws(() => tasks.findTask(list, '1.5'), /is not a task id/);
  });
});

describe('completeTask', () => {
  test('marks the task done with the date', () => {
    const list = [];
    tasks.addTask(list, 'x', { now: NOW });
    const task = tasks.completeTask(list, 1, { now: new Date('2025-03-07T10:00:00Z') });
    assert.equal(task.done, true);
    assert.equal(task.completed, '2025-03-07T10:00:00.000Z');
  });

  test('keeps the first completion date', () => {
    const list = [];
    tasks.addTask(list, 'x', { now: NOW });
    tasks.completeTask(list, 1, { now: new Date('2025-03-07T10:00:00Z') });
    tasks.completeTask(list, 1, { now: new Date('2025-03-09T10:00:00Z') });
    assert.equal(list[0].completed, '2025-03-07T10:00:00.000Z');
  });
});

describe('removeTask', () => {
  test('removes and returns the task', () => {
    const list = [];
    tasks.addTask(list, 'a', { now: NOW });
    tasks.addTask(list, 'b', { now: NOW });
    const removed = tasks.removeTask(list, 1);
    assert.equal(removed.text, 'a');
    assert.deepEqual(list.map((t) => t.id), [2]);
  });

  test('reports unknown ids', () => {
    assert.throws(() => tasks.removeTask([], 1), /no task with id 1/);
  });
});
