import { DurationError } from './errors.js';
import { UNITS, UNIT_NAMES } from './units.js';

/** @typedef {import('./units.js').UnitSymbol} UnitSymbol */

/**
 * Split a number of milliseconds into whole amounts of each unit, largest
 * unit first. Units with a zero amount are left out.
 *
 * @param {number} ms
 * @returns {Array<[UnitSymbol, number]>}
 */
function decompose(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new DurationError(`expected a finite number of milliseconds, got ${String(ms)}`, ms);
  }
  let rest = Math.round(ms);
  /** @type {Array<[UnitSymbol, number]>} */
  const parts = [];
  for (const [unit, size] of /** @type {Array<[UnitSymbol, number]>} */ (Object.entries(UNITS))) {
    const amount = Math.floor(rest / size);
    if (amount === 0) continue;
    parts.push([unit, amount]);
    rest -= amount * size;
  }
  return parts;
}

/**
 * Format a number of milliseconds as a compact duration such as `"1h 30m"`.
 *
 * Fractions of a millisecond are rounded away and units with a zero amount
 * are left out, so `format(3_600_000)` is `"1h"`. Zero is `"0ms"`.
 *
 * @param {number} ms
 * @returns {string}
 * @throws {DurationError} if `ms` is not a finite number
 */
export function format(ms) {
  const parts = decompose(ms);
  if (parts.length === 0) return '0ms';
  return parts.map(([unit, amount]) => `${amount}${unit}`).join(' ');
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
  const parts = decompose(ms);
  if (parts.length === 0) return '0 milliseconds';
  return parts
    .map(([unit, amount]) => {
      const [singular, plural] = UNIT_NAMES[unit];
      return `${amount} ${amount === 1 ? singular : plural}`;
    })
    .join(' ');
}
