import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as format from '../src/format.js';

const TASK = {
  id: 3,
  text: 'buy milk',
  tags: ['home', 'errands'],
  priority: 'high',
  due: '2026-03-01',
  done: false,
  created: '2025-03-09T10:00:00.000Z',
  completed: null,
};

describe('formatTask', () => {
  test('writes the id, a box, the text and the markers', () => {
    assert.equal(format.formatTask(TASK), '  3 [ ] buy milk @home @errands !high (due 2026-03-01)');
  });

  test('ticks the box of done tasks', () => {
    assert.equal(format.formatTask({ ...TASK, tags: [], priority: null, due: null, done: true }), '  3 [x] buy milk');
  });

  test('colours markers when asked to', () => {
    const line = format.formatTask(TASK, { color: true });
    assert.match(line, /\x1b\[36m@home\x1b\[0m/);
    assert.match(line, /\x1b\[31m!high\x1b\[0m/);
  });

  test('writes no escape codes by default', () => {
    assert.doesNotMatch(format.formatTask(TASK), /\x1b/);
  });
});

describe('formatList', () => {
  test('writes one line per task', () => {
    const list = format.formatList([TASK, { ...TASK, id: 12, tags: [], priority: null, due: null }]);
    assert.equal(list, '  3 [ ] buy milk @home @errands !high (due 2026-03-01)\n 12 [ ] buy milk\n');
  });

  test('writes nothing for an empty list', () => {
    assert.equal(format.formatList([]), '');
  });
});
