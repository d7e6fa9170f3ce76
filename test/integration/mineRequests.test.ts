// Requests that read like issues: mining a repository made here, with a pull-request export and an
// issue export written here, offline (--model sim) and over the wire (a loopback server speaking
// the real Responses and Chat Completions protocols, reached through the openai client).
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { detectSandbox, type SandboxBackend } from '../../src/control/sandbox.ts';
import { ModelBackend } from '../../src/model/backend.ts';
import { SimProfile } from '../../src/model/sim/profile.ts';
import { SimResponder } from '../../src/model/sim/respond.ts';
import { SimServer } from '../../src/model/sim/server.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { mine } from '../../src/suite/mine.ts';
import { bench } from '../helpers/cli.ts';
import { CALC_GOLD_FILES, calcFixture, commit, git, tmp } from '../helpers/fixtures.ts';

const sandbox = detectSandbox('auto') as SandboxBackend;
const cacheDir = process.env.BENCH_CACHE_DIR!;
const FAST = SimProfile.parse({ latency: { time_scale: 0 } });

const MATH_SUB = (src: string) =>
  `${src}\nfunction subtractInternal(a, b) {\n  return a - b;\n}\n\nexport function sub(a, b) {\n  return subtractInternal(a, b);\n}\n`;
const MATH_CHECKED = (src: string) =>
  `import { MAX_SAFE } from './limits.js';\n${src}`.replace(
    'export function add(a, b) {\n  return a + b;\n}',
    "function checkFinite(x) {\n  if (!Number.isFinite(x) || Math.abs(x) > MAX_SAFE) throw new TypeError('not a number');\n}\n\nexport function add(a, b) {\n  checkFinite(a);\n  checkFinite(b);\n  return a + b;\n}",
  );

/** calc with three qualifying changes: a squash merge closing issue #7, a PR merged by its merge commit, a plain commit. */
interface History {
  repo: string;
  squash: string;
  merged: string;
  plain: string;
  prs: string;
  issues: string;
}

function history(): History {
  // limits.js is there from the start: naming MAX_SAFE names nothing the solution invents.
  const f = calcFixture({}, { 'src/limits.js': 'export const MAX_SAFE = Number.MAX_SAFE_INTEGER;\n' });
  const repo = f.repo;
  // The fixture's last commit is the clamp fix ("Fix clamp"); rewrite it as a squash merge of PR #12 that fixes #7.
  git(repo, 'reset', '-q', '--hard', 'HEAD~1');
  const squash = commit(repo, 'Swap Math.min and Math.max in clamp (#12)\n\nFixes #7', CALC_GOLD_FILES);
  const test1 = CALC_GOLD_FILES['test/math.test.js']!;
  const test2 = `${test1}describe('sub', () => {\n  test('subtracts', () => assert.equal(m.sub(5, 3), 2));\n});\n`;
  const merged = commit(repo, 'Add sub() built on subtractInternal', {
    'src/math.js': MATH_SUB(CALC_GOLD_FILES['src/math.js']!),
    'test/math.test.js': test2,
  });
  const plain = commit(repo, 'Guard add() with checkFinite, Number.isFinite and MAX_SAFE', {
    'src/math.js': MATH_CHECKED(MATH_SUB(CALC_GOLD_FILES['src/math.js']!)),
    'test/math.test.js': `${test2}describe('add input', () => {\n  test('rejects strings', () => assert.throws(() => m.add('2', 3), TypeError));\n});\n`,
  });
  const dir = tmp();
  const prs = join(dir, 'prs.json');
  const issues = join(dir, 'issues.json');
  writeFileSync(
    prs,
    JSON.stringify([
      {
        number: 12,
        title: 'Swap Math.min and Math.max in clamp',
        body: 'Fixes #7',
        mergeCommit: { oid: 'f'.repeat(40) }, // a squash merge recorded elsewhere: found by "(#12)"
        closingIssuesReferences: [],
        url: 'https://github.com/acme/calc/pull/12',
      },
      {
        number: 13,
        title: 'Subtraction',
        body: '<!-- PR template: describe the change -->\nWe keep writing a + -b by hand; a sub() export would read better.\n\n## Changes\n- `subtractInternal()` in src/math.js\n\n## Checklist\n- [x] tests\n',
        mergeCommit: { oid: merged },
        closingIssuesReferences: [],
        url: 'https://github.com/acme/calc/pull/13',
      },
    ]),
  );
  writeFileSync(
    issues,
    JSON.stringify([
      {
        number: 7,
        title: 'clamp(5, 0, 10) returns 10',
        body: '<!-- What did you expect? -->\nclamp should limit x to [lo, hi], but clamp(5, 0, 10) gives 10 and clamp(-3, 0, 10) gives 10 too.',
        labels: [{ id: 'L1', name: 'bug', description: '', color: 'd73a4a' }],
        url: 'https://github.com/acme/calc/issues/7',
      },
    ]),
  );
  return { repo, squash, merged, plain, prs, issues };
}

const taskOf = (out: string, sha: string) => {
  const t = loadSuite(out).tasks.find((x) => x.kind === 'pr' && (typeof x.gold === 'string' ? x.gold : x.gold.to) === sha)!;
  return { task: t, text: readFileSync(join(out, 'tasks', `${t.id}.yaml`), 'utf8') };
};

describe('bench suite mine: requests from the exports', () => {
  test('the issue a squash merge closes, the PR a merge commit brings, else the commit message with a leakage warning', async () => {
    const h = history();
    const out = join(tmp(), 'mined');
    const res = await mine({ repo: h.repo, out, limit: 5, cacheDir, sandbox, prs: h.prs, issues: h.issues });
    expect(res.tasks.map((t) => [t.commit, t.request.source])).toEqual([
      [h.plain, 'commit'],
      [h.merged, 'pr'],
      [h.squash, 'issue'],
    ]);

    const fromIssue = taskOf(out, h.squash);
    expect(fromIssue.task.title).toBe('clamp(5, 0, 10) returns 10');
    expect(fromIssue.task.request).toBe(
      'clamp(5, 0, 10) returns 10\n\nclamp should limit x to [lo, hi], but clamp(5, 0, 10) gives 10 and clamp(-3, 0, 10) gives 10 too.\n',
    );
    expect(fromIssue.task.tags).toEqual(['mined', 'request:issue']);
    expect(fromIssue.text).toContain('# request: issue #7 (https://github.com/acme/calc/issues/7), closed by pull request #12\n');
    expect(fromIssue.text).not.toContain('WARNING');

    const fromPr = taskOf(out, h.merged);
    expect(fromPr.task.title).toBe('Subtraction');
    expect(fromPr.task.request).toBe('Subtraction\n\nWe keep writing a + -b by hand; a sub() export would read better.\n');
    expect(fromPr.task.tags).toEqual(['mined', 'request:pr']);
    expect(fromPr.text).toMatch(/^# request: pull request #13 \(https:\/\/github.com\/acme\/calc\/pull\/13\)/m);
    expect(res.tasks.find((t) => t.commit === h.merged)!.request.leaks).toEqual([]);

    const fromCommit = taskOf(out, h.plain);
    expect(fromCommit.task.request).toBe('Guard add() with checkFinite, Number.isFinite and MAX_SAFE\n');
    expect(fromCommit.task.source).toMatchObject({ commit: h.plain, request: 'commit' });
    expect(fromCommit.text).toMatch(/^# request: the commit message of [0-9a-f]{12}: rewrite it as the issue/m);
    expect(fromCommit.task.tags).toEqual(['mined', 'request:commit']);
    expect(res.tasks.find((t) => t.commit === h.plain)!.request.leaks).toEqual(['checkFinite', 'isFinite']);
    expect(fromCommit.text).toContain(
      '# WARNING: the request names what the change adds and the hidden tests do not mention: checkFinite, isFinite. Rewrite it without them.\n',
    );
  });

  test('--model sim writes the requests no issue covers, offline, from the tests and without the solution', async () => {
    const h = history();
    const out = join(tmp(), 'mined-sim');
    const res = await bench(['suite', 'mine', '--repo', h.repo, '--out', out, '--prs', h.prs, '--issues', h.issues, '--model', 'sim']);
    expect(res.stderr).not.toMatch(/Error/);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/request: issue\)\n/);
    expect(res.stdout).not.toMatch(/WARNING/);

    const sub = taskOf(out, h.merged);
    expect(sub.task.tags).toEqual(['mined', 'request:model']);
    expect(sub.task.title).toBe('sub: "subtracts" does not hold');
    expect(sub.task.request).toContain('- sub subtracts:\n  - `m.sub(5, 3)` should be `2`');
    expect(sub.task.request).not.toMatch(/subtractInternal|src\/math/);
    expect(sub.text).toContain('# request: written by the model sim from the commit message and pull request #13 and the tests: check it against the change\n');

    const guard = taskOf(out, h.plain);
    expect(guard.task.request).toContain("- add input rejects strings:\n  - `m.add('2', 3)` should throw (`TypeError`)");
    expect(guard.task.request).not.toMatch(/checkFinite|isFinite/);
    // The issue still wins where there is one.
    expect(taskOf(out, h.squash).task.tags).toEqual(['mined', 'request:issue']);
  });
});

describe('bench suite mine --model openai:<name> over the wire', () => {
  const seen: Array<{ path: string; trial: string | undefined }> = [];
  // The simulated reporter reads only the prompt: any trial gets the same minimal context.
  const server = new SimServer({
    responder: new SimResponder(FAST),
    resolve: (trial) => ({ oracle: { taskId: trial ?? 'none', kind: 'pr', request: '', changes: [], testCommand: '', outOfScope: [] }, seed: 0 }),
    onRequest: (r) => seen.push({ path: r.path, trial: r.trial }),
  });
  let url = '';
  beforeAll(async () => {
    url = await server.start();
  });
  afterAll(() => server.close());

  test.each(['responses', 'chat'] as const)('%s API: the request a real client gets is what the in-process model writes', async (api) => {
    const h = history();
    seen.length = 0;
    const wire = join(tmp(), `wire-${api}`);
    const res = await bench(
      ['suite', 'import', '--repo', h.repo, '--commit', h.merged, '--out', wire, '--model', 'openai:sim', '--base-url', url, '--api', api],
      {
        env: { OPENAI_API_KEY: '' },
      },
    );
    expect(res.code).toBe(0);
    expect(seen).toEqual([{ path: api === 'chat' ? '/v1/chat/completions' : '/v1/responses', trial: `mine-${h.merged.slice(0, 12)}` }]);

    const local = join(tmp(), `local-${api}`);
    await mine({
      repo: h.repo,
      commit: h.merged,
      out: local,
      limit: 1,
      cacheDir,
      sandbox,
      reporter: new ModelBackend({ backend: 'sim', name: 'sim', profile: FAST }),
    });
    const [w, l] = [taskOf(wire, h.merged), taskOf(local, h.merged)];
    expect(w.task.request).toBe(l.task.request);
    expect(w.task.tags).toEqual(['mined', 'request:model']);
    expect(w.text).toContain('# request: written by the model sim from the commit message and the tests');
  });
});

describe('a model that fails', () => {
  test('costs the task its model-written request, not the task: the next source is used and the output says why', async () => {
    const h = history();
    // A server that refuses every request the way OpenAI refuses a bad one (400: not retried).
    const refusing = createServer((req, res) => {
      req.resume();
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'model not found', type: 'invalid_request_error' } }));
    });
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/v1`;
      const out = join(tmp(), 'refused');
      const res = await bench([
        'suite',
        'import',
        '--repo',
        h.repo,
        '--commit',
        h.merged,
        '--out',
        out,
        '--prs',
        h.prs,
        '--model',
        'openai:nope',
        '--base-url',
        base,
      ]);
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/request: pr\)\n  WARNING: the model wrote no request \(400 model not found\); the request is from pr\n/);
      const t = taskOf(out, h.merged);
      expect(t.task.tags).toEqual(['mined', 'request:pr']);
      expect(t.text).toMatch(/^# request: pull request #13 .*\(the model failed: 400 model not found\)$/m);
    } finally {
      refusing.close();
    }
  });
});

describe('bad model flags', () => {
  test('exit 2 naming the flag and the fix', async () => {
    const args = ['suite', 'mine', '--repo', '.', '--out', join(tmp(), 'o')];
    const noModel = await bench([...args, '--base-url', 'http://127.0.0.1:9/v1']);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toMatch(/--model: --base-url needs a model\n\s+fix: add --model openai:<model-name>/);
    const adversary = await bench([...args, '--model', 'sim:adversary']);
    expect(adversary.code).toBe(2);
    expect(adversary.stderr).toMatch(/--model: the adversary attacks sandboxes; it writes no issues/);
    const api = await bench([...args, '--model', 'sim', '--api', 'grpc']);
    expect(api.code).toBe(2);
    expect(api.stderr).toMatch(/--api: unknown API "grpc"\n\s+fix: use --api responses or --api chat/);
  });
});

describe('bad exports', () => {
  test('exit 2 naming the file, the field and the fix, before any test runs', async () => {
    const h = history();
    const bad = join(tmp(), 'prs.json');
    writeFileSync(bad, JSON.stringify([{ number: 12, title: 'x', body: '', mergeCommit: { oid: 'not-a-sha' }, closingIssuesReferences: [] }]));
    const res = await bench(['suite', 'mine', '--repo', h.repo, '--out', join(tmp(), 'o'), '--prs', bad]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${bad}: [0].mergeCommit.oid: expected a commit id (hex sha)`);
    expect(res.stderr).toMatch(/fix: .*gh pr list --state merged --limit 1000 --json number,title,body,mergeCommit,closingIssuesReferences,url/);

    const issues = join(tmp(), 'issues.json');
    writeFileSync(issues, '{"number": 7}');
    const res2 = await bench(['suite', 'import', '--repo', h.repo, '--commit', h.merged, '--out', join(tmp(), 'o2'), '--issues', issues]);
    expect(res2.code).toBe(2);
    expect(res2.stderr).toMatch(new RegExp(`${issues}: \\(top level\\): expected a JSON array[^\\n]*\\n\\s+fix: export the whole list without --jq`));
  });
});
