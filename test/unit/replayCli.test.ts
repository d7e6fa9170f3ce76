import { describe, expect, test } from 'vitest';
import { resumeCommand } from '../../src/cli/replay.ts';

describe('the command a replay prints to finish or retry it', () => {
  test('keeps every flag as given, replaces the run id and resume flags', () => {
    expect(resumeCommand(['replay', 'suites/pr', '--limit', '2', '--out', 'my results', '--run-id=old', '--resume'], 'r1')).toBe(
      "bench replay suites/pr --limit 2 --out 'my results' --run-id r1 --resume",
    );
    expect(
      resumeCommand(['replay', 'suites/pr', '--task', 'a', '--run-id', 'r1', '--retry-errors', 'infra_error,timeout', '--seed', '3'], 'r1', ['--retry-errors']),
    ).toBe('bench replay suites/pr --task a --seed 3 --run-id r1 --resume --retry-errors');
    expect(resumeCommand(['replay', "it's", '--retry-errors=timeout'], 'x')).toBe("bench replay 'it'\\''s' --run-id x --resume");
  });
});
