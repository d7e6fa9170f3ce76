import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SafeFsError, SafeRoot } from '../../src/control/safefs.ts';
import { tmp } from '../helpers/fixtures.ts';

const gitGuard = (rel: string) => (rel === '.git' || rel.startsWith('.git/') ? `${rel} is inside .git` : null);

function setup() {
  const root = tmp();
  const ws = join(root, 'ws');
  const outside = join(root, 'outside');
  mkdirSync(join(ws, 'src', 'deep'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(ws, 'src', 'a.js'), 'a\n');
  writeFileSync(join(outside, 'secret.txt'), 'SECRET\n');
  writeFileSync(join(ws, '.git'), 'gitdir: /somewhere\n');
  return { root, ws, outside, fs: new SafeRoot(ws) };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SafeFsError) return err.code;
    throw err;
  }
  return 'ok';
}

describe('SafeRoot', () => {
  test('reads and writes inside the root, by relative or absolute path', () => {
    const { ws, fs } = setup();
    expect(fs.read('src/a.js', 100).data.toString()).toBe('a\n');
    expect(fs.read(join(ws, 'src/a.js'), 100).rel).toBe('src/a.js');
    expect(fs.write('src/new/b.js', 'b\n')).toBe('src/new/b.js');
    expect(readFileSync(join(ws, 'src/new/b.js'), 'utf8')).toBe('b\n');
    expect(fs.resolve('src/../src/./a.js')).toBe('src/a.js');
    expect(fs.resolve('.')).toBe('.');
  });

  test('refuses paths that leave the root: .., absolute paths, a sibling that starts with its name', () => {
    const { root, fs } = setup();
    mkdirSync(join(root, 'ws2'));
    expect(code(() => fs.read('../outside/secret.txt', 100))).toBe('outside');
    expect(code(() => fs.read('/etc/passwd', 100))).toBe('outside');
    expect(code(() => fs.read(join(root, 'ws2', 'x'), 100))).toBe('outside');
    expect(code(() => fs.write('src/../../outside/x', 'x'))).toBe('outside');
    expect(code(() => fs.read('/proc/self/environ', 100))).toBe('outside');
  });

  test('links are followed only inside the root', () => {
    const { ws, outside, fs } = setup();
    symlinkSync(join(outside, 'secret.txt'), join(ws, 'leak'));
    symlinkSync(outside, join(ws, 'escape'));
    symlinkSync('../outside/secret.txt', join(ws, 'rel-leak'));
    symlinkSync('src', join(ws, 'alias'));
    symlinkSync(join(ws, 'src', 'a.js'), join(ws, 'abs-inside'));
    expect(code(() => fs.read('leak', 100))).toBe('link_outside');
    expect(code(() => fs.read('escape/secret.txt', 100))).toBe('link_outside');
    expect(code(() => fs.read('rel-leak', 100))).toBe('outside');
    expect(code(() => fs.list('escape', { depth: 1, limit: 10 }))).toBe('link_outside');
    expect(fs.read('alias/a.js', 100).rel).toBe('src/a.js');
    expect(fs.read('abs-inside', 100).rel).toBe('src/a.js');
    expect(fs.resolve('alias/new.js')).toBe('src/new.js');
  });

  test('a dangling link is never written through, whether it points outside or in', () => {
    const { ws, outside, fs } = setup();
    symlinkSync(join(outside, 'planted.txt'), join(ws, 'dangling'));
    symlinkSync(join(outside, 'newdir'), join(ws, 'dangling-dir'));
    expect(code(() => fs.write('dangling', 'pwned'))).toBe('link_outside');
    expect(code(() => fs.write('dangling-dir/x', 'pwned'))).toBe('link_outside');
    expect(existsSync(join(outside, 'planted.txt'))).toBe(false);
    expect(existsSync(join(outside, 'newdir'))).toBe(false);
    // A dangling link inside the root: the write creates its target inside the root.
    symlinkSync('src/later.js', join(ws, 'later'));
    expect(fs.write('later', 'x')).toBe('src/later.js');
    expect(lstatSync(join(ws, 'later')).isSymbolicLink()).toBe(true);
  });

  test('writes replace the file: a hard link to an outside file keeps its content', () => {
    const { ws, outside, fs } = setup();
    linkSync(join(outside, 'secret.txt'), join(ws, 'hard'));
    fs.write('hard', 'changed\n');
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('SECRET\n');
    expect(readFileSync(join(ws, 'hard'), 'utf8')).toBe('changed\n');
  });

  test('modes of existing files are kept; removal removes a link, not its target', () => {
    const { ws, outside, fs } = setup();
    writeFileSync(join(ws, 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(ws, 'run.sh'), 0o755);
    fs.write('run.sh', '#!/bin/sh\necho hi\n');
    expect(lstatSync(join(ws, 'run.sh')).mode & 0o777).toBe(0o755);
    symlinkSync(join(outside, 'secret.txt'), join(ws, 'link'));
    expect(fs.remove('link')).toBe('link');
    expect(existsSync(join(outside, 'secret.txt'))).toBe(true);
    expect(code(() => fs.remove('src'))).toBe('not_a_file');
  });

  test('protect is asked on the resolved path, also when a link leads there', () => {
    const { ws, fs } = setup();
    symlinkSync('.git', join(ws, 'g'));
    expect(code(() => fs.write('.git', 'x', { protect: gitGuard }))).toBe('protected');
    expect(code(() => fs.write('g', 'x', { protect: gitGuard }))).toBe('protected');
    expect(code(() => fs.write('.git/hooks/pre-commit', 'x', { protect: gitGuard }))).toBe('protected');
    expect(code(() => fs.remove('.git', { protect: gitGuard }))).toBe('protected');
    expect(readFileSync(join(ws, '.git'), 'utf8')).toBe('gitdir: /somewhere\n');
  });

  test('FIFOs and directories are not read; reads stop at the cap', () => {
    const { ws, fs } = setup();
    execFileSync('mkfifo', [join(ws, 'fifo')]);
    expect(code(() => fs.read('fifo', 100))).toBe('not_a_file');
    expect(code(() => fs.read('src', 100))).toBe('not_a_file');
    writeFileSync(join(ws, 'big'), 'x'.repeat(5000));
    const r = fs.read('big', 1000);
    expect(r.truncated).toBe(true);
    expect(r.data.length).toBe(1000);
    expect(r.size).toBe(5000);
    expect(code(() => fs.readText('big', 1000))).toBe('too_large');
    expect(fs.readText('missing', 10)).toBeNull();
    expect(code(() => fs.write('w', 'x'.repeat(11), { maxBytes: 10 }))).toBe('too_large');
  });

  test('link loops end', () => {
    const { ws, fs } = setup();
    symlinkSync('b', join(ws, 'a'));
    symlinkSync('a', join(ws, 'b'));
    expect(code(() => fs.read('a', 10))).toBe('loop');
    expect(code(() => fs.write('a/x', 'x'))).toBe('loop');
  });

  test('lists without descending into links; skip leaves out what it names', () => {
    const { ws, outside, fs } = setup();
    symlinkSync(outside, join(ws, 'escape'));
    const { entries } = fs.list('.', { depth: 3, limit: 100, skip: (rel) => rel === '.git' });
    const paths = entries.map((e) => `${e.path}:${e.kind}`);
    expect(paths).toContain('escape:link');
    expect(paths).toContain('src/deep:dir');
    expect(paths).toContain('src/a.js:file');
    expect(paths.some((p) => p.startsWith('escape/'))).toBe(false);
    expect(paths.some((p) => p.startsWith('.git'))).toBe(false);
    expect(fs.list('src', { depth: 1, limit: 1 }).truncated).toBe(true);
  });

  test('a directory swapped for a link between two operations is not followed out', () => {
    const { ws, outside, fs } = setup();
    expect(fs.dir('src/deep')).toBe(join(fs.root, 'src/deep'));
    execFileSync('rm', ['-rf', join(ws, 'src', 'deep')]);
    symlinkSync(outside, join(ws, 'src', 'deep'));
    expect(code(() => fs.write('src/deep/x', 'x'))).toBe('link_outside');
    expect(code(() => fs.dir('src/deep'))).toBe('link_outside');
    expect(readlinkSync(join(ws, 'src', 'deep'))).toBe(outside);
    expect(existsSync(join(outside, 'x'))).toBe(false);
  });

  test('kind reports links as links', () => {
    const { ws, outside, fs } = setup();
    symlinkSync(outside, join(ws, 'escape'));
    expect(fs.kind('escape')).toBe('link');
    expect(fs.kind('src')).toBe('dir');
    expect(fs.kind('src/a.js')).toBe('file');
    expect(fs.kind('nope')).toBeNull();
  });

  test('a process swapping a directory and a link in a loop never gets a write or read outside', async () => {
    const { ws, outside, fs } = setup();
    writeFileSync(join(outside, 'x'), 'SECRET\n');
    mkdirSync(join(ws, 'real'));
    writeFileSync(join(ws, 'real', 'x'), 'inside\n');
    // Swap src/d between a real directory and a link to the outside, as fast as the shell can.
    const racer = spawn(
      'bash',
      ['-c', `cd ${JSON.stringify(ws)}; while true; do rm -rf d; ln -s ${JSON.stringify(outside)} d; rm -f d; mkdir d; echo in > d/x; done`],
      {
        stdio: 'ignore',
      },
    );
    try {
      let outsideSeen = 0;
      for (let i = 0; i < 3000; i++) {
        try {
          fs.write('d/x', `w${i}\n`);
        } catch {
          // refused or raced away: both fine
        }
        try {
          if (fs.read('d/x', 100).data.toString().includes('SECRET')) outsideSeen++;
        } catch {
          // refused
        }
      }
      expect(outsideSeen).toBe(0);
      expect(readFileSync(join(outside, 'x'), 'utf8')).toBe('SECRET\n');
      expect(execFileSync('ls', [outside], { encoding: 'utf8' }).trim().split('\n')).toEqual(['secret.txt', 'x']);
    } finally {
      racer.kill('SIGKILL');
    }
  });
});
