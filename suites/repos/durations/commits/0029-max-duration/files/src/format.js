import { checkMilliseconds } from './errors.js';
import { UNIT_TABLE } from './units.js';

/** @typedef {import('./units.js').Unit} Unit */

/**
 * @typedef {object} FormatOptions
 * @property {number} [units] How many units to write at most, counting from
 *   the largest one with a non-zero amount. The last unit written is rounded.
 *   All units are written by default.
 */

/**
 * Split a number of milliseconds into whole amounts of each unit, largest
 * unit first. Units with a zero amount are left out. The amounts are never
 * negative; the sign is returned separately.
 *
 * @param {number} ms
 * @param {FormatOptions} options
 * @returns {{ sign: '' | '-', parts: Array<[Unit, number]> }}
 */
function decompose(ms, { units = Infinity } = {}) {
  checkMilliseconds(ms);
  if (units !== Infinity && !(Number.isInteger(units) && units > 0)) {
    throw new RangeError(`units must be a positive integer, got ${String(units)}`);
  }
  // Round the magnitude so that -1.5 and 1.5 round the same way.
  let rest = Math.round(Math.abs(ms));
  const sign = ms < 0 && rest !== 0 ? '-' : '';
  /** @type {Array<[Unit, number]>} */
  const parts = [];
  const largest = UNIT_TABLE.findIndex((unit) => rest >= unit.ms);
  if (largest === -1) return { sign, parts };
  const smallest = Math.min(largest + units - 1, UNIT_TABLE.length - 1);
  // Round to the smallest unit written before splitting, so that rounding up
  // carries into the larger units: 1h 59m 59.9s is "2h", not "1h 60m".
  const step = UNIT_TABLE[smallest].ms;
  rest = Math.round(rest / step) * step;
  for (const unit of UNIT_TABLE.slice(0, smallest + 1)) {
    const amount = Math.floor(rest / unit.ms);
    rest -= amount * unit.ms;
    if (amount !== 0) parts.push([unit, amount]);
  }
  return { sign, parts };
}

/**
 * Format a number of milliseconds as a compact duration such as `"1h 30m"`.
 *
 * Fractions of a millisecond are rounded away and units with a zero amount
 * are left out, so `format(3_600_000)` is `"1h"`. Zero is `"0ms"`. Negative
 * durations get a single leading minus sign: `"-1h 30m"`.
 *
 * @param {number} ms
 * @param {FormatOptions} [options]
 * @returns {string}
 * @throws {DurationError} if `ms` is not a finite number or out of range
 */
export function format(ms, options) {
  const { sign, parts } = decompose(ms, options);
  if (parts.length === 0) return '0ms';
  return sign + parts.map(([unit, amount]) => `${amount}${unit.symbol}`).join(' ');
}

/**
 * Format a number of milliseconds in words, such as `"1 hour 30 minutes"`.
 *
 * Follows the same rules as `format()`. Zero is `"0 milliseconds"`.
 *
 * @param {number} ms
 * @param {FormatOptions} [options]
 * @returns {string}
 * @throws {DurationError} if `ms` is not a finite number or out of range
 */
export function humanize(ms, options) {
  const { sign, parts } = decompose(ms, options);
  if (parts.length === 0) return '0 milliseconds';
  const words = parts.map(([unit, amount]) => `${amount} ${amount === 1 ? unit.singular : unit.plural}`);
  return sign + words.join(' ');
}
