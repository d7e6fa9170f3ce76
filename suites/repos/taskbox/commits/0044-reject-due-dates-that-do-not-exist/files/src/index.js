export { TaskboxError, ParseError, NotFoundError } from './errors.js';
export { parseTaskText, PRIORITIES } from './parser.js';
export { parseDue, describeDue, localDate, isCalendarDate } from './dates.js';
export { loadTasks, saveTasks, StoreError, FORMAT_VERSION } from './store.js';
export { addTask, appendTasks, editTask, completeTask, removeTask, findTask, nextId, searchTasks, countTags, sortTasks, SORT_KEYS } from './tasks.js';
export { formatTask, formatList } from './format.js';
export { loadConfig, configPath, tasksFile, ConfigError } from './config.js';
export { exportTasks, importTasks, formatFromName, EXPORT_FORMATS, IMPORT_FORMATS, ImportError } from './export.js';
export { runHook, expandHook, hookEnv, HOOK_EVENTS, HOOK_VARIABLES } from './hooks.js';
