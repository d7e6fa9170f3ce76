export { TaskboxError, ParseError } from './errors.js';
export { parse, PRIORITIES } from './parser.js';
