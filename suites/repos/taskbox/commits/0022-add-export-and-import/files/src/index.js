export { TaskboxError, ParseError, NotFoundError } from './errors.js';
export { parse, PRIORITIES } from './parser.js';
export { parseDue, describeDue, localDate } from './dates.js';
export { load, save, StoreError, FORMAT_VERSION } from './store.js';
export { addTask, appendTasks, editTask, completeTask, removeTask, findTask, nextId, searchTasks } from './tasks.js';
export { formatTask, formatList } from './format.js';
export { loadConfig, configPath, tasksFile, ConfigError } from './config.js';
export { exportTasks, importTasks, formatFromName, EXPORT_FORMATS, IMPORT_FORMATS, ImportError } from './export.js';
