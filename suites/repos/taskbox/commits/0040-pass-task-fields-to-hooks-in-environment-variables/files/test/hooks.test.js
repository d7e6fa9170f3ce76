import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
  test('refers to the fields through environment variables', () => {
    assert.equal(
      hooks.expandHook('echo "{id}/{text}/{tags}/{priority}/{due}"'),
      'echo "${TASKBOX_ID}/${TASKBOX_TEXT}/${TASKBOX_TAGS}/${TASKBOX_PRIORITY}/${TASKBOX_DUE}"',
    );
  });

  test('leaves other braces alone', () => {
    assert.equal(hooks.expandHook('echo {name} ${HOME}'), 'echo {name} ${HOME}');
  });
});

describe('hookEnv', () => {
  test('holds the fields of the task', () => {
    assert.deepEqual(hooks.hookEnv(TASK), {
      TASKBOX_ID: '7',
      TASKBOX_TEXT: 'buy milk',
      TASKBOX_TAGS: 'home errands',
      TASKBOX_PRIORITY: 'high',
      TASKBOX_DUE: '2025-06-21',
    });
  });

  test('writes missing fields as empty strings', () => {
    const env = hooks.hookEnv({ ...TASK, priority: null, due: null });
    assert.equal(env.TASKBOX_PRIORITY, '');
    assert.equal(env.TASKBOX_DUE, '');
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

  test('never runs the text of a task as a command', () => {
    // The text used to be pasted into the command line, so $(...) and
    // backticks in a task ran when the hook did (#36).
    const log = join(dir, 'log');
    const pwned = join(dir, 'pwned');
    const text = `ask $(touch ${pwned}) and \`touch ${pwned}\` about "it"; touch ${pwned}`;
    hooks.runHook({ done: `echo "Done: {text}" >> ${log}` }, 'done', { ...TASK, text }, { stderr: sink() });
    assert.equal(existsSync(pwned), false);
    assert.equal(readFileSync(log, 'utf8'), `Done: ${text}\n`);
  });

  test('passes the fields in the environment', () => {
    const log = join(dir, 'log');
    hooks.runHook({ add: `printf '%s|%s' "$TASKBOX_ID" "$TASKBOX_TAGS" > ${log}` }, 'add', TASK, { stderr: sink() });
    assert.equal(readFileSync(log, 'utf8'), '7|home errands');
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
