import { DurationError } from './errors.js';
import { UNITS } from './units.js';

// "ms" has to come before "m" or "500ms" would read as 500 minutes.
const TOKEN = /(\d+)(ms|[wdhms])/g;
const DURATION = /^(?:\d+(?:ms|[wdhms])\s*)+$/;

/**
 * Parse a duration into a number of milliseconds.
 *
 * Accepts compact strings such as `"1h30m"` or `"2d 4h"`, and numbers, which
 * are taken to be milliseconds already. A string holding only digits is read
 * as milliseconds too.
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
  for (const [, amount, unit] of text.matchAll(TOKEN)) {
    total += Number(amount) * UNITS[/** @type {keyof typeof UNITS} */ (unit)];
  }
  return total;
}
