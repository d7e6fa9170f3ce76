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

describe('appendTasks', () => {
  test('numbers imported tasks after the existing ones', () => {
    const list = [];
    tasks.addTask(list, 'a', { now: NOW });
    const added = tasks.appendTasks(
      list,
      [
        { text: 'b', tags: ['x'], priority: null, due: null, done: false, created: null, completed: null },
        { text: 'c', tags: [], priority: 'low', due: null, done: true, created: '2025-01-01T00:00:00.000Z', completed: null },
      ],
      { now: NOW },
    );
    assert.deepEqual(added.map((t) => t.id), [2, 3]);
    assert.equal(list.length, 3);
    assert.equal(added[0].created, NOW.toISOString());
    assert.equal(added[1].created, '2025-01-01T00:00:00.000Z');
    assert.equal(added[1].completed, NOW.toISOString());
  });
});

describe('editTask', () => {
  test('replaces the text and markers, keeping id and dates', () => {
    const list = [];
    tasks.addTask(list, 'buy milk @home !high due:2025-04-02', { now: NOW });
    const task = tasks.editTask(list, 1, 'buy oat milk @shop', { today: '2025-04-01' });
    assert.deepEqual(task, {
      id: 1,
      text: 'buy oat milk',
      tags: ['shop'],
      priority: null,
      due: null,
      done: false,
      created: '2025-03-06T09:00:00.000Z',
      completed: null,
    });
  });

  test('reads relative due dates from the given day', () => {
    const list = [];
    tasks.addTask(list, 'a', { now: NOW });
    assert.equal(tasks.editTask(list, 1, 'a due:tomorrow', { today: '2025-04-01' }).due, '2025-04-02');
  });

  test('leaves the task alone when the new text is invalid', () => {
    const list = [];
    tasks.addTask(list, 'a @x', { now: NOW });
    assert.throws(() => tasks.editTask(list, 1, '@y'), errors.ParseError);
    assert.equal(list[0].text, 'a');
    assert.deepEqual(list[0].tags, ['x']);
  });

  test('reports unknown ids', () => {
    assert.throws(() => tasks.editTask([], 4, 'a'), errors.NotFoundError);
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

describe('searchTasks', () => {
  const list = [];
  tasks.addTask(list, 'Buy milk @home !high', { now: NOW });
  tasks.addTask(list, 'buy stamps @errands', { now: NOW });
  tasks.addTask(list, 'call the bank @errands !high', { now: NOW });
  tasks.addTask(list, 'buy a new kettle @home', { now: NOW });
  tasks.completeTask(list, 4, { now: NOW });

  test('finds tasks containing every word, ignoring case', () => {
    assert.deepEqual(tasks.searchTasks(list, 'buy').map((t) => t.id), [1, 2]);
    assert.deepEqual(tasks.searchTasks(list, 'MILK buy').map((t) => t.id), [1]);
    assert.deepEqual(tasks.searchTasks(list, 'buy bank'), []);
  });

  test('matches parts of words', () => {
    assert.deepEqual(tasks.searchTasks(list, 'stamp').map((t) => t.id), [2]);
  });

  test('includes done tasks only with all', () => {
    assert.deepEqual(tasks.searchTasks(list, 'kettle'), []);
    assert.deepEqual(tasks.searchTasks(list, 'kettle', { all: true }).map((t) => t.id), [4]);
  });

  test('filters by tag and priority', () => {
    assert.deepEqual(tasks.searchTasks(list, '', { tag: 'errands' }).map((t) => t.id), [2, 3]);
    assert.deepEqual(tasks.searchTasks(list, '', { tag: '@Home' }).map((t) => t.id), [1]);
    assert.deepEqual(tasks.searchTasks(list, '', { priority: 'high' }).map((t) => t.id), [1, 3]);
    assert.deepEqual(tasks.searchTasks(list, 'buy', { tag: 'errands' }).map((t) => t.id), [2]);
  });
});

describe('countTags', () => {
  const list = [];
  tasks.addTask(list, 'a @home @errands', { now: NOW });
  tasks.addTask(list, 'b @errands', { now: NOW });
  tasks.addTask(list, 'c @work', { now: NOW });
  tasks.addTask(list, 'd @work @home', { now: NOW });
  tasks.completeTask(list, 4, { now: NOW });

  test('counts open tasks per tag, most used first', () => {
    assert.deepEqual(tasks.countTags(list), [
      { tag: 'errands', count: 2 },
      { tag: 'home', count: 1 },
      { tag: 'work', count: 1 },
    ]);
  });

  test('counts done tasks with all', () => {
    assert.deepEqual(tasks.countTags(list, { all: true }), [
      { tag: 'errands', count: 2 },
      { tag: 'home', count: 2 },
      { tag: 'work', count: 2 },
    ]);
  });

  test('returns an empty list without tags', () => {
    assert.deepEqual(tasks.countTags([]), []);
  });
});
