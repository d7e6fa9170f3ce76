export { MILLISECOND, SECOND, MINUTE, HOUR, DAY, WEEK, UNITS } from './units.js';
