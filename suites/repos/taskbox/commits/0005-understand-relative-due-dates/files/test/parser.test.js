import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as parser from '../src/parser.js';
import * as errors from '../src/errors.js';

describe('parse', () => {
  test('returns plain text unchanged', () => {
    assert.deepEqual(parser.parse('water the plants'), {
      text: 'water the plants',
      tags: [],
      priority: null,
      due: null,
    });
  });

  test('reads tags, priority and due date', () => {
    assert.deepEqual(parser.parse('buy milk @home !high due:2026-03-01'), {
      text: 'buy milk',
      tags: ['home'],
      priority: 'high',
      due: '2026-03-01',
    });
  });

  test('keeps the order of the words around markers', () => {
    assert.equal(parser.parse('call @work the dentist !low tomorrow').text, 'call the dentist tomorrow');
  });

  test('lower-cases tags and drops repeated ones', () => {
    assert.deepEqual(parser.parse('plan trip @Travel @travel @family').tags, ['travel', 'family']);
  });

  test('accepts short priority names', () => {
    assert.equal(parser.parse('a !h').priority, 'high');
    assert.equal(parser.parse('a !med').priority, 'medium');
    assert.equal(parser.parse('a !L').priority, 'low');
  });

  test('the last priority wins', () => {
    assert.equal(parser.parse('a !low !high').priority, 'high');
  });

  test('leaves words that only contain markers alone', () => {
    assert.equal(parser.parse('email bob@example.com now!').text, 'email bob@example.com now!');
  });

  test('reads relative due dates from the given day', () => {
    const today = '2025-03-12'; // a Wednesday
    assert.equal(parser.parse('a due:today', { today }).due, '2025-03-12');
    assert.equal(parser.parse('a due:tomorrow', { today }).due, '2025-03-13');
    assert.equal(parser.parse('a due:+3d', { today }).due, '2025-03-15');
    assert.equal(parser.parse('a due:+2w', { today }).due, '2025-03-26');
    assert.equal(parser.parse('a due:Friday', { today }).due, '2025-03-14');
    assert.equal(parser.parse('a due:wed', { today }).due, '2025-03-19');
  });

  test('rejects unknown priorities', () => {
    assert.throws(() => parser.parse('a !urgent'), errors.ParseError);
  });

  test('rejects malformed due dates', () => {
    assert.throws(() => parser.parse('a due:March'), /cannot read due date "March"/);
    assert.throws(() => parser.parse('a due:2025-3-1'), /cannot read due date/);
    assert.throws(() => parser.parse('a due:'), /cannot read due date/);
  });

  test('rejects tasks without text', () => {
    assert.throws(() => parser.parse('@home !high'), { name: 'ParseError', input: '@home !high' });
    assert.throws(() => parser.parse('   '), errors.ParseError);
  });

  test('rejects values that are not strings', () => {
    assert.throws(() => parser.parse(42), TypeError);
  });
});
