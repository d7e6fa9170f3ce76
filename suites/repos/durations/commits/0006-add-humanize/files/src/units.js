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

/**
 * Unit names understood by `parse()`, mapped to the unit they stand for.
 *
 * @type {Readonly<Record<string, UnitSymbol>>}
 */
export const UNIT_ALIASES = Object.freeze({
  w: 'w',
  wk: 'w',
  wks: 'w',
  week: 'w',
  weeks: 'w',
  d: 'd',
  day: 'd',
  days: 'd',
  h: 'h',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  m: 'm',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  s: 's',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  ms: 'ms',
  msec: 'ms',
  msecs: 'ms',
  millisecond: 'ms',
  milliseconds: 'ms',
});

/**
 * Singular and plural English name of each unit, used by `humanize()`.
 *
 * @type {Readonly<Record<UnitSymbol, readonly [string, string]>>}
 */
export const UNIT_NAMES = Object.freeze({
  w: ['week', 'weeks'],
  d: ['day', 'days'],
  h: ['hour', 'hours'],
  m: ['minute', 'minutes'],
  s: ['second', 'seconds'],
  ms: ['millisecond', 'milliseconds'],
});
