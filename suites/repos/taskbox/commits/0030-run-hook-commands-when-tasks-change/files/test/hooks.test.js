import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hooks from '../src/hooks.js';

const TASK = {
  id: 7,
  text: 'buy milk',
  tags: ['home', 'errands'],
  priority: 'high',
  due: '2025-06-21',
  done: false,
  created: '2025-06-20T08:00:00.000Z',
  completed: null,
};

describe('expandHook', () => {
  test('fills in the fields of the task', () => {
    assert.equal(
      hooks.expandHook('echo {id}/{text}/{tags}/{priority}/{due}', TASK),
      'echo 7/buy milk/home errands/high/2025-06-21',
    );
  });

  test('writes missing fields as empty strings', () => {
    assert.equal(hooks.expandHook('[{priority}] [{due}]', { ...TASK, priority: null, due: null }), '[] []');
  });

  test('leaves other braces alone', () => {
    assert.equal(hooks.expandHook('echo {name} ${HOME}', TASK), 'echo {name} ${HOME}');
  });
});

describe('runHook', () => {
  /** @type {string} */
  let dir;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'taskbox-hooks-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** @returns {NodeJS.WritableStream & { text: string }} */
  function sink() {
    return /** @type {any} */ ({ text: '', write(chunk) { this.text += chunk; return true; } });
  }

  test('runs the command for the event', () => {
    const log = join(dir, 'log');
    const status = hooks.runHook({ done: `echo "{id} {text}" >> ${log}` }, 'done', TASK, { stderr: sink() });
    assert.equal(status, 0);
    assert.equal(readFileSync(log, 'utf8'), '7 buy milk\n');
  });

  test('does nothing without a hook for the event', () => {
    assert.equal(hooks.runHook({ add: 'false' }, 'done', TASK), null);
  });

  test('reports a failing hook', () => {
    const stderr = sink();
    assert.equal(hooks.runHook({ add: 'exit 3' }, 'add', TASK, { stderr }), 3);
    assert.equal(stderr.text, 'taskbox: add hook exited with status 3\n');
  });
});
