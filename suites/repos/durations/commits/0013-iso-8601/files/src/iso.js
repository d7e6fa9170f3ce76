import { DurationError } from './errors.js';
import { DAY, HOUR, MINUTE, SECOND, WEEK } from './units.js';

// ISO 8601 allows a decimal fraction with either a dot or a comma. Strictly
// only the smallest component may have one; like most parsers we accept a
// fraction on any component.
const N = String.raw`(\d+(?:[.,]\d+)?)`;
const ISO_DURATION = new RegExp(String.raw`^P(?:${N}W)?(?:${N}D)?(?:T(?:${N}H)?(?:${N}M)?(?:${N}S)?)?$`, 'i');
// Years, and months (an M before the T), have no fixed length.
const CALENDAR_UNITS = /^P[^T]*[YM]/i;

/**
 * Tell whether `text` (without a sign) looks like an ISO 8601 duration.
 *
 * @param {string} text
 */
export function isISODuration(text) {
  return /^P/i.test(text);
}

/**
 * Read an ISO 8601 duration such as `"PT1H30M"` or `"P1DT2H"`, without a sign.
 *
 * @param {string} text
 * @param {unknown} input the value given to `parse()`, for error messages
 * @returns {number} milliseconds, not rounded
 * @throws {DurationError}
 */
export function parseISODuration(text, input) {
  if (CALENDAR_UNITS.test(text)) {
    throw new DurationError(
      `years and months have no fixed length and are not supported: ${JSON.stringify(input)}`,
      input,
    );
  }
  const match = ISO_DURATION.exec(text);
  // "P" and "PT" alone match the pattern but contain no component, and a "T"
  // must be followed by at least one time component.
  if (!match || match.slice(1).every((n) => n === undefined) || /T$/i.test(text)) {
    throw new DurationError(`invalid ISO 8601 duration ${JSON.stringify(input)}`, input);
  }
  const [weeks, days, hours, minutes, seconds] = match
    .slice(1)
    .map((n) => (n === undefined ? 0 : Number(n.replace(',', '.'))));
  return weeks * WEEK + days * DAY + hours * HOUR + minutes * MINUTE + seconds * SECOND;
}

/**
 * Write a number of milliseconds as an ISO 8601 duration such as `"PT1H30M"`.
 *
 * Days are the largest unit used (weeks cannot be combined with other
 * components in ISO 8601), milliseconds become a decimal fraction of a
 * second, and zero is `"PT0S"`. Negative durations get a leading minus sign,
 * a common extension of the standard.
 *
 * @param {number} ms
 * @returns {string}
 * @throws {DurationError} if `ms` is not a finite number
 */
export function toISO(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new DurationError(`expected a finite number of milliseconds, got ${String(ms)}`, ms);
  }
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return 'PT0S';
  const sign = ms < 0 ? '-' : '';
  const days = Math.floor(rest / DAY);
  rest -= days * DAY;
  const hours = Math.floor(rest / HOUR);
  rest -= hours * HOUR;
  const minutes = Math.floor(rest / MINUTE);
  rest -= minutes * MINUTE;
  const seconds = rest / SECOND;

  const date = days > 0 ? `${days}D` : '';
  const time = (hours > 0 ? `${hours}H` : '') + (minutes > 0 ? `${minutes}M` : '') + (seconds > 0 ? `${seconds}S` : '');
  return `${sign}P${date}${time ? `T${time}` : ''}`;
}
