import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as exporter from '../src/export.js';

const TASKS = [
  {
    id: 1,
    text: 'buy milk',
    tags: ['home'],
    priority: 'high',
    due: '2026-03-01',
    done: false,
    created: '2025-05-20T08:00:00.000Z',
    completed: null,
  },
  {
    id: 2,
    text: 'read "Dune", again',
    tags: [],
    priority: null,
    due: null,
    done: true,
    created: '2025-05-20T08:01:00.000Z',
    completed: '2025-05-21T19:00:00.000Z',
  },
];

describe('exportTasks', () => {
  test('writes JSON', () => {
    assert.deepEqual(JSON.parse(exporter.exportTasks(TASKS, 'json')), TASKS);
  });

  test('writes YAML', () => {
    assert.equal(
      exporter.exportTasks(TASKS.slice(0, 1), 'yaml'),
      [
        '- id: 1',
        '  text: buy milk',
        '  tags:',
        '    - home',
        '  priority: high',
        '  due: 2026-03-01',
        '  done: false',
        '  created: 2025-05-20T08:00:00.000Z',
        '  completed: null',
        '',
      ].join('\n'),
    );
  });

  test('writes an empty YAML list', () => {
    assert.equal(exporter.exportTasks([], 'yaml'), '[]\n');
  });

  test('writes CSV with a header and quoted fields', () => {
    assert.equal(
      exporter.exportTasks(TASKS, 'csv'),
      'id,text,tags,priority,due,done,created,completed\r\n' +
        '1,buy milk,home,high,2026-03-01,false,2025-05-20T08:00:00.000Z,\r\n' +
        '2,"read ""Dune"", again",,,,true,2025-05-20T08:01:00.000Z,2025-05-21T19:00:00.000Z\r\n',
    );
  });

  test('writes a Markdown task list', () => {
    assert.equal(
      exporter.exportTasks(TASKS, 'markdown'),
      '- [ ] buy milk @home !high (due 2026-03-01)\n- [x] read "Dune", again\n',
    );
  });

  test('escapes Markdown in the text', () => {
    const task = { ...TASKS[0], text: 'fix *all* the [links]', tags: [], priority: null, due: null };
    assert.equal(exporter.exportTasks([task], 'markdown'), '- [ ] fix \\*all\\* the \\[links\\]\n');
  });

  test('rejects unknown formats', () => {
    assert.throws(() => exporter.exportTasks(TASKS, 'xml'), /cannot export to "xml"/);
  });
});

describe('importTasks', () => {
  const withoutIds = TASKS.map(({ id, ...rest }) => rest);

  test('reads back exported JSON and CSV', () => {
    assert.deepEqual(exporter.importTasks(exporter.exportTasks(TASKS, 'json'), 'json'), withoutIds);
    assert.deepEqual(exporter.importTasks(exporter.exportTasks(TASKS, 'csv'), 'csv'), withoutIds);
  });

  test('reads back exported YAML', () => {
    assert.deepEqual(exporter.importTasks(exporter.exportTasks(TASKS, 'yaml'), 'yaml'), withoutIds);
  });

  test('reads YAML written by hand', () => {
    const yaml = [
      '# chores for the weekend',
      '- text: clean the gutters',
      '  tags: [house, outside]',
      '  due: 2026-04-04',
      '- text: fix the bike',
      '  priority: low',
      '',
    ].join('\n');
    assert.deepEqual(exporter.importTasks(yaml, 'yaml'), [
      { text: 'clean the gutters', tags: ['house', 'outside'], priority: null, due: '2026-04-04', done: false, created: null, completed: null },
      { text: 'fix the bike', tags: [], priority: 'low', due: null, done: false, created: null, completed: null },
    ]);
  });

  test('reads a tasks file written as YAML', () => {
    assert.deepEqual(exporter.importTasks('version: 1\ntasks:\n  - text: a\n', 'yaml').map((t) => t.text), ['a']);
  });

  test('reads an empty YAML document as no tasks', () => {
    assert.deepEqual(exporter.importTasks('# nothing yet\n', 'yaml'), []);
  });

  test('reports YAML syntax errors with their position', () => {
    assert.throws(() => exporter.importTasks('- text: a\n  tags: [b\n', 'yaml'), {
      name: 'ImportError',
      message: /at line 3, column 1$/,
    });
  });

  test('checks tasks read from YAML', () => {
    assert.throws(() => exporter.importTasks('- text: a\n  priority: urgent\n', 'yaml'), /task 1: unknown priority "urgent"/);
    assert.throws(() => exporter.importTasks('text: a\n', 'yaml'), /expected a list of tasks/);
  });

  test('reads a tasks file as JSON', () => {
    assert.deepEqual(exporter.importTasks(JSON.stringify({ version: 1, tasks: TASKS }), 'json'), withoutIds);
  });

  test('reads CSV with only some columns, in any order', () => {
    const csv = 'due,text\n2026-04-01,file taxes\n,call mum\n';
    assert.deepEqual(exporter.importTasks(csv, 'csv'), [
      { text: 'file taxes', tags: [], priority: null, due: '2026-04-01', done: false, created: null, completed: null },
      { text: 'call mum', tags: [], priority: null, due: null, done: false, created: null, completed: null },
    ]);
  });

  test('reads quoted CSV fields with line breaks', () => {
    assert.deepEqual(exporter.parseCSV('a,b\r\n"x\ny","say ""hi"""\r\n'), [
      ['a', 'b'],
      ['x\ny', 'say "hi"'],
    ]);
  });

  test('names the row of an invalid task', () => {
    assert.throws(() => exporter.importTasks('text,priority\na,urgent\n', 'csv'), {
      name: 'ImportError',
      message: 'row 2: unknown priority "urgent"',
    });
    assert.throws(() => exporter.importTasks('[{"text": ""}]', 'json'), /task 1: a task needs some text/);
  });

  test('rejects CSV without a text column', () => {
    assert.throws(() => exporter.importTasks('title\nbuy milk\n', 'csv'), exporter.ImportError);
  });

  test('rejects JSON that is not a list of tasks', () => {
    assert.throws(() => exporter.importTasks('{"todo": []}', 'json'), /expected a list of tasks/);
    assert.throws(() => exporter.importTasks('nope', 'json'), exporter.ImportError);
  });
});

describe('formatFromName', () => {
  test('guesses the format from the extension', () => {
    assert.equal(exporter.formatFromName('tasks.JSON'), 'json');
    assert.equal(exporter.formatFromName('tasks.yaml'), 'yaml');
    assert.equal(exporter.formatFromName('tasks.yml'), 'yaml');
    assert.equal(exporter.formatFromName('backup/tasks.csv'), 'csv');
    assert.equal(exporter.formatFromName('notes.md'), 'markdown');
    assert.equal(exporter.formatFromName('tasks.txt'), null);
    assert.equal(exporter.formatFromName('tasks'), null);
  });
});
