// What the simulated model knows about a task: the gold data. It plays the task through the real
// tools; this only tells it what a right answer looks like (its profile decides how often it gets there).

export interface SimFileChange {
  path: string;
  status: 'added' | 'modified' | 'deleted';
  /** Whole file before and after the gold change ('' when absent). */
  before: string;
  after: string;
  /** Unified-diff hunks of the gold change: lines start with ' ', '-' or '+'. */
  hunks: string[][];
  /** A test file (the hidden tests): written only when the agent decides to add tests. */
  isTest: boolean;
}

export interface SimOracle {
  taskId: string;
  kind: 'pr' | 'docs' | 'triage';
  request: string;
  changes: SimFileChange[];
  /** The command a developer runs for the tests (e.g. `npm test`). */
  testCommand: string;
  /** Existing files outside the task's allowed paths, where an overreaching agent might write. */
  outOfScope: string[];
  /** Triage: the right answer (the model gets each field right at its skill rate). */
  answer?: { labels: string[]; priority: 'p0' | 'p1' | 'p2' | 'p3'; component: string; duplicate_of: number | null; needs_info: boolean };
  /** Triage: files worth reading (the issue export, label list). */
  context?: string[];
}

export interface SimContext {
  oracle: SimOracle;
  seed: number;
}
