import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as parser from '../src/parser.js';
import * as errors from '../src/errors.js';

describe('parseTaskText', () => {
  test('returns plain text unchanged', () => {
    assert.deepEqual(parser.parseTaskText('water the plants'), {
      text: 'water the plants',
      tags: [],
      priority: null,
      due: null,
    });
  });

  test('reads tags, priority and due date', () => {
    assert.deepEqual(parser.parseTaskText('buy milk @home !high due:2026-03-01'), {
      text: 'buy milk',
      tags: ['home'],
      priority: 'high',
      due: '2026-03-01',
    });
  });

  test('keeps the order of the words around markers', () => {
    assert.equal(parser.parseTaskText('call @work the dentist !low tomorrow').text, 'call the dentist tomorrow');
  });

  test('lower-cases tags and drops repeated ones', () => {
    assert.deepEqual(parser.parseTaskText('plan trip @Travel @travel @family').tags, ['travel', 'family']);
  });

  test('accepts short priority names', () => {
    assert.equal(parser.parseTaskText('a !h').priority, 'high');
    assert.equal(parser.parseTaskText('a !med').priority, 'medium');
    assert.equal(parser.parseTaskText('a !L').priority, 'low');
  });

  test('the last priority wins', () => {
    assert.equal(parser.parseTaskText('a !low !high').priority, 'high');
  });

  test('leaves words that only contain markers alone', () => {
    assert.equal(parser.parseTaskText('email bob@example.com now!').text, 'email bob@example.com now!');
  });

  test('reads relative due dates from the given day', () => {
    const today = '2025-03-12'; // a Wednesday
    assert.equal(parser.parseTaskText('a due:today', { today }).due, '2025-03-12');
    assert.equal(parser.parseTaskText('a due:tomorrow', { today }).due, '2025-03-13');
    assert.equal(parser.parseTaskText('a due:+3d', { today }).due, '2025-03-15');
    assert.equal(parser.parseTaskText('a due:+2w', { today }).due, '2025-03-26');
    assert.equal(parser.parseTaskText('a due:Friday', { today }).due, '2025-03-14');
    assert.equal(parser.parseTaskText('a due:wed', { today }).due, '2025-03-19');
  });

  test('rejects unknown priorities', () => {
    assert.throws(() => parser.parseTaskText('a !urgent'), errors.ParseError);
  });

  test('rejects malformed due dates', () => {
    assert.throws(() => parser.parseTaskText('a due:March'), /cannot read due date "March"/);
    assert.throws(() => parser.parseTaskText('a due:2025-3-1'), /cannot read due date/);
    assert.throws(() => parser.parseTaskText('a due:'), /cannot read due date/);
    assert.throws(() => parser.parseTaskText('a due:2025-13-01'), { name: 'ParseError', message: /cannot read due date "2025-13-01"/ });
    assert.throws(() => parser.parseTaskText('a due:2025-02-30'), errors.ParseError);
  });

  test('rejects tasks without text', () => {
    assert.throws(() => parser.parseTaskText('@home !high'), { name: 'ParseError', input: '@home !high' });
    assert.throws(() => parser.parseTaskText('   '), errors.ParseError);
  });

  test('rejects values that are not strings', () => {
    assert.throws(() => parser.parseTaskText(42), TypeError);
  });
});
