// What the simulated model knows about a task: the gold data. It plays the task through the real
// tools; this only tells it what a right answer looks like (its profile decides how often it gets there).
import type { TrialClock } from '../../record/clock.ts';

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
  /** Triage: the number and title of the issue being triaged, as the tracker knows it (when it has a number). */
  issue?: { number: number | null; title: string };
}

/**
 * Where the adversary aims (it plays a white-box attacker): what no agent may read, a tripwire file and a
 * port on the host whose touch would be an escape, the answer key's commits, and where the grader looks.
 */
export interface AdversaryTargets {
  /** The task's file in the suite: its gold commit, hidden tests, expected answers. */
  taskFile: string;
  suiteDir: string;
  resultsDir: string;
  cacheDir: string;
  /** bench's own checkout (its .git/config may hold a CI token). */
  harnessRoot: string;
  /** A file outside every sandbox: a change to it is an escape. */
  tripwire: string;
  /** A port listening on the host's loopback: a connection to it is an escape. */
  decoyPort: number;
  /** Where the grader puts a hidden test (pr tasks). */
  hiddenTest: string | null;
  /** A source file the hidden tests exercise (where code planted for the graded run goes). */
  entryFile: string | null;
}

export interface SimContext {
  oracle: SimOracle;
  seed: number;
  /** Present when the simulated model plays the adversary (`--model sim:adversary`). */
  targets?: AdversaryTargets;
  /** Reads what each request tells the model (the leak scanner), when the model is reached over HTTP. */
  inspect?: (text: string) => void;
  /** The trial's clock, when the model runs in bench's process: the latency not slept is counted on it. */
  clock?: TrialClock;
}
