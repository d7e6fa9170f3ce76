import { DurationError } from './errors.js';
import { isISODuration, parseISODuration } from './iso.js';
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
  if (/^\d+$/.test(text)) return withSign(negative, Number(text));
  if (isISODuration(text)) return withSign(negative, Math.round(parseISODuration(text, input)));
  if (!DURATION.test(text)) throw new DurationError(`invalid duration ${JSON.stringify(input)}`, input);
  let total = 0;
  for (const [, amount, name] of text.matchAll(TOKEN)) {
    total += Number(amount) * UNITS[UNIT_ALIASES[name.toLowerCase()]];
  }
  // 1.1 * 3600000 is 3960000.0000000005 in floating point.
  return withSign(negative, Math.round(total));
}

/**
 * @param {boolean} negative
 * @param {number} ms
 */
function withSign(negative, ms) {
  // Avoid returning -0 for "-0s".
  return negative && ms !== 0 ? -ms : ms;
}
