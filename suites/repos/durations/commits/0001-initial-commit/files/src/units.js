/**
 * Units a duration can be expressed in.
 *
 * Months and years are deliberately absent: their length depends on the
 * calendar, so they cannot be converted to a fixed number of milliseconds.
 *
 * @typedef {'w' | 'd' | 'h' | 'm' | 's' | 'ms'} UnitSymbol
 */

export const MILLISECOND = 1;
export const SECOND = 1000 * MILLISECOND;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;

/**
 * Size of each unit in milliseconds, largest unit first.
 *
 * @type {Readonly<Record<UnitSymbol, number>>}
 */
export const UNITS = Object.freeze({
  w: WEEK,
  d: DAY,
  h: HOUR,
  m: MINUTE,
  s: SECOND,
  ms: MILLISECOND,
});
