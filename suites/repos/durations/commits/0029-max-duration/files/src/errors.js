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

/**
 * The longest duration the library works with, in milliseconds: about
 * 285 616 years. Beyond it, numbers can no longer represent every
 * millisecond exactly.
 */
export const MAX_DURATION = Number.MAX_SAFE_INTEGER;

/**
 * Check that `ms` is a finite number of milliseconds within
 * `[-MAX_DURATION, MAX_DURATION]`.
 *
 * @param {unknown} ms
 * @param {unknown} [input] the value to report if `ms` was computed from it
 * @returns {number} `ms`
 * @throws {DurationError}
 */
export function checkMilliseconds(ms, input = ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new DurationError(`expected a finite number of milliseconds, got ${String(ms)}`, input);
  }
  if (Math.abs(ms) > MAX_DURATION) {
    throw new DurationError(`duration out of range, the limit is ${MAX_DURATION}ms: ${String(input)}`, input);
  }
  return ms;
}
