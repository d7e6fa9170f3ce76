import { describe, expect, test } from 'vitest';
import { interpret, matches } from '../../src/control/hooks.ts';
import { decide } from '../../src/control/approver.ts';

const deny = JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: 'no curl' } });

describe('hook outputs, as Codex 0.169 reads them', () => {
  test('PreToolUse: exit 2 with a reason, JSON deny and the old decision:block all block', () => {
    expect(interpret('PreToolUse', 2, '', 'not allowed\n')).toMatchObject({ blocked: true, reason: 'not allowed', failure: null });
    expect(interpret('PreToolUse', 0, deny, '')).toMatchObject({ blocked: true, reason: 'no curl' });
    expect(interpret('PreToolUse', 0, '{"decision":"block","reason":"old style"}', '')).toMatchObject({ blocked: true, reason: 'old style' });
  });
  test('PreToolUse: allow with updatedInput rewrites; empty output passes', () => {
    const out = JSON.stringify({
      hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow', updatedInput: { command: 'npm test -- --reporter=dot' } },
    });
    expect(interpret('PreToolUse', 0, out, '')).toMatchObject({ blocked: false, updatedInput: { command: 'npm test -- --reporter=dot' }, failure: null });
    expect(interpret('PreToolUse', 0, '', '')).toMatchObject({ blocked: false, failure: null });
  });
  test('failures: other exit codes, exit 2 without a reason, invalid JSON, unsupported fields', () => {
    expect(interpret('PreToolUse', 1, '', 'boom').failure).toBe('exit 1');
    expect(interpret('PreToolUse', 2, '', '').failure).toMatch(/without a reason/);
    expect(interpret('PreToolUse', 0, 'not json', '').failure).toMatch(/invalid JSON/);
    expect(interpret('PreToolUse', 0, JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'ask' } }), '').failure).toMatch(
      /unsupported/,
    );
    expect(
      interpret('PreToolUse', 0, JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow' } }), '').failure,
    ).toMatch(/unsupported/);
    expect(interpret('PreToolUse', 0, JSON.stringify({ unexpected: 1 }), '').failure).toMatch(/invalid PreToolUse output/);
    for (const r of [interpret('PreToolUse', 1, '', ''), interpret('PreToolUse', 0, 'x', '')]) expect(r.blocked).toBe(false);
  });
  test('PermissionRequest: allow and deny decisions; exit 2 denies; reserved fields fail closed', () => {
    const answer = (behavior: string, extra = {}) =>
      JSON.stringify({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior, message: 'm', ...extra } } });
    expect(interpret('PermissionRequest', 0, answer('allow'), '')).toMatchObject({ decision: 'allow', blocked: false });
    expect(interpret('PermissionRequest', 0, answer('deny'), '')).toMatchObject({ decision: 'deny', blocked: true });
    expect(interpret('PermissionRequest', 2, '', 'nope')).toMatchObject({ decision: 'deny', reason: 'nope' });
    expect(interpret('PermissionRequest', 0, answer('allow', { interrupt: true }), '')).toMatchObject({
      decision: 'deny',
      failure: expect.stringMatching(/fails closed/),
    });
  });
  test('Stop and PostToolUse: decision block needs a reason; additionalContext is passed on', () => {
    expect(interpret('Stop', 0, '{"decision":"block","reason":"run the tests"}', '')).toMatchObject({ blocked: true, reason: 'run the tests' });
    expect(interpret('Stop', 0, '{"decision":"block"}', '').failure).toMatch(/needs a reason/);
    expect(
      interpret('PostToolUse', 0, JSON.stringify({ hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: 'lint: 2 warnings' } }), ''),
    ).toMatchObject({ context: 'lint: 2 warnings' });
  });
  test('matchers are regexes; none and "*" match all; apply_patch also answers to Edit and Write', () => {
    const g = (matcher?: string) => ({ event: 'PreToolUse' as const, matcher, handlers: [], source: 'x' });
    expect(matches(g(), 'Bash')).toBe(true);
    expect(matches(g('*'), 'Bash')).toBe(true);
    expect(matches(g('^Bash$'), 'Bash')).toBe(true);
    expect(matches(g('^Bash$'), 'Read')).toBe(false);
    expect(matches(g('Edit|Write'), 'apply_patch')).toBe(true);
    expect(matches(g('(unclosed'), 'Bash')).toBe(false);
  });
});

describe('approver rules', () => {
  const spec = {
    default: 'deny' as const,
    wait_ms: 1000,
    rules: [
      { decision: 'allow' as const, tool: 'exec_command', match: '^npm (ci|test)' },
      { decision: 'deny' as const, match: 'curl', message: 'no network' },
    ],
  };
  const none = { network: false, read: [] as string[], write: [] as string[], scripts: false };
  const req = (tool: string, text: string, more: Partial<typeof none> = {}, workdir = '/ws') => ({
    tool,
    text,
    workdir,
    workspace: '/ws',
    permissions: { ...none, ...more },
  });
  test('first matching rule wins; default deny', () => {
    expect(decide(spec, req('exec_command', 'npm test'), 'k1')).toMatchObject({ approved: true, rule: 0, scripts: false });
    expect(decide(spec, req('exec_command', 'curl x'), 'k1')).toMatchObject({ approved: false, rule: 1, message: 'no network' });
    expect(decide(spec, req('apply_patch', 'npm test'), 'k1')).toMatchObject({ approved: false, rule: 'default' });
  });
  test('an allow rule grants network unless it names more; paths need a rule that names them; scripts only when the rule says so', () => {
    const rules = {
      ...spec,
      rules: [
        { decision: 'allow' as const, match: '^npm ci$', lifecycle_scripts: true },
        { decision: 'allow' as const, match: '^cp ', permissions: ['write' as const], paths: ['/opt/out/**'] },
        { decision: 'allow' as const, match: '^make', workdir: '^build(/|$)' },
      ],
    };
    expect(decide(rules, req('exec_command', 'npm ci', { network: true }), 'k')).toMatchObject({ approved: true, scripts: true });
    expect(decide(rules, req('exec_command', 'npm ci', { network: true, write: ['/etc'] }), 'k')).toMatchObject({ approved: false });
    expect(decide(rules, req('exec_command', 'cp a /opt/out/a', { write: ['/opt/out/a'] }), 'k')).toMatchObject({ approved: true, scripts: false });
    expect(decide(rules, req('exec_command', 'cp a /etc/a', { write: ['/etc/a'] }), 'k')).toMatchObject({ approved: false });
    expect(decide(rules, req('exec_command', 'cp a /opt/out/a', { network: true, write: ['/opt/out/a'] }), 'k')).toMatchObject({ approved: false });
    expect(decide(rules, req('exec_command', 'make', {}, '/ws/build'), 'k')).toMatchObject({ approved: true });
    expect(decide(rules, req('exec_command', 'make', {}, '/ws'), 'k')).toMatchObject({ approved: false });
    // A default allow never grants paths.
    expect(decide({ ...spec, rules: [], default: 'allow' }, req('exec_command', 'x', { read: ['/home'] }), 'k')).toMatchObject({ approved: false });
  });
  test('the modelled human wait is deterministic per key, positive, and averages the configured mean', () => {
    expect(decide(spec, req('exec_command', 'x'), 'same').waitMs).toBe(decide(spec, req('exec_command', 'x'), 'same').waitMs);
    const waits = Array.from({ length: 2000 }, (_, i) => decide(spec, req('exec_command', 'x'), `k${i}`).waitMs);
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(0);
    const mean = waits.reduce((a, b) => a + b, 0) / waits.length;
    expect(mean).toBeGreaterThan(900);
    expect(mean).toBeLessThan(1100);
  });
});
