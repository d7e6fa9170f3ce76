// Bad input is the user's to fix: every such error names the file, the field (and line where known)
// and the fix. The CLI prints it and exits 2; anything already recorded stays on disk.

export interface InputErrorDetails {
  file?: string;
  line?: number;
  field?: string;
  fix?: string;
}

export class InputError extends Error {
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  readonly fix?: string;

  constructor(message: string, details: InputErrorDetails = {}) {
    super(message);
    this.name = 'InputError';
    this.file = details.file;
    this.line = details.line;
    this.field = details.field;
    this.fix = details.fix;
  }

  /** One block of text for a terminal: `file:line: field: message` then `fix: ...`. */
  format(): string {
    const where = [this.file && (this.line ? `${this.file}:${this.line}` : this.file), this.field].filter(Boolean).join(': ');
    const head = where ? `${where}: ${this.message}` : this.message;
    return this.fix ? `${head}\n  fix: ${this.fix}` : head;
  }
}

/** Several input errors found in one pass (e.g. every bad task file of a suite), reported together. */
export class InputErrors extends InputError {
  readonly errors: InputError[];
  constructor(errors: InputError[]) {
    super(`${errors.length} problem${errors.length === 1 ? '' : 's'} found`);
    this.errors = errors;
  }
  override format(): string {
    return this.errors.map((e) => e.format()).join('\n');
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
