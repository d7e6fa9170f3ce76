// `bench init` in a user's repository: suites mined and validated, workflow templates copied, the next
// command printed, and that command runs.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { bench } from '../helpers/cli.ts';
import { tmp } from '../helpers/fixtures.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('bench init', () => {
  test('in a clone of a repository: validated pr and docs suites, the two workflows, and a next command that runs', async () => {
    const repo = join(tmp('bench-init-'), 'durations');
    execFileSync('git', ['clone', '-q', join(ROOT, 'suites', 'repos', 'durations.bundle'), repo]);
    const first = await bench(['init', '--limit', '1'], { cwd: repo });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^pr +bench\/pr +1\/1 tasks valid$/m);
    expect(first.stdout).toMatch(/^docs +bench\/docs +1\/1 tasks valid$/m);
    expect(first.stderr).toMatch(/no triage suite: pass --issues <file> written by: gh issue list /);
    const suite = parse(readFileSync(join(repo, 'bench', 'pr', 'suite.yaml'), 'utf8')) as { workflows: string[] };
    expect(suite.workflows).toEqual(['../workflows/broad', '../workflows/roles']);
    for (const w of ['broad', 'roles']) expect(existsSync(join(repo, 'bench', 'workflows', w, 'bench.toml'))).toBe(true);

    // The printed command works as printed, from where init ran.
    const next = /^ {2}bench (replay .*)$/m.exec(first.stdout)![1]!.split(' ');
    const fast = join(repo, '..', 'fast.yaml');
    writeFileSync(fast, 'latency: {time_scale: 0}\n');
    const replay = await bench([...next, '--limit', '1', '--sim-profile', fast, '--out', join(repo, '..', 'results')], { cwd: repo });
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toMatch(/^broad +1 /m);
    expect(replay.stdout).toMatch(/^roles +1 /m);

    // A second init keeps what the user edited.
    writeFileSync(join(repo, 'bench', 'workflows', 'roles', 'bench.toml'), '# edited\n', { flag: 'a' });
    const again = await bench(['init', '--limit', '1'], { cwd: repo });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/workflow roles: .* is there already, kept/);
    expect(readFileSync(join(repo, 'bench', 'workflows', 'roles', 'bench.toml'), 'utf8')).toMatch(/# edited\n$/);
  });

  test('outside a git checkout: exit 2 naming the folder and the fix', async () => {
    const dir = tmp('bench-init-none-');
    const r = await bench(['init', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${dir}: not a git checkout`);
    expect(r.stderr).toMatch(/fix: run bench init in/);
  });
});
