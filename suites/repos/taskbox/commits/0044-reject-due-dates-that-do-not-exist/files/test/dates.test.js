import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as dates from '../src/dates.js';

describe('parseDue', () => {
  const today = '2025-03-12'; // a Wednesday

  test('keeps ISO dates', () => {
    assert.equal(dates.parseDue('2026-01-31', today), '2026-01-31');
  });

  test('reads today, tomorrow and offsets', () => {
    assert.equal(dates.parseDue('today', today), '2025-03-12');
    assert.equal(dates.parseDue('Tomorrow', today), '2025-03-13');
    assert.equal(dates.parseDue('+1d', today), '2025-03-13');
    assert.equal(dates.parseDue('+20d', today), '2025-04-01');
    assert.equal(dates.parseDue('+1w', today), '2025-03-19');
  });

  test('reads weekdays as the next such day', () => {
    assert.equal(dates.parseDue('thursday', today), '2025-03-13');
    assert.equal(dates.parseDue('sun', today), '2025-03-16');
    assert.equal(dates.parseDue('wednesday', today), '2025-03-19');
  });

  test('crosses month and year ends', () => {
    assert.equal(dates.parseDue('tomorrow', '2024-02-28'), '2024-02-29');
    assert.equal(dates.parseDue('+1w', '2025-12-29'), '2026-01-05');
  });

  test('rejects days that do not exist', () => {
    assert.equal(dates.parseDue('2025-02-30', today), null);
    assert.equal(dates.parseDue('2025-02-29', today), null);
    assert.equal(dates.parseDue('2025-13-01', today), null);
    assert.equal(dates.parseDue('2025-04-31', today), null);
    assert.equal(dates.parseDue('2025-00-10', today), null);
    assert.equal(dates.parseDue('2028-02-29', today), '2028-02-29');
  });

  test('returns null for anything else', () => {
    assert.equal(dates.parseDue('soon', today), null);
    assert.equal(dates.parseDue('we', today), null);
    assert.equal(dates.parseDue('+3', today), null);
  });
});

describe('isCalendarDate', () => {
  test('accepts days that exist', () => {
    assert.equal(dates.isCalendarDate('2025-12-31'), true);
    assert.equal(dates.isCalendarDate('2024-02-29'), true);
  });

  test('rejects days that do not', () => {
    assert.equal(dates.isCalendarDate('2025-09-31'), false);
    assert.equal(dates.isCalendarDate('2025-13-01'), false);
  });
});

describe('describeDue', () => {
  test('is relative within a week', () => {
    assert.equal(dates.describeDue('2025-03-12', '2025-03-12'), 'due today');
    assert.equal(dates.describeDue('2025-03-13', '2025-03-12'), 'due tomorrow');
    assert.equal(dates.describeDue('2025-03-18', '2025-03-12'), 'due in 6 days');
  });

  test('shows the date further out', () => {
    assert.equal(dates.describeDue('2025-03-19', '2025-03-12'), 'due 2025-03-19');
  });

  test('counts overdue days', () => {
    assert.equal(dates.describeDue('2025-03-11', '2025-03-12'), 'overdue by 1 day');
    assert.equal(dates.describeDue('2025-02-12', '2025-03-12'), 'overdue by 28 days');
  });
});

describe('localDate', () => {
  test('uses the local calendar date', () => {
    assert.equal(dates.localDate(new Date(2025, 0, 5, 23, 59)), '2025-01-05');
  });
});
