import { DurationError } from './errors.js';
import { isISODuration, parseISODuration } from './iso.js';
import { findUnit } from './units.js';

// One part of a duration: a decimal amount ("2", "1.5" or ".5"), optional
// whitespace and a unit name.
const PART = /(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)/iy;
// What may come between two parts: a comma, "and", both (", and"), or just
// whitespace, which may be empty ("1h30m").
const SEPARATOR = /\s*,\s*(?:and\s+)?|\s+and\s+|\s*/iy;

/**
 * Parse a duration into a number of milliseconds.
 *
 * Accepts compact strings such as `"1h30m"` or `"2d 4h"`, long forms such as
 * `"1 hour and 30 minutes"`, and numbers, which are taken to be milliseconds
 * already. A string holding only digits is read as milliseconds too.
 * Amounts may have a decimal part (`"1.5h"`); the result is rounded to the
 * nearest millisecond. A leading `-` makes the whole duration negative.
 * ISO 8601 durations such as `"PT1H30M"` are accepted as well.
 *
 * @param {string | number} input
 * @returns {number} milliseconds
 * @throws {DurationError} if the input is not a duration
 */
export function parse(input) {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new DurationError(`invalid duration: ${input}`, input);
    return input;
  }
  if (typeof input !== 'string') {
    throw new DurationError(`expected a string or a number, got ${typeof input}`, input);
  }
  let text = input.trim();
  // A leading sign applies to the whole duration: "-1h30m" is minus 90 minutes.
  const negative = text.startsWith('-');
  if (negative || text.startsWith('+')) text = text.slice(1);
  // A string of digits is milliseconds, like a number.
  if (/^\d+$/.test(text)) return withSign(negative, Number(text));
  const ms = isISODuration(text) ? parseISODuration(text, input) : parseParts(text, input);
  // 1.1 * 3600000 is 3960000.0000000005 in floating point.
  return withSign(negative, Math.round(ms));
}

/**
 * Add up the parts of a duration such as `"1h 30m"` or `"1 hour and 30 minutes"`.
 *
 * @param {string} text the duration, trimmed and without a sign
 * @param {unknown} input the value given to `parse()`, for error messages
 * @returns {number} milliseconds, not rounded
 */
function parseParts(text, input) {
  let total = 0;
  let index = 0;
  do {
    if (index > 0) {
      SEPARATOR.lastIndex = index;
      SEPARATOR.exec(text);
      index = SEPARATOR.lastIndex;
    }
    // A part has to follow, so a separator cannot start or end the duration.
    PART.lastIndex = index;
    const match = PART.exec(text);
    if (!match) throw new DurationError(`invalid duration ${JSON.stringify(input)}`, input);
    const [, amount, name] = match;
    const unit = findUnit(name);
    if (!unit) throw new DurationError(`unknown unit "${name}" in ${JSON.stringify(input)}`, input);
    total += Number(amount) * unit.ms;
    index = PART.lastIndex;
  } while (index < text.length);
  return total;
}

/**
 * @param {boolean} negative
 * @param {number} ms
 */
function withSign(negative, ms) {
  // Avoid returning -0 for "-0s".
  return negative && ms !== 0 ? -ms : ms;
}
