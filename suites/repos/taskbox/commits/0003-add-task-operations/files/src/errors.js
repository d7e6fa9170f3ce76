/** Base class of the errors taskbox reports to the user without a stack trace. */
export class TaskboxError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}

/** The task text could not be read. Carries the rejected input. */
export class ParseError extends TaskboxError {
  /**
   * @param {string} message
   * @param {string} input
   */
  constructor(message, input) {
    super(message);
    this.input = input;
  }
}

/** No task has the id the user gave. */
export class NotFoundError extends TaskboxError {
  /** @param {number | string} id */
  constructor(id) {
    super(`no task with id ${id}`);
    this.id = id;
  }
}
