// The subreaper wrapper for real: commands that leave their process group (setsid, set -m, double forks,
// nohup, env -i) leave nothing behind under it, and killMarked sweeps what escapes even the wrapper.
// Every escapee is `sleep <a unique duration>`, so it is found by its argv even without the marker.
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { findReaper, killMarked, perlReaper, pythonReaper, type Reaper } from '../../src/exec/reaper.ts';
import { runProcess, type RunOptions, type RunResult } from '../../src/exec/run.ts';
import { tmp } from '../helpers/fixtures.ts';

const linux = process.platform === 'linux';
const MARK = 'BENCH_REAPER_TEST';

interface Trace {
  /** NAME=VALUE in the environment of every command the test runs. */
  marker: string;
  /** The escapees' argument to sleep. */
  dur: string;
}

/** Running (a zombie waiting to be reaped counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

interface Seen {
  pid: number;
  /** Runs `sleep <dur>` (or is about to: setsid, nohup and env exec it). */
  escapee: boolean;
  /** Its environment holds the marker. */
  marked: boolean;
}

/** Live processes that are escapees of the trace or carry its marker (the wrapper and the command included). */
function scan(t: Trace): Seen[] {
  const argv = `\0sleep\0${t.dur}\0`;
  const env = `\0${t.marker}\0`;
  const found: Seen[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!/^\d+$/.test(name) || pid === process.pid) continue;
    try {
      const escapee = `\0${readFileSync(`/proc/${name}/cmdline`, 'latin1')}`.includes(argv);
      const marked = `\0${readFileSync(`/proc/${name}/environ`, 'latin1')}`.includes(env);
      if ((escapee || marked) && alive(pid)) found.push({ pid, escapee, marked });
    } catch {
      // Gone already.
    }
  }
  return found;
}

const traced = (t: Trace): number[] => scan(t).map((s) => s.pid);
const escapees = (t: Trace): number[] => scan(t).flatMap((s) => (s.escapee ? [s.pid] : []));

const sleepMs = (ms: number) => new Promise((res) => setTimeout(res, ms));

async function until(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleepMs(10)) if (check()) return true;
  return check();
}

describe.skipIf(!linux)('subreaper wrapper', () => {
  const traces: Trace[] = [];
  const trace = (): Trace => {
    const t = { marker: `${MARK}=${randomBytes(8).toString('hex')}`, dur: `${randomInt(1000, 9000)}.${randomInt(100_000, 999_999)}` };
    traces.push(t);
    return t;
  };
  afterEach(() => {
    for (const t of traces.splice(0)) {
      killMarked(t.marker);
      for (const pid of traced(t)) process.kill(pid, 'SIGKILL');
    }
  });

  const run = (t: Trace, argv: readonly string[], opts: Partial<RunOptions> = {}): Promise<RunResult> =>
    runProcess(argv, { cwd: tmp('bench-reaper-'), env: { ...process.env, [MARK]: t.marker.split('=')[1] }, timeoutMs: 10_000, ...opts });

  /** Runs `script` under `reaper`, noting the escapees seen while it runs (so a test cannot pass because none started). */
  async function observed(reaper: Reaper, t: Trace, script: string, opts: Partial<RunOptions> = {}) {
    const seen = new Set<number>();
    /** Escapees seen without the marker in their environment. */
    const bare = new Set<number>();
    let done = false;
    const watch = (async () => {
      while (!done) {
        for (const s of scan(t)) {
          if (s.escapee) seen.add(s.pid);
          if (s.escapee && !s.marked) bare.add(s.pid);
        }
        await sleepMs(5);
      }
    })();
    const res = await run(t, reaper.wrap(['bash', '-c', script]), opts);
    done = true;
    await watch;
    return { res, seen: [...seen], bare: [...bare] };
  }

  test('a subreaper is available on this Linux machine, perl first', () => {
    const r = findReaper();
    expect(r, 'neither perl nor python3 (ctypes) can set PR_SET_CHILD_SUBREAPER here').not.toBeNull();
    expect(r!.detail).toMatch(/^(perl|python3) subreaper \(\//);
    if (perlReaper()) expect(r!.detail).toMatch(/^perl/);
  });

  test('wrap appends the command to the wrapper and keeps its argv as given', () => {
    const r = findReaper()!;
    const argv = ['bash', '-c', 'echo "$1"', '-', 'a b'] as const;
    const wrapped = r.wrap(argv);
    expect(wrapped.slice(-argv.length)).toEqual(argv);
    expect(wrapped.length).toBeGreaterThan(argv.length);
    expect(() => r.wrap([])).toThrow(/empty/);
  });

  const reapers = linux ? [perlReaper(), pythonReaper()].filter((r): r is Reaper => r !== null) : [];
  describe.each(reapers.map((r) => [r.detail.split(' (')[0]!, r] as const))('%s', (_name, reaper) => {
    const escapes: Array<[string, (dur: string) => string]> = [
      ['setsid sleep &', (d) => `setsid sleep ${d} & sleep 0.2`],
      ['(setsid nohup sleep >/dev/null 2>&1 &)', (d) => `(setsid nohup sleep ${d} >/dev/null 2>&1 &); sleep 0.2`],
      ['a double fork: bash -c "(sleep &) &"', (d) => `bash -c '(sleep ${d} &) &'; sleep 0.2`],
      ['set -m; sleep & disown', (d) => `set -m; sleep ${d} & disown; sleep 0.2`],
    ];
    test.each(escapes)('leaves nothing behind: %s', async (_label, script) => {
      const t = trace();
      const { res, seen } = await observed(reaper, t, script(t.dur));
      expect(res.exitCode, res.output).toBe(0);
      expect(seen.length).toBeGreaterThan(0);
      expect(traced(t)).toEqual([]);
      expect(seen.filter(alive)).toEqual([]);
    });

    test('leaves nothing behind: setsid env -i sleep &, which drops the marker (only the subreaper catches it)', async () => {
      const t = trace();
      const { res, seen, bare } = await observed(reaper, t, `setsid env -i sleep ${t.dur} & sleep 0.2`);
      expect(res.exitCode, res.output).toBe(0);
      expect(bare.length).toBeGreaterThan(0);
      expect(traced(t)).toEqual([]);
      expect(seen.filter(alive)).toEqual([]);
    });

    test('when the process that started it is SIGKILLed, the command and everything it started go too', async () => {
      const t = trace();
      const which = reaper.detail.startsWith('perl') ? 'perlReaper' : 'pythonReaper';
      // A stand-in for bench: it starts the command under the wrapper and is then killed outright.
      const script = [
        `import { ${which} } from ${JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'exec', 'reaper.ts'))};`,
        "import { spawn } from 'node:child_process';",
        `const argv = ${which}().wrap(['bash', '-c', ${JSON.stringify(`setsid sleep ${t.dur} & sleep ${t.dur}`)}]);`,
        "spawn(argv[0], argv.slice(1), { stdio: 'ignore' });",
        'setInterval(() => {}, 1000);',
      ].join('\n');
      const bench = spawn(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, [MARK]: t.marker.split('=')[1] },
        stdio: 'ignore',
      });
      expect(await until(() => escapees(t).length === 2, 5000)).toBe(true);
      bench.kill('SIGKILL');
      expect(await until(() => traced(t).length === 0, 5000), `left: ${traced(t).join(', ')}`).toBe(true);
    });

    test('an escapee still running when the command exits at once is caught (no grace for the race)', async () => {
      const t = trace();
      const res = await run(t, reaper.wrap(['bash', '-c', `setsid sleep ${t.dur} & (setsid sleep ${t.dur} &)`]));
      expect(res.exitCode).toBe(0);
      expect(traced(t)).toEqual([]);
    });

    test('on timeout the escapees go too; one that ignores SIGTERM is SIGKILLed after a short grace', async () => {
      const t = trace();
      const started = Date.now();
      const { res, seen } = await observed(reaper, t, `setsid sleep ${t.dur} & setsid bash -c 'trap "" TERM; sleep ${t.dur}; :' & sleep 30`, {
        timeoutMs: 300,
      });
      expect(res.timedOut).toBe(true);
      expect(res.exitCode).toBe(128 + 15); // the wrapper was told to stop by SIGTERM
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(traced(t)).toEqual([]);
      // Well before runProcess's SIGKILL of the group (2 s after the SIGTERM), which would not reach them.
      expect(Date.now() - started).toBeLessThan(1800);
    });

    test("the command's exit code passes through; death by signal N is 128+N", async () => {
      const t = trace();
      expect((await run(t, reaper.wrap(['bash', '-c', 'exit 7']))).exitCode).toBe(7);
      expect((await run(t, reaper.wrap(['bash', '-c', 'kill -TERM $$']))).exitCode).toBe(143);
      expect((await run(t, reaper.wrap(['bash', '-c', 'kill -KILL $$']))).exitCode).toBe(137);
      expect((await run(t, reaper.wrap(['true']))).exitCode).toBe(0);
    });

    test('stdout, stderr and stdin pass through; argv and the environment arrive unchanged', async () => {
      const t = trace();
      const res = await run(
        t,
        reaper.wrap(['bash', '-c', 'echo out; echo err >&2; tr a-z A-Z; printf "[%s]" "$@"; echo; echo "$' + MARK + '"', '-', 'a b', '-x', '']),
        {
          input: 'from stdin\n',
        },
      );
      expect(res.exitCode).toBe(0);
      expect(res.stdout).toBe(`out\nFROM STDIN\n[a b][-x][]\n${t.marker.split('=')[1]}\n`);
      expect(res.stderr).toBe('err\n');
      const env = await run(t, reaper.wrap(['env']), { env: { PATH: process.env.PATH, ONLY: 'this', PERL5OPT: '-Mno::such::module', PYTHONPATH: '/x' } });
      expect(env.stdout.trim().split('\n').sort()).toEqual(['ONLY=this', `PATH=${process.env.PATH}`, 'PERL5OPT=-Mno::such::module', 'PYTHONPATH=/x']);
    });

    test('SIGPIPE keeps its default disposition in the command', async () => {
      const t = trace();
      const res = await run(t, reaper.wrap(['bash', '-c', 'yes | head -1; echo "${PIPESTATUS[0]}"']));
      expect(res.stdout).toBe('y\n141\n');
    });

    test('a program that cannot be run is exit code 127 with a message', async () => {
      const t = trace();
      const res = await run(t, reaper.wrap(['definitely-not-a-program-xyz']));
      expect(res.exitCode).toBe(127);
      expect(res.stderr).toMatch(/definitely-not-a-program-xyz/);
    });

    test('a wrapper killed outright orphans its escapees to init; killMarked finds them by the marker', async () => {
      const t = trace();
      let wrapper = 0;
      const running = run(t, reaper.wrap(['bash', '-c', `setsid sleep ${t.dur} >/dev/null 2>&1 & sleep 30`]), { onSpawn: (pid) => (wrapper = pid) });
      expect(await until(() => escapees(t).length > 0, 2000)).toBe(true);
      process.kill(wrapper, 'SIGKILL');
      const res = await running;
      expect(res.signal).toBe('SIGKILL');
      expect(traced(t)).toEqual(escapees(t));
      expect(escapees(t).length).toBe(1);
      expect(killMarked(t.marker)).toBe(1);
      expect(await until(() => traced(t).length === 0, 1000)).toBe(true);
    });
  });
});

describe.skipIf(!linux)('without the wrapper, and killMarked', () => {
  const traces: Trace[] = [];
  const children: number[] = [];
  afterEach(() => {
    for (const t of traces.splice(0)) {
      killMarked(t.marker);
      for (const pid of traced(t)) process.kill(pid, 'SIGKILL');
    }
    for (const pid of children.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  const trace = (value = randomBytes(8).toString('hex')): Trace => {
    const t = { marker: `${MARK}=${value}`, dur: `${randomInt(1000, 9000)}.${randomInt(100_000, 999_999)}` };
    traces.push(t);
    return t;
  };

  test('a plain runProcess leaves a setsid escapee running (what the wrapper is for); killMarked removes it', async () => {
    const t = trace();
    // The pause lets setsid leave the group before the command exits and runProcess kills the group.
    const res = await runProcess(['bash', '-c', `setsid sleep ${t.dur} >/dev/null 2>&1 & sleep 0.2`], {
      cwd: tmp('bench-reaper-'),
      env: { ...process.env, [MARK]: t.marker.split('=')[1] },
    });
    expect(res.exitCode).toBe(0);
    await sleepMs(100);
    expect(escapees(t).length).toBe(1);
    expect(killMarked(t.marker)).toBe(1);
    expect(await until(() => traced(t).length === 0, 1000)).toBe(true);
  });

  test('killMarked kills the processes whose environment holds exactly NAME=VALUE, and no others', async () => {
    const t = trace();
    const start = (value: string | undefined) => {
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
      if (value !== undefined) env[MARK] = value;
      const child = spawn('sleep', [t.dur], { env, detached: true, stdio: 'ignore' });
      children.push(child.pid!);
      return child.pid!;
    };
    const value = t.marker.split('=')[1]!;
    const marked = [start(value), start(value)];
    const others = [start(`${value}x`), start(value.slice(1)), start(undefined)];
    await until(() => [...marked, ...others].every((pid) => readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('sleep\0')), 2000);
    expect(killMarked(t.marker)).toBe(2);
    expect(await until(() => !marked.some(alive), 1000)).toBe(true);
    expect(others.filter(alive)).toEqual(others);
    expect(killMarked(t.marker)).toBe(0);
    expect(() => killMarked('no-equals-sign')).toThrow(/NAME=VALUE/);
  });
});
