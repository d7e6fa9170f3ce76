/**
 * Units a duration can be expressed in.
 *
 * Months and years are deliberately absent: their length depends on the
 * calendar, so they cannot be converted to a fixed number of milliseconds.
 *
 * @typedef {'w' | 'd' | 'h' | 'm' | 's' | 'ms'} UnitSymbol
 */

/**
 * Everything the library knows about a unit.
 *
 * @typedef {object} Unit
 * @property {UnitSymbol} symbol used by `format()`
 * @property {number} ms size in milliseconds
 * @property {string} singular name used by `humanize()` for an amount of one
 * @property {string} plural name used by `humanize()` for other amounts
 * @property {readonly string[]} aliases other names `parse()` accepts
 */

export const MILLISECOND = 1;
export const SECOND = 1000 * MILLISECOND;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;

/**
 * @param {UnitSymbol} symbol
 * @param {number} ms
 * @param {string} singular
 * @param {string} plural
 * @param {string[]} aliases
 * @returns {Unit}
 */
function unit(symbol, ms, singular, plural, aliases) {
  return Object.freeze({ symbol, ms, singular, plural, aliases: Object.freeze(aliases) });
}

/**
 * Every unit, largest first. This is the single place to change when adding
 * a unit or a name for one.
 *
 * @type {readonly Unit[]}
 */
export const UNIT_TABLE = Object.freeze([
  unit('w', WEEK, 'week', 'weeks', ['wk', 'wks']),
  unit('d', DAY, 'day', 'days', []),
  unit('h', HOUR, 'hour', 'hours', ['hr', 'hrs']),
  unit('m', MINUTE, 'minute', 'minutes', ['min', 'mins']),
  unit('s', SECOND, 'second', 'seconds', ['sec', 'secs']),
  unit('ms', MILLISECOND, 'millisecond', 'milliseconds', ['msec', 'msecs']),
]);

/**
 * Size of each unit in milliseconds, largest unit first.
 *
 * @type {Readonly<Record<UnitSymbol, number>>}
 */
export const UNITS = Object.freeze(
  /** @type {Record<UnitSymbol, number>} */ (Object.fromEntries(UNIT_TABLE.map((u) => [u.symbol, u.ms]))),
);

/** @type {ReadonlyMap<string, Unit>} */
const BY_NAME = new Map(
  UNIT_TABLE.flatMap((u) => [u.symbol, u.singular, u.plural, ...u.aliases].map((name) => [name, u])),
);

/**
 * Find a unit by its symbol or any of its names, regardless of case.
 *
 * @param {string} name
 * @returns {Unit | undefined}
 */
export function findUnit(name) {
  return BY_NAME.get(name.toLowerCase());
}
