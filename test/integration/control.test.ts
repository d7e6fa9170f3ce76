// The control plane for real: bubblewrap sandboxes, hook processes, the approver, through the SDK tools.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { RunContext } from '@openai/agents';
import { assistantMessage, functionCall, ScriptedModel } from '@openai/agents/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_APPROVER, type ApproverSpec } from '../../src/control/approver.ts';
import { HookRunner, type HookEvent, type HookGroupSpec } from '../../src/control/hooks.ts';
import { ControlPlane } from '../../src/control/plane.ts';
import { detectSandbox, type SandboxBackend, type View } from '../../src/control/sandbox.ts';
import type { RolePolicy } from '../../src/control/types.ts';
import { runSdkEngine } from '../../src/engine/sdk/engine.ts';
import { workspaceTools } from '../../src/engine/sdk/tools.ts';
import { TOOL_NAMES } from '../../src/workflow/types.ts';
import { EventLog } from '../../src/record/events.ts';
import { controlFigures } from '../../src/replay/trial.ts';
import { broadWorkflow } from '../../src/workflow/builtin.ts';
import { Redactor } from '../../src/record/redact.ts';
import { git, tmp, writeFiles } from '../helpers/fixtures.ts';

const sandbox = detectSandbox('bwrap');
if ('error' in sandbox) throw new Error(`these tests need bubblewrap: ${sandbox.error} (apt-get install bubblewrap)`);
const bwrap: SandboxBackend = sandbox;

const WRITE: RolePolicy = { sandbox: 'workspace-write', network: 'deny', approval: 'never' };
const READ: RolePolicy = { sandbox: 'read-only', network: 'deny', approval: 'never' };

function hashTree(dir: string): string {
  const h = createHash('sha256');
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true }).sort((a, b) =>
    join(a.parentPath, a.name).localeCompare(join(b.parentPath, b.name)),
  )) {
    const p = join(e.parentPath, e.name);
    h.update(p);
    if (e.isFile()) h.update(readFileSync(p));
  }
  return h.digest('hex');
}

interface Setup {
  root: string;
  ws: string;
  outside: string;
  events: EventLog;
  plane: ControlPlane;
  invoke(role: string, tool: string, args: Record<string, unknown>): Promise<string>;
  figures(): ReturnType<typeof controlFigures>['record'];
}

let calls = 0;
function setup(
  opts: { roles?: Record<string, RolePolicy>; hooks?: HookGroupSpec[]; approver?: ApproverSpec; redactor?: Redactor; hidden?: string[]; views?: View[] } = {},
): Setup {
  const root = tmp('bench-ctl-');
  const ws = join(root, 'ws');
  const outside = join(root, 'outside');
  writeFiles(ws, { 'README.md': '# demo\n', 'src/a.js': 'export const a = 1;\n' });
  git(ws, 'init', '-q', '-b', 'main');
  writeFiles(outside, { 'secret.txt': 'do not touch\n', 'nested/config.json': '{"a":1}\n' });
  const events = new EventLog(null, undefined, opts.redactor);
  const hooks = opts.hooks ? new HookRunner({ groups: opts.hooks, events, cwd: ws, sessionId: 'test-session', model: 'test', env: {} }) : null;
  const plane = new ControlPlane({
    workspace: ws,
    scratch: join(root, 'scratch'),
    events,
    roles: opts.roles ?? { worker: WRITE, explorer: READ },
    defaultRole: READ,
    sandbox: bwrap,
    hooks,
    approver: opts.approver ?? DEFAULT_APPROVER,
    hidden: opts.hidden ?? [],
    reveal: [],
    views: opts.views ?? [],
    seed: 1,
    commandTimeoutMs: 20_000,
    maxOutputBytes: 64 * 1024,
    redactor: opts.redactor,
    signal: new AbortController().signal,
  });
  const toolsOf = new Map<string, Record<string, ReturnType<typeof workspaceTools>[number]>>();
  return {
    root,
    ws,
    outside,
    events,
    plane,
    invoke: async (role, tool, args) => {
      if (!toolsOf.has(role)) toolsOf.set(role, Object.fromEntries(workspaceTools(TOOL_NAMES, { role, plane }).map((t) => [t.name, t])));
      return String(await toolsOf.get(role)![tool]!.invoke(new RunContext(), JSON.stringify(args), { toolCall: { callId: `c${++calls}` } } as never));
    },
    figures: () => controlFigures(events).record,
  };
}

const patchAdd = (path: string, line = 'x') => ({ input: `*** Begin Patch\n*** Add File: ${path}\n+${line}\n*** End Patch` });

describe('sandbox: bubblewrap', () => {
  test('a read-only role cannot write: edits are denied before running, shell writes fail in the sandbox; both counted', async () => {
    const s = setup();
    const before = hashTree(s.ws);
    expect(await s.invoke('explorer', 'apply_patch', patchAdd('notes.md'))).toMatch(/^Denied by sandbox: the explorer role is read-only/);
    const out = await s.invoke('explorer', 'exec_command', { cmd: 'echo hi > notes.md; echo rc=$?' });
    expect(out).toMatch(/Read-only file system/);
    expect(await s.invoke('explorer', 'read_file', { path: 'README.md' })).toBe('# demo\n');
    expect(hashTree(s.ws)).toBe(before);
    expect(s.figures().denied_calls).toBe(2);
  });

  test('a write role writes its worktree but nothing outside it: absolute paths, .., symlinks; outside files are byte-identical', async () => {
    const s = setup();
    const before = hashTree(s.outside);
    symlinkSync(s.outside, join(s.ws, 'escape'));
    expect(await s.invoke('worker', 'apply_patch', patchAdd('src/b.js', 'export const b = 2;'))).toMatch(/^Success/);
    expect(readFileSync(join(s.ws, 'src/b.js'), 'utf8')).toBe('export const b = 2;\n');
    for (const p of [join(s.outside, 'new.txt'), '../outside/new.txt', 'escape/new.txt', '.git/hooks/pre-commit']) {
      expect(await s.invoke('worker', 'apply_patch', patchAdd(p))).toMatch(/^Denied by sandbox/);
    }
    for (const cmd of [
      `echo x > ${s.outside}/secret.txt`,
      'echo x > ../outside/new.txt',
      'echo x > escape/secret.txt',
      `rm -rf ${s.outside}/nested`,
      'touch ~/../../outside.txt',
    ]) {
      const out = await s.invoke('worker', 'exec_command', { cmd });
      // Outside the worktree nothing of the host is in view: the paths are not there (rm -rf of nothing
      // succeeds), and /tmp is the sandbox's own (a touch there lands in a throwaway folder).
      if (!/^(rm|touch)/.test(cmd)) expect(out, cmd).toMatch(/Read-only file system|Permission denied|No such file/);
    }
    expect(hashTree(s.outside)).toBe(before);
    expect(existsSync(join(s.outside, 'new.txt'))).toBe(false);
    const f = s.figures();
    // Every attempt is counted, also the one whose command reported no error.
    expect(f.denied_calls).toBeGreaterThanOrEqual(4 + 4);
    expect(f.denials.filter((d) => d.stage === 'sandbox').length).toBe(f.denied_calls);
  });

  describe('network', () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.end('hello');
    });
    let port = 0;
    beforeAll(async () => {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => server.close());

    test('cannot reach the network: curl and a Node fetch to a loopback server outside the sandbox; each counted', async () => {
      const s = setup();
      const outs = [
        await s.invoke('worker', 'exec_command', { cmd: `curl -sS --max-time 3 http://127.0.0.1:${port}/` }),
        await s.invoke('worker', 'exec_command', {
          cmd: `node -e "fetch('http://127.0.0.1:${port}/').then(r => r.text()).then(console.log, e => { console.error(String(e.cause ?? e)); process.exit(1); })"`,
        }),
        await s.invoke('worker', 'exec_command', { cmd: 'curl -sS --max-time 3 https://example.com/' }),
      ];
      for (const o of outs) expect(o).toMatch(/Exit code: [1-9]/);
      expect(hits).toBe(0);
      expect(s.figures().blocked_network).toBe(3);
    });

    test('a role allowed the network reaches the loopback server', async () => {
      const s = setup({ roles: { worker: { ...WRITE, network: 'allow' } } });
      const out = await s.invoke('worker', 'exec_command', { cmd: `curl -sS http://127.0.0.1:${port}/` });
      expect(out).toMatch(/Exit code: 0[\s\S]*hello/);
      expect(hits).toBe(1);
      expect(s.figures().blocked_network).toBe(0);
    });
  });

  test('cannot leave a process running after its command: background and setsid children die with it', async () => {
    const s = setup();
    const marker = 313.37;
    await s.invoke('worker', 'exec_command', {
      cmd: `(setsid sleep ${marker} >/dev/null 2>&1 &); nohup sleep ${marker} >/dev/null 2>&1 & disown; echo started`,
    });
    await new Promise((r) => setTimeout(r, 300));
    const running = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`sleep\0${marker}`) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${p}/stat`, 'utf8'));
        } catch {
          return false;
        }
      });
    expect(running).toEqual([]);
  });
});

describe('hooks: real processes with the Codex payload on stdin', () => {
  function hookScripts(root: string): Record<string, string> {
    const dir = join(root, 'hooks');
    mkdirSync(dir, { recursive: true });
    const scripts: Record<string, string> = {
      deny: `cat > "${dir}/deny.payload"; echo '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"curl is not allowed"}}'`,
      exit2: `echo 'blocked by exit 2' >&2; exit 2`,
      crash: `echo 'something broke' >&2; exit 1`,
      hang: 'sleep 30',
      badjson: 'echo "this is not json"',
      rewrite: `echo '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow","updatedInput":{"command":"echo rewritten > rewritten.txt"}}}'`,
      post: `echo '{"decision":"block","reason":"the linter found 3 problems"}'`,
    };
    const paths: Record<string, string> = {};
    for (const [name, body] of Object.entries(scripts)) {
      paths[name] = join(dir, `${name}.sh`);
      writeFileSync(paths[name], `#!/bin/sh\n${body}\n`);
      chmodSync(paths[name], 0o755);
    }
    return paths;
  }
  const group = (event: HookEvent, matcher: string | undefined, command: string, timeoutS = 10): HookGroupSpec => ({
    event,
    matcher,
    source: 'test',
    handlers: [{ command, timeoutS, async: false, key: `test:${event}:0:0`, hash: 'sha256:x' }],
  });

  test('two calls sharing an id are two calls: each is logged and each goes through PreToolUse', async () => {
    const root = tmp();
    const log = join(root, 'payloads.jsonl');
    const hook = join(root, 'log.sh');
    writeFileSync(hook, `#!/bin/sh\ncat >> "${log}"; echo >> "${log}"\n`);
    chmodSync(hook, 0o755);
    const s = setup({ hooks: [group('PreToolUse', '^Bash$', hook)] });
    const tools = Object.fromEntries(workspaceTools(TOOL_NAMES, { role: 'worker', plane: s.plane }).map((t) => [t.name, t]));
    const run = async (cmd: string) =>
      String(await tools.exec_command!.invoke(new RunContext(), JSON.stringify({ cmd }), { toolCall: { callId: 'same-id' } } as never));
    // The same command twice (what a model repeating itself sends), then another one, all under one id.
    for (const cmd of ['echo one >> out.txt', 'echo one >> out.txt', 'echo two >> out.txt']) expect(await run(cmd)).toMatch(/^Exit code: 0\n/);
    expect(readFileSync(join(s.ws, 'out.txt'), 'utf8')).toBe('one\none\ntwo\n');
    expect(s.events.of('tool_call').map((e) => [e.call_id, e.command])).toEqual([
      ['same-id', 'echo one >> out.txt'],
      ['same-id', 'echo one >> out.txt'],
      ['same-id', 'echo two >> out.txt'],
    ]);
    expect(s.events.of('hook').map((e) => [e.event, e.outcome])).toEqual([
      ['PreToolUse', 'ok'],
      ['PreToolUse', 'ok'],
      ['PreToolUse', 'ok'],
    ]);
    const payloads = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { tool_use_id: string; tool_input: { command: string } });
    expect(payloads.map((p) => [p.tool_use_id, p.tool_input.command])).toEqual([
      ['same-id', 'echo one >> out.txt'],
      ['same-id', 'echo one >> out.txt'],
      ['same-id', 'echo two >> out.txt'],
    ]);
  });

  test('a deny hook and an exit-2 hook block the call (counted); the payload is Codex-shaped', async () => {
    const root = tmp();
    const h = hookScripts(root);
    const s = setup({ hooks: [group('PreToolUse', '^Bash$', h.deny!)] });
    const out = await s.invoke('worker', 'exec_command', { cmd: 'curl https://example.com > got.txt' });
    expect(out).toBe('Command blocked by PreToolUse hook: curl is not allowed. Command: curl https://example.com > got.txt');
    expect(existsSync(join(s.ws, 'got.txt'))).toBe(false);
    const payload = JSON.parse(readFileSync(join(root, 'hooks', 'deny.payload'), 'utf8'));
    expect(payload).toMatchObject({
      session_id: 'test-session',
      cwd: s.ws,
      hook_event_name: 'PreToolUse',
      tool_name: 'Bash',
      tool_input: { command: 'curl https://example.com > got.txt' },
      transcript_path: null,
    });
    expect(payload.tool_use_id).toMatch(/^c\d+$/);

    const s2 = setup({ hooks: [group('PreToolUse', 'apply_patch', h.exit2!)] });
    expect(await s2.invoke('worker', 'apply_patch', patchAdd('x.txt'))).toMatch(/^Command blocked by PreToolUse hook: blocked by exit 2/);
    expect(await s2.invoke('worker', 'exec_command', { cmd: 'echo ok' })).toMatch(/Exit code: 0/); // matcher: not Bash
    for (const f of [s.figures(), s2.figures()]) expect(f).toMatchObject({ hook_runs: 1, hook_blocks: 1, hook_failures: 0, denied_calls: 1 });
  });

  test('a crashing hook, a hanging hook and an invalid-JSON hook are failures: counted, and the call proceeds', async () => {
    const h = hookScripts(tmp());
    const s = setup({
      hooks: [group('PreToolUse', undefined, h.crash!), group('PreToolUse', undefined, h.hang!, 1), group('PreToolUse', undefined, h.badjson!)],
    });
    const t0 = Date.now();
    const out = await s.invoke('worker', 'exec_command', { cmd: 'echo ran > ran.txt' });
    expect(Date.now() - t0).toBeLessThan(10_000); // the hanging hook was cut at its 1 s timeout
    expect(out).toMatch(/Exit code: 0/);
    expect(readFileSync(join(s.ws, 'ran.txt'), 'utf8')).toBe('ran\n');
    expect(s.figures()).toMatchObject({ hook_runs: 3, hook_blocks: 0, hook_failures: 3, denied_calls: 0 });
    const failures = s.events.of('hook').map((e) => e.failure);
    expect(failures).toHaveLength(3);
    expect(failures).toEqual(expect.arrayContaining(['exit 1', expect.stringMatching(/^invalid JSON/), expect.stringMatching(/^timed out after 1s/)]));
  });

  test('updatedInput rewrites the command; a PostToolUse block replaces the result', async () => {
    const h = hookScripts(tmp());
    const s = setup({ hooks: [group('PreToolUse', '^Bash$', h.rewrite!), group('PostToolUse', '^Bash$', h.post!)] });
    const out = await s.invoke('worker', 'exec_command', { cmd: 'echo original > original.txt' });
    expect(out).toBe('PostToolUse hook: the linter found 3 problems');
    expect(existsSync(join(s.ws, 'rewritten.txt'))).toBe(true);
    expect(existsSync(join(s.ws, 'original.txt'))).toBe(false);
  });
});

describe('approvals through the SDK (needsApproval, interruptions, approve/reject)', () => {
  test('a denied approval followed by a retry is counted; the denied command never runs', async () => {
    const s = setup({
      roles: { broad: { sandbox: 'workspace-write', network: 'ask', approval: 'on-request' } },
      approver: { ...DEFAULT_APPROVER, wait_ms: 2000 },
    });
    const model = new ScriptedModel([
      [functionCall('exec_command', { cmd: 'curl -s https://example.com > page.html' }, { callId: 'call_a' })],
      [functionCall('exec_command', { cmd: 'wget -q https://example.com -O page.html' }, { callId: 'call_b' })],
      [functionCall('exec_command', { cmd: 'echo offline > page.html' }, { callId: 'call_c' })],
      [assistantMessage('I could not download it; wrote a placeholder.')],
    ]);
    const res = await runSdkEngine({
      trialId: 't',
      workflow: { ...broadWorkflow(), roles: [{ ...broadWorkflow().roles[0]!, network: 'ask', approval: 'on-request' }] },
      prompt: 'download the page',
      plane: s.plane,
      hooks: null,
      modelFor: () => ({ model, name: 'scripted' }),
      events: s.events,
      signal: new AbortController().signal,
    });
    expect(res).toMatchObject({ stop: 'completed', accepted: true });
    expect(readFileSync(join(s.ws, 'page.html'), 'utf8')).toBe('offline\n');
    const f = s.figures();
    expect(f).toMatchObject({ approval_prompts: 2, approvals_granted: 0, approvals_denied: 2, denied_calls: 2, blocked_network: 2 });
    // call_b goes for what call_a was denied (the same host); call_c writes a placeholder instead: not a retry.
    expect(controlFigures(s.events).retries).toBe(1);
    expect(controlFigures(s.events).approvalWaitMs).toBeGreaterThan(0);
    // The model was told, in the tool output, that the call was not approved.
    const second = model.calls[1]!.request.input as Array<{ type?: string; output?: unknown }>;
    expect(JSON.stringify(second.find((i) => i.type === 'function_call_result'))).toMatch(/Not approved/);
  });

  test('an approved escalation runs the command with network', async () => {
    const server = createServer((_q, r) => r.end('pong'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const s = setup({
        roles: { broad: { sandbox: 'workspace-write', network: 'deny', approval: 'on-request' } },
        approver: { default: 'deny', wait_ms: 100, rules: [{ decision: 'allow', tool: 'exec_command', match: '127\\.0\\.0\\.1' }] },
      });
      const model = new ScriptedModel([
        [
          functionCall(
            'exec_command',
            { cmd: `curl -s http://127.0.0.1:${port}/ > pong.txt`, sandbox_permissions: 'require_escalated', justification: 'talk to the local dev server' },
            { callId: 'call_x' },
          ),
        ],
        [assistantMessage('done')],
      ]);
      await runSdkEngine({
        trialId: 't',
        workflow: broadWorkflow(),
        prompt: 'ping',
        plane: s.plane,
        hooks: null,
        modelFor: () => ({ model, name: 'scripted' }),
        events: s.events,
        signal: new AbortController().signal,
      });
      expect(readFileSync(join(s.ws, 'pong.txt'), 'utf8')).toBe('pong');
      expect(s.figures()).toMatchObject({ approval_prompts: 1, approvals_granted: 1, approvals_denied: 0 });
    } finally {
      server.close();
    }
  });
});

test('the worktree is still a usable git checkout inside the sandbox (read-only .git)', async () => {
  const s = setup();
  git(s.ws, 'add', '-A');
  git(s.ws, 'commit', '-q', '-m', 'init');
  writeFileSync(join(s.ws, 'README.md'), '# changed\n');
  const out = await s.invoke('explorer', 'exec_command', { cmd: 'git status --porcelain && git diff --stat' });
  expect(out).toMatch(/ M README\.md/);
  expect(statSync(join(s.ws, '.git')).isDirectory()).toBe(true);
});

describe('the hermetic view, caps and silent attempts (bubblewrap)', () => {
  test('nothing of the host is there but the system and the toolchains: no home folders, no /etc secrets, no other checkout; no capabilities, a seccomp filter', async () => {
    const s = setup();
    const out = await s.invoke('worker', 'exec_command', {
      cmd: `ls /home 2>&1; ls ${s.outside} 2>&1; wc -c < /etc/shadow; grep -E '^(CapEff|Seccomp):' /proc/self/status; node -e 'console.log(typeof fetch)'; git --version`,
    });
    expect(out).toMatch(/ls: cannot access '\/home': No such file or directory/);
    expect(out).toMatch(new RegExp(`ls: cannot access '${s.outside}': No such file or directory`));
    expect(out).toMatch(/\/etc\/shadow: Permission denied/); // masked: the host's file is not there
    expect(out).toMatch(/CapEff:\s+0000000000000000/);
    expect(out).toMatch(/Seccomp:\s+2/);
    expect(out).toMatch(/^function$/m);
    expect(out).toMatch(/git version/);
    // What it read that is not in its view is recorded, whatever the command printed.
    const reads = s.events.of('decision').filter((d) => d.class === 'read' && d.source === 'classified');
    expect(reads.length).toBe(1);
  });

  test("the kernel's knobs are read-only, for every role; danger-full-access sees the host but writes only its own folders", async () => {
    const s = setup({ roles: { worker: WRITE, full: { sandbox: 'danger-full-access', network: 'allow', approval: 'never' } } });
    const probe = join(s.outside, 'probe');
    // What this kernel has of them (a VM's kernel may lack sysrq or kcore).
    const knobs = ['/proc/sys/kernel/core_pattern', '/proc/sys/kernel/sysrq', '/proc/sys/kernel/hostname', '/proc/sys/vm/overcommit_memory'].filter((p) =>
      existsSync(p),
    );
    const masked = ['/proc/kcore', '/proc/keys', '/proc/kallsyms', '/proc/timer_list'].filter((p) => existsSync(p));
    expect(knobs).toContain('/proc/sys/kernel/core_pattern');
    for (const role of ['worker', 'full']) {
      const out = await s.invoke(role, 'exec_command', {
        // Each knob is written its own value (a sandbox that failed would change nothing on the host).
        cmd: `${knobs.map((k) => `v=$(cat ${k} 2>/dev/null); echo "$v" > ${k};`).join(' ')} ${masked.map((m) => `echo "${m}=$(wc -c < ${m})";`).join(' ')} touch ${probe}; echo x > ok.txt && cat ok.txt`,
      });
      for (const k of knobs) expect(out, `${role} ${k}`).toContain(`${k}: Read-only file system`);
      for (const m of masked) expect(out, `${role} ${m}`).toMatch(new RegExp(`^${m}=0?$`, 'm')); // nothing read (bound to a node device: EACCES)
      expect(out, role).toMatch(/^x$/m);
    }
    expect(existsSync(probe)).toBe(false);
    // The host's folders are in the full role's view (its /tmp is its own), not in the worker's.
    const look = 'test -d /var/lib/dpkg && echo var-visible';
    expect(await s.invoke('full', 'exec_command', { cmd: look })).toMatch(/var-visible/);
    expect(await s.invoke('worker', 'exec_command', { cmd: look })).not.toMatch(/visible/);
  });

  test("a workflow's skills are read where the instructions say, by the file tools and by commands, and nothing is written there", async () => {
    const skill = join(tmp('bench-plugin-'), 'skills', 'run-tests');
    writeFiles(skill, { 'SKILL.md': '---\nname: run-tests\n---\nRun npm test.\n' });
    symlinkSync('/etc/passwd', join(skill, 'out'));
    const s = setup({ views: [{ source: skill, target: '/tmp/bench-skills/run-tests' }] });
    expect(await s.invoke('worker', 'read_file', { path: '/tmp/bench-skills/run-tests/SKILL.md' })).toMatch(/Run npm test/);
    expect(await s.invoke('worker', 'list_dir', { path: '/tmp/bench-skills/run-tests' })).toMatch(/SKILL\.md/);
    expect(await s.invoke('worker', 'read_file', { path: '/tmp/bench-skills/run-tests/out' })).toMatch(/^Denied by sandbox/);
    expect(await s.invoke('worker', 'read_file', { path: '/tmp/bench-skills/run-tests/../../../etc/hostname' })).toMatch(/^(Denied|Error)/);
    const out = await s.invoke('worker', 'exec_command', { cmd: 'cat /tmp/bench-skills/run-tests/SKILL.md; touch /tmp/bench-skills/run-tests/x' });
    expect(out).toMatch(/Run npm test/);
    expect(out).toMatch(/Read-only file system/);
    expect(existsSync(join(skill, 'x'))).toBe(false);
    const patched = await s.invoke('worker', 'apply_patch', patchAdd('/tmp/bench-skills/run-tests/new.md'));
    expect(patched).toMatch(/^Denied/);
    expect(existsSync(join(skill, 'new.md'))).toBe(false);
  });

  test('a network attempt whose error the command hides is counted, from the network namespace', async () => {
    const s = setup();
    const out = await s.invoke('worker', 'exec_command', {
      cmd: 'node -e \'fetch("http://" + ["198", "51", "100", "1"].join(".")).catch(() => {})\'; (echo x > /dev/udp/198.51.100.2/53) 2>/dev/null; true',
    });
    expect(out).toMatch(/^Exit code: 0/);
    expect(s.figures().blocked_network).toBe(1);
    expect(s.events.of('network')[0]).toMatchObject({ source: 'counted', verdict: 'blocked' });
  });

  test('caps are the harness’s: a model asking for more output gets the cap; limits cannot be raised inside', async () => {
    const s = setup();
    const big = await s.invoke('worker', 'exec_command', { cmd: "head -c 3000000 /dev/zero | tr '\\0' a", max_output_tokens: 100_000_000 });
    expect(big.length).toBeLessThan(64 * 1024 + 500);
    expect(big).toMatch(/bytes omitted/);
    const limits = await s.invoke('worker', 'exec_command', { cmd: 'ulimit -f unlimited; echo rc=$?; ulimit -Hc' });
    expect(limits).toMatch(/rc=1/);
    expect(limits).toMatch(/^0$/m);
  });

  test('the working directory must be inside the worktree', async () => {
    const s = setup();
    for (const workdir of ['/', '../..', s.outside])
      expect(await s.invoke('worker', 'exec_command', { cmd: 'ls', workdir })).toMatch(/^Denied by sandbox: the working directory/);
    expect(await s.invoke('worker', 'exec_command', { cmd: 'pwd', workdir: 'src' })).toMatch(/\/src\n/);
    expect(s.figures().denials.filter((d) => d.stage === 'sandbox').length).toBe(3);
  });
});

describe('escalation grants the least that was asked', () => {
  const ASK: RolePolicy = { sandbox: 'workspace-write', network: 'ask', approval: 'on-request' };
  const approver = (rules: ApproverSpec['rules']): ApproverSpec => ({ rules, default: 'deny', wait_ms: 0 });
  const invokeApproved = async (s: Setup, role: string, args: Record<string, unknown>) => {
    const tools = Object.fromEntries(workspaceTools(TOOL_NAMES, { role, plane: s.plane }).map((t) => [t.name, t]));
    const callId = `esc${++calls}`;
    // The SDK asks needsApproval first; the engine answers the interruption through decide().
    const call = { callId, role, tool: 'exec_command', input: args, command: { cmd: String(args.cmd), workdir: args.workdir as string | undefined } };
    await s.plane.needsApproval({ ...call, ...(args.sandbox_permissions ? { escalate: escalationOfArgs(args) } : {}) });
    return String(await tools.exec_command!.invoke(new RunContext(), JSON.stringify(args), { toolCall: { callId } } as never));
  };
  const escalationOfArgs = (a: Record<string, unknown>) => {
    const p = (a.additional_permissions ?? {}) as { network?: boolean; file_system?: { read?: string[]; write?: string[] } };
    return {
      kind: a.sandbox_permissions as 'require_escalated' | 'with_additional_permissions',
      justification: String(a.justification ?? ''),
      network: a.sandbox_permissions === 'require_escalated' || !!p.network,
      read: p.file_system?.read ?? [],
      write: p.file_system?.write ?? [],
    };
  };

  test('a read-only role cannot ask for more, whatever a person would say', async () => {
    const s = setup({ roles: { explorer: { ...READ, approval: 'on-request' } }, approver: approver([{ decision: 'allow' }]) });
    const out = await s.invoke('explorer', 'exec_command', {
      cmd: 'curl -s https://example.com',
      sandbox_permissions: 'require_escalated',
      justification: 'docs',
    });
    expect(out).toMatch(/read-only: it cannot ask for more permissions/);
    expect(s.figures().approval_prompts).toBe(0);
    expect(s.figures().enforcement!.blocked.escalation).toBe(1);
  });

  test('additional permissions naming a hidden folder are refused; a granted read shows that one folder, read-only', async () => {
    const extra = tmp('bench-extra-');
    writeFiles(extra, { 'data.txt': 'fixture\n' });
    const s = setup({
      roles: { worker: ASK },
      hidden: [join(tmp(), 'results')],
      approver: approver([{ decision: 'allow', permissions: ['read'], paths: [`${extra}/**`, extra] }]),
    });
    const hidden = s.plane['opts'].hidden[0]!;
    const refused = await s.invoke('worker', 'exec_command', {
      cmd: 'ls',
      sandbox_permissions: 'with_additional_permissions',
      additional_permissions: { file_system: { write: [hidden] } },
      justification: 'x',
    });
    expect(refused).toMatch(/holds what stays hidden from agents/);
    // The same folder named another way: `//`, `.`, `..`, a link to it, a folder above it.
    mkdirSync(hidden, { recursive: true });
    const link = join(extra, 'to-results');
    symlinkSync(hidden, link);
    for (const other of [`/${hidden}`, `${dirname(hidden)}/./${basename(hidden)}/`, `${hidden}/../${basename(hidden)}`, link, dirname(hidden)]) {
      const out = await s.invoke('worker', 'exec_command', {
        cmd: 'ls',
        sandbox_permissions: 'with_additional_permissions',
        additional_permissions: { file_system: { read: [other] } },
        justification: 'x',
      });
      expect(out, other).toMatch(/holds what stays hidden from agents/);
    }
    expect(s.figures().approval_prompts).toBe(0);
    const missing = await s.invoke('worker', 'exec_command', {
      cmd: 'ls',
      sandbox_permissions: 'with_additional_permissions',
      additional_permissions: { file_system: { read: [join(extra, 'nope')] } },
      justification: 'x',
    });
    expect(missing).toMatch(/no such path on this machine/);
    const args = {
      cmd: `cat ${extra}/data.txt; touch ${extra}/new 2>&1`,
      sandbox_permissions: 'with_additional_permissions',
      additional_permissions: { file_system: { read: [extra] } },
      justification: 'fixtures',
    };
    const granted = await invokeApproved(s, 'worker', args);
    expect(granted).toMatch(/fixture/);
    expect(granted).toMatch(/Read-only file system/);
    expect(existsSync(join(extra, 'new'))).toBe(false);
  });

  test("a reused call id is a new call: planned and asked about anew, never run on the first one's approval", async () => {
    const s = setup({ roles: { worker: { ...ASK, approval: 'untrusted' } }, approver: approver([{ decision: 'allow', match: '^touch a\\.txt$' }]) });
    const tools = Object.fromEntries(workspaceTools(TOOL_NAMES, { role: 'worker', plane: s.plane }).map((t) => [t.name, t]));
    const run = async (cmd: string) =>
      String(await tools.exec_command!.invoke(new RunContext(), JSON.stringify({ cmd }), { toolCall: { callId: 'same-id' } } as never));
    expect(await run('touch a.txt')).toMatch(/^Exit code: 0\n/);
    expect(existsSync(join(s.ws, 'a.txt'))).toBe(true);
    expect(await run('touch b.txt')).toMatch(/Denied by approval/);
    expect(existsSync(join(s.ws, 'b.txt'))).toBe(false);
    // The same call again is asked again too: an approval covers one run.
    await run('touch a.txt');
    expect(s.figures().approval_prompts).toBe(3);
  });

  test("an approved install runs with network but without the package's lifecycle scripts, unless the rule allows them", async () => {
    for (const scripts of [false, true]) {
      const s = setup({ roles: { worker: ASK }, approver: approver([{ decision: 'allow', match: '^npm install$', lifecycle_scripts: scripts }]) });
      writeFiles(s.ws, { 'pkg/package.json': JSON.stringify({ name: 'p', version: '1.0.0', scripts: { postinstall: 'touch ../postinstall-ran' } }) });
      const out = await invokeApproved(s, 'worker', { cmd: 'npm install', workdir: 'pkg' });
      expect(out, out).toMatch(/^Exit code: 0/);
      expect(existsSync(join(s.ws, 'postinstall-ran'))).toBe(scripts);
      expect(s.events.of('approval').find((a) => a.state === 'granted')).toMatchObject({ grants: { network: true, scripts } });
    }
  });
});

describe('secrets', () => {
  test('a secret in what a tool returns is withheld from the model and from the log, and that is recorded', async () => {
    const secret = 'sk-test-0123456789abcdefABCDEF';
    const s = setup({ redactor: new Redactor([{ name: 'OPENAI_API_KEY', value: secret }]) });
    writeFiles(s.ws, { '.env': `OPENAI_API_KEY=${secret}\n` });
    for (const [tool, args] of [
      ['read_file', { path: '.env' }],
      ['exec_command', { cmd: 'cat .env' }],
    ] as const) {
      const out = await s.invoke('worker', tool, args);
      expect(out).not.toContain(secret);
      expect(out).toContain('[redacted:OPENAI_API_KEY]');
    }
    expect(JSON.stringify(s.events.events)).not.toContain(secret);
    expect(s.figures().enforcement!.by_stage.redaction).toBe(2);
  });

  test("hooks get a clean environment: the harness's secrets are not theirs", async () => {
    process.env.BENCH_TEST_DEPLOY_TOKEN = 'tok-should-never-reach-a-hook-123456';
    try {
      const hook = join(tmp(), 'env.sh');
      writeFileSync(hook, '#!/bin/sh\nenv >&2\nexit 1\n');
      chmodSync(hook, 0o755);
      const s = setup({ hooks: [{ event: 'PreToolUse', source: 'test', handlers: [{ command: hook, timeoutS: 10, async: false, key: 'k', hash: 'h' }] }] });
      await s.invoke('worker', 'exec_command', { cmd: 'true' });
      const failure = s.events.of('hook')[0]!;
      expect(failure.outcome).toBe('failure');
      expect(String(failure.stderr)).toMatch(/PATH=/);
      expect(String(failure.stderr)).not.toContain('tok-should-never-reach-a-hook');
    } finally {
      delete process.env.BENCH_TEST_DEPLOY_TOKEN;
    }
  });
});
