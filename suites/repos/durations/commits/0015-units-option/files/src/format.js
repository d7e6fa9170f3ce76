import { DurationError } from './errors.js';
import { UNITS, UNIT_NAMES } from './units.js';

/** @typedef {import('./units.js').UnitSymbol} UnitSymbol */

/**
 * @typedef {object} FormatOptions
 * @property {number} [units] How many units to write at most, counting from
 *   the largest one with a non-zero amount. The last unit written is rounded.
 *   All units are written by default.
 */

const ENTRIES = /** @type {Array<[UnitSymbol, number]>} */ (Object.entries(UNITS));

/**
 * Split a number of milliseconds into whole amounts of each unit, largest
 * unit first. Units with a zero amount are left out. The amounts are never
 * negative; the sign is returned separately.
 *
 * @param {number} ms
 * @param {FormatOptions} options
 * @returns {{ sign: '' | '-', parts: Array<[UnitSymbol, number]> }}
 */
function decompose(ms, { units = Infinity } = {}) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new DurationError(`expected a finite number of milliseconds, got ${String(ms)}`, ms);
  }
  if (units !== Infinity && !(Number.isInteger(units) && units > 0)) {
    throw new RangeError(`units must be a positive integer, got ${String(units)}`);
  }
  // Round the magnitude so that -1.5 and 1.5 round the same way.
  let rest = Math.round(Math.abs(ms));
  const sign = ms < 0 && rest !== 0 ? '-' : '';
  /** @type {Array<[UnitSymbol, number]>} */
  const parts = [];
  const first = ENTRIES.findIndex(([, size]) => rest >= size);
  if (first === -1) return { sign, parts };
  const last = Math.min(first + units - 1, ENTRIES.length - 1);
  for (let i = first; i <= last; i++) {
    const [unit, size] = ENTRIES[i];
    // The last unit written takes what is left, rounded.
    const amount = i === last ? Math.round(rest / size) : Math.floor(rest / size);
    rest -= amount * size;
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
 * @throws {DurationError} if `ms` is not a finite number
 */
export function format(ms, options) {
  const { sign, parts } = decompose(ms, options);
  if (parts.length === 0) return '0ms';
  return sign + parts.map(([unit, amount]) => `${amount}${unit}`).join(' ');
}

/**
 * Format a number of milliseconds in words, such as `"1 hour 30 minutes"`.
 *
 * Follows the same rules as `format()`. Zero is `"0 milliseconds"`.
 *
 * @param {number} ms
 * @param {FormatOptions} [options]
 * @returns {string}
 * @throws {DurationError} if `ms` is not a finite number
 */
export function humanize(ms, options) {
  const { sign, parts } = decompose(ms, options);
  if (parts.length === 0) return '0 milliseconds';
  const words = parts.map(([unit, amount]) => {
    const [singular, plural] = UNIT_NAMES[unit];
    return `${amount} ${amount === 1 ? singular : plural}`;
  });
  return sign + words.join(' ');
}
