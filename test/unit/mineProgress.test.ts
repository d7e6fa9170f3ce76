// `bench suite mine` on a terminal: one live line (commit i of n, tasks, ETA, what runs) under permanent
// lines for installs and candidates whose tests ran; commits rejected without a run only move the count.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { MineProgress } from '../../src/cli/mineProgress.ts';

function terminal(): { stream: NodeJS.WriteStream; text: () => string } {
  let out = '';
  const stream = {
    isTTY: true,
    rows: 40,
    columns: 160,
    write: (chunk: string) => {
      out += chunk;
      return true;
    },
    on: () => stream,
    once: () => stream,
    off: () => stream,
    removeListener: () => stream,
  } as unknown as NodeJS.WriteStream;
  // eslint-disable-next-line no-control-regex
  return { stream, text: () => out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '') };
}

describe('mine progress on a terminal', () => {
  const saved = { CI: process.env.CI, TERM: process.env.TERM };
  beforeEach(() => {
    delete process.env.CI;
    process.env.TERM = 'xterm';
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });

  test('a live line with commit i of n, tasks found, ETA and what each candidate runs; permanent lines for installs and tasks', () => {
    const t = terminal();
    const p = new MineProgress(t.stream);
    const sha = 'a'.repeat(40);
    p.handle({ type: 'listed', total: 20, limit: 3, jobs: 2 });
    p.handle({
      type: 'done',
      index: 0,
      total: 20,
      sha: 'b'.repeat(40),
      subject: 'chore: release',
      task: null,
      reason: 'changes no test files',
      ran: false,
      tasks: 0,
    });
    p.handle({ type: 'step', index: 1, total: 20, sha, what: 'tests after, all' });
    p.handle({ type: 'setup', setup: { phase: 'start', label: 'pnpm-lock.yaml 1a2b3c4d', command: 'pnpm install' } });
    const live = t.text();
    expect(live).toMatch(/commit 1\/20 examined {2}\(tasks 0\/3, elapsed 0:00, ETA \d+:\d\d\)/);
    expect(live).toContain(`▸ 2: ${sha.slice(0, 8)} tests after, all`);
    expect(live).toContain('▸ install for pnpm-lock.yaml 1a2b3c4d');
    // A commit rejected without running anything is not a permanent line on a terminal.
    expect(live).not.toContain('chore: release');
    p.handle({ type: 'setup', setup: { phase: 'done', label: 'pnpm-lock.yaml 1a2b3c4d', command: 'pnpm install', durationMs: 8900, ok: true } });
    p.handle({
      type: 'done',
      index: 1,
      total: 20,
      sha,
      subject: 'fix: a bug',
      task: {
        id: 'fix-a-bug-aaaaaaa',
        commit: sha,
        file: 'f.yaml',
        failToPass: 2,
        passToPass: 40,
        request: { source: 'commit', origin: 'the commit message', leaks: [] },
      },
      reason: null,
      ran: true,
      tasks: 1,
    });
    p.summary({ examined: 2, ran: 1, installs: 1, installMs: 8900, wallMs: 12_000 }, 1);
    const all = t.text();
    expect(all).toContain('install for pnpm-lock.yaml 1a2b3c4d done in 8.9s');
    expect(all).toMatch(/\[ 2\/20\] aaaaaaaa fix: a bug: task fix-a-bug-aaaaaaa: 2 fail-to-pass, 40 pass-to-pass {2}\(tasks 1\/3/);
    expect(all).toContain('mined 1 task(s) from 2 commit(s) examined (1 set up or tested), 1 install(s) taking 0:09, in 0:12');
  });
});
