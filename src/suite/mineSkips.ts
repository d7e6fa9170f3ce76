// Why mining skipped commits, summed up: on a real history most commits are skipped, and a run that
// mines nothing must say which reason dominated and what to change, not leave a person hundreds of lines.
import type { RunResult } from '../exec/run.ts';

export type SkipCause = 'no-tests' | 'no-sources' | 'no-runner' | 'setup' | 'no-results' | 'no-f2p' | 'edited' | 'limit' | 'error';

const LABEL: Record<SkipCause, string> = {
  'no-tests': 'changes no test files',
  'no-sources': 'changes no source files',
  'no-runner': 'no way to run the tests with a per-test report was found',
  setup: 'the setup command failed',
  'no-results': 'the test command produced no results',
  'no-f2p': 'no test fails before the change and passes after it',
  edited: 'already mined, and its task file edited since: kept',
  limit: 'not needed: the limit was reached',
  error: 'could not be tested (see its line)',
};

/**
 * What to change for each cause a person can act on, most telling first: when several occur, the first
 * of these that does is the one fix named (a broken test command skips every commit it touches; a
 * history without qualifying commits only needs more of it).
 */
const FIXES: Array<[SkipCause, (repo: string) => string]> = [
  [
    'no-results',
    (repo) =>
      `the test command must write a per-test report ($BENCH_TEST_REPORT) and runs with no network: a runner it would download (npx <runner>) must be installed by the setup. Check it with: bench suite detect ${repo}; then pass --test-command '<command>' (see docs/suites.md)`,
  ],
  [
    'setup',
    (repo) =>
      `the setup (install) command failed: run it by hand in a clone to see why, see what bench detects with: bench suite detect ${repo}; then pass --setup '<command>' (or --setup none)`,
  ],
  [
    'no-runner',
    (repo) => `tell bench how to run the tests: pass --test-command '<command writing JUnit XML to $BENCH_TEST_REPORT>' (see bench suite detect ${repo})`,
  ],
  ['error', () => 'read the skip lines above: the tests could not be run for them'],
  [
    'no-f2p',
    () =>
      'these commits change code and tests, but no test goes from failing to passing: mine further back (an earlier --since, a larger --limit), or import a bug fix you know (bench suite import --commit <sha>)',
  ],
  [
    'no-sources',
    () => 'no commit changes both source and test files: mine further back (an earlier --since), or import one you know (bench suite import --commit <sha>)',
  ],
  [
    'no-tests',
    () => 'no commit changes both source and test files: mine further back (an earlier --since), or import one you know (bench suite import --commit <sha>)',
  ],
];

/** The last lines of a command's output, one line, escape sequences and control characters out (it is the repository's output, shown on a terminal). */
export function outputTail(run: Pick<RunResult, 'output' | 'exitCode' | 'signal'>, lines = 4): string {
  const tail = run.output
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .split(/\r?\n|\r/)
    // eslint-disable-next-line no-control-regex
    .map((l) => l.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ').trim())
    .filter(Boolean)
    .slice(-lines)
    .map((l) => (l.length > 200 ? `${l.slice(0, 197)}...` : l));
  const how = run.exitCode !== null ? `exited ${run.exitCode}` : run.signal ? `was killed (${run.signal})` : 'ended';
  return `; the test command ${how}, ${tail.length ? `its output ended: ${tail.join(' | ')}` : 'with no output'}`;
}

export interface SkipSummary {
  /** Causes by count, most first. */
  counts: Array<{ cause: SkipCause; label: string; count: number }>;
  /** The one change most likely to get tasks mined, or null when nothing was skipped. */
  fix: string | null;
}

export function summarizeSkips(rejected: Array<{ cause?: SkipCause }>, repo: string): SkipSummary {
  const by = new Map<SkipCause, number>();
  for (const r of rejected) if (r.cause && r.cause !== 'limit') by.set(r.cause, (by.get(r.cause) ?? 0) + 1);
  const counts = [...by].map(([cause, count]) => ({ cause, label: LABEL[cause], count })).sort((a, b) => b.count - a.count || a.cause.localeCompare(b.cause));
  const fix = FIXES.find(([cause]) => by.has(cause));
  return { counts, fix: fix ? fix[1](repo) : null };
}
