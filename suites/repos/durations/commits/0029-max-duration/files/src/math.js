import { checkMilliseconds } from './errors.js';
import { parse } from './parse.js';

/**
 * Anything `parse()` accepts: a string in any supported notation, or a number
 * of milliseconds.
 *
 * @typedef {string | number} DurationLike
 */

/**
 * Add two durations.
 *
 * @param {DurationLike} a
 * @param {DurationLike} b
 * @returns {number} milliseconds
 * @throws {DurationError} if `a` or `b` is not a duration, or the result is
 *   longer than `MAX_DURATION`
 */
export function add(a, b) {
  return checkMilliseconds(parse(a) + parse(b), [a, b]);
}

/**
 * Subtract duration `b` from duration `a`.
 *
 * @param {DurationLike} a
 * @param {DurationLike} b
 * @returns {number} milliseconds, negative if `b` is longer than `a`
 * @throws {DurationError} if `a` or `b` is not a duration, or the result is
 *   longer than `MAX_DURATION`
 */
export function subtract(a, b) {
  return checkMilliseconds(parse(a) - parse(b), [a, b]);
}

/**
 * Add up any number of durations. An empty list adds up to 0.
 *
 * @param {Iterable<DurationLike>} durations an array, a set, a generator...
 * @returns {number} milliseconds
 * @throws {DurationError} if one of the durations is not a duration, or the
 *   total is longer than `MAX_DURATION`
 * @throws {TypeError} if `durations` is not iterable, or is a string
 */
export function sum(durations) {
  // A string is iterable too, but sum('1h30m') is almost certainly a mistake.
  if (typeof durations === 'string' || typeof durations?.[Symbol.iterator] !== 'function') {
    throw new TypeError('sum() expects an iterable of durations, such as an array');
  }
  let total = 0;
  for (const duration of durations) total += parse(duration);
  return checkMilliseconds(total, durations);
}

/**
 * Compare two durations, for sorting: negative if `a` is shorter than `b`,
 * positive if it is longer, zero if they are equal.
 *
 * @example ['1h', '90m', '30m'].sort(compare) // ['30m', '1h', '90m']
 * @param {DurationLike} a
 * @param {DurationLike} b
 * @returns {number}
 * @throws {DurationError} if `a` or `b` is not a duration
 */
export function compare(a, b) {
  return Math.sign(parse(a) - parse(b));
}
