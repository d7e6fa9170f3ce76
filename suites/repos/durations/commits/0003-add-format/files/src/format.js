import { DurationError } from './errors.js';
import { UNITS } from './units.js';

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
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new DurationError(`expected a finite number of milliseconds, got ${String(ms)}`, ms);
  }
  let rest = Math.round(ms);
  if (rest === 0) return '0ms';
  const parts = [];
  for (const [unit, size] of Object.entries(UNITS)) {
    const amount = Math.floor(rest / size);
    if (amount === 0) continue;
    parts.push(`${amount}${unit}`);
    rest -= amount * size;
  }
  return parts.join(' ');
}
