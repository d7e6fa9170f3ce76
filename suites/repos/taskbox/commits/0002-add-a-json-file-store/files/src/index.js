export { TaskboxError, ParseError } from './errors.js';
export { parse, PRIORITIES } from './parser.js';
export { load, save, StoreError, FORMAT_VERSION } from './store.js';
