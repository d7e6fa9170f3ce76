// bubblewrap: a folder that must stay hidden is covered wherever it lies, also inside a folder the sandbox
// shows because the suite or an approval asked for it (a read path holding a results folder).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { commandEnv, detectSandbox, type SandboxBackend } from '../../src/control/sandbox.ts';
import { tmp } from '../helpers/fixtures.ts';

const sandbox = detectSandbox('bwrap');

describe.skipIf('error' in sandbox)('bwrap covers', () => {
  test('a hidden folder inside a shown read path stays hidden; a writable folder inside it stays writable', async () => {
    const root = tmp('bench-covers-');
    const shown = join(root, 'data');
    const secret = join(shown, 'results');
    const inner = join(secret, 'mine');
    for (const d of [shown, secret, inner, join(root, 'ws')]) mkdirSync(d, { recursive: true });
    writeFileSync(join(shown, 'ok.txt'), 'ok\n');
    writeFileSync(join(secret, 'gold.txt'), 'the answer\n');
    const { env, home, tmp: t } = commandEnv(join(root, 'scratch'));
    const res = await (sandbox as SandboxBackend).run(
      `cat ${shown}/ok.txt; ls -A ${secret}; cat ${secret}/gold.txt 2>&1; echo w > ${inner}/w.txt && echo wrote`,
      {
        mode: 'workspace-write',
        network: false,
        workspace: join(root, 'ws'),
        writable: [home, t, inner],
        hidden: [secret],
        reveal: [shown],
        cwd: join(root, 'ws'),
      },
      { env, timeoutMs: 30_000, maxOutputBytes: 65536 },
    );
    expect(res.stdout).toContain('ok');
    expect(res.stdout).not.toContain('the answer');
    expect(res.stdout).toMatch(/gold\.txt: No such file or directory/);
    expect(res.stdout).toContain('wrote');
  });
});
