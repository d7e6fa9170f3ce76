/**
 * Thrown when a value cannot be read or written as a duration.
 */
export class DurationError extends Error {
  /**
   * @param {string} message
   * @param {unknown} input the value that was rejected
   */
  constructor(message, input) {
    super(message);
    this.name = 'DurationError';
    /** The value that was rejected. */
    this.input = input;
  }
}
