import { DurationError } from './errors.js';
import { UNITS, UNIT_NAMES } from './units.js';

/** @typedef {import('./units.js').UnitSymbol} UnitSymbol */

/**
 * Split a number of milliseconds into whole amounts of each unit, largest
 * unit first. Units with a zero amount are left out. The amounts are never
 * negative; the sign is returned separately.
 *
 * @param {number} ms
 * @returns {{ sign: '' | '-', parts: Array<[UnitSymbol, number]> }}
 */
function decompose(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new DurationError(`expected a finite number of milliseconds, got ${String(ms)}`, ms);
  }
  // Round the magnitude so that -1.5 and 1.5 round the same way.
  let rest = Math.round(Math.abs(ms));
  const sign = ms < 0 && rest !== 0 ? '-' : '';
  /** @type {Array<[UnitSymbol, number]>} */
  const parts = [];
  for (const [unit, size] of /** @type {Array<[UnitSymbol, number]>} */ (Object.entries(UNITS))) {
    const amount = Math.floor(rest / size);
    if (amount === 0) continue;
    parts.push([unit, amount]);
    rest -= amount * size;
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
 * @returns {string}
 * @throws {DurationError} if `ms` is not a finite number
 */
export function format(ms) {
  const { sign, parts } = decompose(ms);
  if (parts.length === 0) return '0ms';
  return sign + parts.map(([unit, amount]) => `${amount}${unit}`).join(' ');
}

/**
 * Format a number of milliseconds in words, such as `"1 hour 30 minutes"`.
 *
 * Follows the same rules as `format()`. Zero is `"0 milliseconds"`.
 *
 * @param {number} ms
 * @returns {string}
 * @throws {DurationError} if `ms` is not a finite number
 */
export function humanize(ms) {
  const { sign, parts } = decompose(ms);
  if (parts.length === 0) return '0 milliseconds';
  const words = parts.map(([unit, amount]) => {
    const [singular, plural] = UNIT_NAMES[unit];
    return `${amount} ${amount === 1 ? singular : plural}`;
  });
  return sign + words.join(' ');
}
