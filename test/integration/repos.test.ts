import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildRepo } from '../../suites/repos/build.ts';
import { tmp } from '../helpers/fixtures.ts';

const heads = (bundle: string) =>
  Object.fromEntries(
    execFileSync('git', ['bundle', 'list-heads', bundle], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.split(' ').reverse()),
  );

describe('shipped example repositories', () => {
  test.each(['durations', 'taskbox', 'verso'])('the %s bundle rebuilds from its sources with the same commit ids', (name) => {
    const out = join(tmp(), `${name}.bundle`);
    buildRepo(name, out);
    const shipped = heads(join(import.meta.dirname, '..', '..', 'suites', 'repos', `${name}.bundle`));
    expect(heads(out)).toEqual(shipped);
    expect(Object.keys(shipped)).toContain('refs/tags/v0.1.0');
  });
});
