import { DurationError } from './errors.js';
import { UNITS, UNIT_ALIASES } from './units.js';

// Longest names first, so that "ms" is not read as "m" followed by garbage
// and "minutes" is not cut short at "min". Unit names are case-insensitive.
const NAMES = Object.keys(UNIT_ALIASES)
  .sort((a, b) => b.length - a.length)
  .join('|');
// An amount is a decimal number: "2", "1.5" or ".5".
const AMOUNT = String.raw`\d+(?:\.\d+)?|\.\d+`;
const TOKEN = new RegExp(String.raw`(${AMOUNT})\s*(${NAMES})`, 'gi');
const DURATION = new RegExp(String.raw`^(?:(?:${AMOUNT})\s*(?:${NAMES})\s*)+$`, 'i');

/**
 * Parse a duration into a number of milliseconds.
 *
 * Accepts compact strings such as `"1h30m"` or `"2d 4h"`, long forms such as
 * `"1 hour 30 minutes"`, and numbers, which are taken to be milliseconds
 * already. A string holding only digits is read as milliseconds too.
 * Amounts may have a decimal part (`"1.5h"`); the result is rounded to the
 * nearest millisecond.
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
  const text = input.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (!DURATION.test(text)) throw new DurationError(`invalid duration ${JSON.stringify(input)}`, input);
  let total = 0;
  for (const [, amount, name] of text.matchAll(TOKEN)) {
    total += Number(amount) * UNITS[UNIT_ALIASES[name.toLowerCase()]];
  }
  // 1.1 * 3600000 is 3960000.0000000005 in floating point.
  return Math.round(total);
}
