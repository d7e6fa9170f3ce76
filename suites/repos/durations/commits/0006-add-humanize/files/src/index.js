export { MILLISECOND, SECOND, MINUTE, HOUR, DAY, WEEK, UNITS } from './units.js';
export { DurationError } from './errors.js';
export { parse } from './parse.js';
export { format, humanize } from './format.js';
