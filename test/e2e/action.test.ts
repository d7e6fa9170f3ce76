// The GitHub Action (action.yml) cannot rot silently: it is valid YAML of a composite action, its inputs
// and step outputs are declared where they are used, no input is pasted into a script (injection), every
// `bench` command and flag it calls exists (asked of `bench <command> --help`); and its steps, run in
// order as the runner would (bash, GITHUB_OUTPUT, GITHUB_PATH, expressions), replay a small suite on the
// simulated model, write the reports, gate, post and then update one PR comment on a fake GitHub API,
// and fail the job with the gate's exit code only after commenting.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { GateVerdict } from '../../src/gate/verdict.ts';
import { BENCH, bench } from '../helpers/cli.ts';
import { fakeGitHub, type FakeGitHub } from '../helpers/fakeGitHub.ts';
import { tmp } from '../helpers/fixtures.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const ACTION_FILE = join(ROOT, 'action.yml');

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  with?: Record<string, string>;
  shell?: string;
  run?: string;
  env?: Record<string, string>;
  'working-directory'?: string;
}
interface Action {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(readFileSync(ACTION_FILE, 'utf8')) as Action;

/** `bench ...` command lines of a script: [subcommand words, flags]. */
function benchCommands(script: string): Array<{ words: string[]; flags: string[]; line: string }> {
  const out: Array<{ words: string[]; flags: string[]; line: string }> = [];
  for (const raw of script.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('bench ')) continue;
    const tokens = line.split(/\s+/).slice(1);
    const words: string[] = [];
    for (const t of tokens) {
      if (!/^[a-z][a-z-]*$/.test(t)) break;
      words.push(t);
    }
    out.push({ words, flags: tokens.filter((t) => /^--?[a-z][\w-]*$/.test(t)), line });
  }
  return out;
}

describe('action.yml', () => {
  test('is a composite action whose every step says how it runs', () => {
    expect(action.name).toBeTruthy();
    expect(action.description).toBeTruthy();
    expect(action.runs.using).toBe('composite');
    for (const s of action.runs.steps) {
      expect(!!s.run !== !!s.uses, `${s.name}: run or uses`).toBe(true);
      if (s.run) expect(s.shell, `${s.name} needs a shell in a composite action`).toBe('bash');
    }
    for (const required of ['suite', 'workflows', 'policy', 'model', 'args', 'github-token', 'comment']) expect(action.inputs).toHaveProperty(required);
  });

  test('inputs and step outputs are declared where they are used; no expression is pasted into a script', () => {
    const text = readFileSync(ACTION_FILE, 'utf8');
    for (const [, name] of text.matchAll(/inputs\.([\w-]+)/g)) expect(action.inputs, `inputs.${name}`).toHaveProperty(name!);
    const ids = new Map(action.runs.steps.filter((s) => s.id).map((s) => [s.id!, s]));
    for (const [, id, out] of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      expect(ids.has(id!), `steps.${id}`).toBe(true);
      expect(ids.get(id!)!.run, `steps.${id}.outputs.${out}`).toMatch(new RegExp(`"${out}=`));
    }
    // An input (a PR title, a branch name) inside run: would be shell code: they go through env.
    for (const s of action.runs.steps) if (s.run) expect(s.run, s.name).not.toContain('${{');
  });

  test('every bench command and flag it calls exists (bench <command> --help)', async () => {
    const steps = action.runs.steps.filter((s) => s.run && benchCommands(s.run).length);
    const seen = new Set<string>();
    for (const s of steps) {
      const cmds = benchCommands(s.run!);
      // Flags put in bash arrays (workflows+=(--workflow "$w")) belong to the step's one bench command.
      if (cmds.length === 1) cmds[0]!.flags.push(...[...s.run!.matchAll(/\(\s*(--[a-z][\w-]*)/g)].map((m) => m[1]!));
      for (const c of cmds) {
        expect(c.words.length, c.line).toBeGreaterThan(0);
        const help = await bench([...c.words, '--help']);
        expect(help.code, `bench ${c.words.join(' ')} --help`).toBe(0);
        expect(help.stdout).toMatch(new RegExp(`^Usage: bench ${c.words.join(' ')} `));
        for (const f of c.flags) expect(help.stdout, `${c.line}: ${f}`).toMatch(new RegExp(`(^|[\\s,])${f}([\\s,=]|$)`, 'm'));
        seen.add(c.words.join(' '));
      }
    }
    expect([...seen].sort()).toEqual(['ci comment', 'gate', 'replay', 'report']);
    // The check can fail: an unknown command shows bench's own usage, not its own.
    expect((await bench(['nosuch', '--help'])).stdout).not.toMatch(/^Usage: bench nosuch /);
  });
});

// ---- running the action's steps as the runner would ----

interface Ctx {
  inputs: Record<string, string>;
  github: Record<string, unknown>;
  steps: Record<string, { outputs: Record<string, string> }>;
}

function lookup(ctx: Ctx, path: string): unknown {
  let v: unknown = ctx;
  for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** The expressions this action uses: context paths, string literals, ==, !=, &&, ||. */
function evaluate(expr: string, ctx: Ctx): unknown {
  const js = expr.replace(/'([^']*)'|(==|!=)|([A-Za-z_][\w-]*(?:\.[\w-]+)*)/g, (_m, str: string | undefined, op: string | undefined, path: string) => {
    if (str !== undefined) return JSON.stringify(str);
    if (op) return `${op}=`;
    if (path === 'true' || path === 'false') return path;
    return JSON.stringify(lookup(ctx, path) ?? null);
  });
  return new Function(`return (${js});`)() as unknown;
}

const interpolate = (s: string, ctx: Ctx) => s.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_m, e: string) => String(evaluate(e, ctx) ?? ''));

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

interface ActionRun {
  code: number;
  steps: Array<{ name: string; code: number; skipped: boolean; stdout: string; stderr: string }>;
  outputs: Record<string, string>;
}

/** Runs the action's steps in `workspace`, like the runner: stops at the first failing step (no step here runs on failure). */
async function runAction(inputs: Record<string, string>, env: NodeJS.ProcessEnv, workspace: string, event: unknown): Promise<ActionRun> {
  const temp = tmp('bench-runner-temp-');
  const eventPath = join(temp, 'event.json');
  writeFileSync(eventPath, JSON.stringify(event));
  const defaults = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, v.default ?? '']));
  const ctx: Ctx = { inputs: {}, github: { action_path: ROOT, token: 'unused-default-token', event }, steps: {} };
  ctx.inputs = Object.fromEntries(Object.entries({ ...defaults, ...inputs }).map(([k, v]) => [k, interpolate(v, ctx)]));
  const pathFile = join(temp, 'path');
  writeFileSync(pathFile, '');
  const result: ActionRun = { code: 0, steps: [], outputs: {} };
  for (const [i, s] of action.runs.steps.entries()) {
    const name = s.name ?? `step ${i}`;
    if (s.if && !evaluate(s.if, ctx)) {
      result.steps.push({ name, code: 0, skipped: true, stdout: '', stderr: '' });
      continue;
    }
    if (s.uses) throw new Error(`${name} (${s.uses}) would run: the test runs no marketplace action`);
    // Never npm ci here (the shared node_modules is already installed); the step is checked, not run.
    if (/^npm ci\b/.test(s.run!.trim())) {
      result.steps.push({ name, code: 0, skipped: true, stdout: '', stderr: '' });
      continue;
    }
    const output = join(temp, `output-${i}`);
    writeFileSync(output, '');
    const extraPath = readFileSync(pathFile, 'utf8').split('\n').filter(Boolean).reverse();
    const script = join(temp, `step-${i}.sh`);
    writeFileSync(script, s.run!);
    // Asynchronously: the fake GitHub API answers from this process.
    const p = await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd: s['working-directory'] ? interpolate(s['working-directory'], ctx) : workspace,
      env: {
        ...process.env,
        ...env,
        PATH: [...extraPath, process.env.PATH].join(':'),
        GITHUB_ACTIONS: 'true',
        GITHUB_ACTION_PATH: ROOT,
        GITHUB_OUTPUT: output,
        GITHUB_PATH: pathFile,
        GITHUB_EVENT_PATH: eventPath,
        RUNNER_TEMP: temp,
        ...Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, interpolate(v, ctx)])),
      },
    });
    const outputs = Object.fromEntries(
      readFileSync(output, 'utf8')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    if (s.id) ctx.steps[s.id] = { outputs };
    result.steps.push({ name, code: p.status ?? 1, skipped: false, stdout: p.stdout, stderr: p.stderr });
    if (p.status !== 0) {
      result.code = p.status ?? 1;
      break;
    }
  }
  result.outputs = Object.fromEntries(Object.entries(action.outputs).map(([k, v]) => [k, interpolate(v.value, ctx)]));
  return result;
}

describe('the action, run step by step', { timeout: 300_000 }, () => {
  const REPO = 'acme/plugin';
  const TOKEN = 'ghs_ACTIONtoken_never_printed_42';
  let gh: FakeGitHub;
  let workspace = '';
  let env: NodeJS.ProcessEnv = {};
  let fast = '';
  let strict = '';
  const event = { pull_request: { number: 9 } };

  beforeAll(async () => {
    gh = await fakeGitHub(REPO, 9);
    workspace = tmp('bench-action-workspace-');
    fast = join(workspace, 'fast.yaml');
    writeFileSync(fast, 'latency: {time_scale: 0}\n');
    strict = join(workspace, 'strict.yaml');
    writeFileSync(strict, 'candidate: roles\nbaseline: broad\nmin_trials: 1\nrules:\n  - metric: cost_per_task\n    max: 0\n');
    mkdirSync(join(workspace, 'summary'), { recursive: true });
    env = { GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: REPO, GITHUB_EVENT_NAME: 'pull_request', GITHUB_STEP_SUMMARY: join(workspace, 'summary', 'step.md') };
    writeFileSync(env.GITHUB_STEP_SUMMARY!, '');
  });
  afterAll(() => gh.close());

  const inputs = (over: Record<string, string>) => ({
    suite: join(ROOT, 'suites', 'pr'),
    policy: join(ROOT, 'suites', 'gate.yaml'),
    args: `--limit 1 --sim-profile ${fast}`,
    'github-token': TOKEN,
    'node-version': '', // this machine's node runs bench: no actions/setup-node here
    ...over,
  });
  const printed = (r: ActionRun) => r.steps.map((s) => s.stdout + s.stderr).join('\n');

  test('a passing gate: reports written, one comment posted, the job passes', async () => {
    const r = await runAction(inputs({ 'run-id': 'first' }), env, workspace, event);
    expect(r.code, printed(r)).toBe(0);
    expect(r.steps.map((s) => `${s.name}${s.skipped ? ' (skipped)' : ''}`)).toEqual([
      'Set up Node.js (skipped)',
      'Install bench (skipped)',
      'Put bench on PATH',
      'bench replay',
      'bench report',
      'bench gate',
      'Comment on the pull request',
      'Gate verdict',
    ]);
    expect(r.outputs).toMatchObject({ passed: 'true', 'exit-code': '0', 'run-dir': 'results/first', 'report-dir': 'reports/first' });
    for (const f of ['index.html', 'summary.md', 'trials.xml', 'gate.json', 'gate.md', 'gate.xml'])
      expect(existsSync(join(workspace, 'reports', 'first', f)), f).toBe(true);
    const verdict = GateVerdict.parse(JSON.parse(readFileSync(join(workspace, 'reports', 'first', 'gate.json'), 'utf8')));
    expect(verdict.passed).toBe(true);
    expect(verdict.trials.recorded).toBe(2);
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toMatch(/^<!-- bench-gate -->\n## bench gate: ✅ passed[\s\S]*## bench: pr first/);
    expect(readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8')).toMatch(/## bench: pr first[\s\S]*## bench gate: ✅ passed/);
    expect(printed(r)).not.toContain(TOKEN);
  });

  test('a failing gate: the comment is updated first, then the job fails with exit 1', async () => {
    const before = gh.requests.length;
    const r = await runAction(inputs({ 'run-id': 'second', policy: strict }), env, workspace, event);
    expect(r.code, printed(r)).toBe(1);
    expect(r.steps.at(-1)).toMatchObject({ name: 'Gate verdict', code: 1 });
    expect(r.steps.find((s) => s.name === 'Comment on the pull request')).toMatchObject({ code: 0, skipped: false });
    expect(r.steps.at(-1)!.stdout).toMatch(/^::error title=bench gate::the gate failed \(exit 1\)/m);
    expect(r.outputs).toMatchObject({ passed: 'false', 'exit-code': '1' });
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toMatch(/^<!-- bench-gate -->\n## bench gate: ❌ failed[\s\S]*cost\\_per\\_task \\<= 0[\s\S]*## bench: pr second/);
    expect(gh.requests.slice(before).map((q) => q.method)).toEqual(['GET', 'PATCH']);
    expect(gh.requests.every((q) => q.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(printed(r)).not.toContain(TOKEN);
  });

  test('a push event, or comment: false: no comment; bad input fails the job at once with exit 2', async () => {
    const before = gh.requests.length;
    // The run of the first test again (--resume: nothing left to replay), on a push: no PR to comment on.
    const again = `--limit 1 --sim-profile ${fast} --resume`;
    const push = await runAction(inputs({ 'run-id': 'first', args: again }), env, workspace, { ref: 'refs/heads/main' });
    expect(push.code, printed(push)).toBe(0);
    expect(push.steps.find((s) => s.name === 'Comment on the pull request')).toMatchObject({ skipped: true });
    // A bad policy on a PR with comment: false: the gate step itself fails with 2, and nothing is posted.
    const badPolicy = join(workspace, 'bad.yaml');
    writeFileSync(badPolicy, 'rules:\n  - metric: p95_latncy\n    max: 2\n');
    const bad = await runAction(inputs({ 'run-id': 'first', args: again, policy: badPolicy, comment: 'false' }), env, workspace, event);
    expect(bad.code, printed(bad)).toBe(2);
    expect(bad.steps.at(-1)).toMatchObject({ name: 'bench gate', code: 2 });
    expect(bad.steps.at(-1)!.stderr).toMatch(/p95_latncy/);
    expect(bad.outputs['exit-code']).toBe('2');
    // An unknown flag in `args` is bad input to replay.
    const typo = await runAction(inputs({ 'run-id': 'third', args: `--limit 1 --sim-profile ${fast} --repeats 2` }), env, workspace, event);
    expect(typo.code).toBe(2);
    expect(typo.steps.at(-1)).toMatchObject({ name: 'bench replay', code: 2 });
    expect(gh.requests.length).toBe(before);
  });
});

test('the action runs bench from its own folder, whatever the working directory', () => {
  const put = action.runs.steps.find((s) => s.name === 'Put bench on PATH')!;
  const temp = tmp('bench-runner-temp-');
  const pathFile = join(temp, 'path');
  writeFileSync(pathFile, '');
  execFileSync('bash', ['-eo', 'pipefail', '-c', put.run!], {
    cwd: tmp(),
    env: { ...process.env, RUNNER_TEMP: temp, GITHUB_PATH: pathFile, GITHUB_ACTION_PATH: ROOT },
  });
  const bin = readFileSync(pathFile, 'utf8').trim();
  expect(readFileSync(join(bin, 'bench'), 'utf8')).toContain(BENCH.replace(`${ROOT}/`, ''));
  expect(execFileSync(join(bin, 'bench'), ['--version'], { cwd: tmp(), encoding: 'utf8' }).trim()).toMatch(/^\d+\.\d+\.\d+$/);
});
