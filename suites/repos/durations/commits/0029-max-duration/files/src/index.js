export { MILLISECOND, SECOND, MINUTE, HOUR, DAY, WEEK, UNITS } from './units.js';
export { DurationError, MAX_DURATION } from './errors.js';
export { parse } from './parse.js';
export { format, humanize } from './format.js';
export { toISO } from './iso.js';
export { add, subtract, sum, compare } from './math.js';
