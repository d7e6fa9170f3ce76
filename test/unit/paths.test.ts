import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { resolveIn } from '../../src/control/paths.ts';
import { tmp } from '../helpers/fixtures.ts';

describe('resolveIn', () => {
  const root = tmp();
  const ws = join(root, 'ws');
  mkdirSync(join(ws, 'src'), { recursive: true });
  mkdirSync(join(root, 'outside'));
  symlinkSync(join(root, 'outside'), join(ws, 'escape'));
  symlinkSync(join(ws, 'src'), join(ws, 'alias'));

  test('relative paths inside the workspace', () => {
    expect(resolveIn(ws, 'src/a.js').rel).toBe('src/a.js');
    expect(resolveIn(ws, '.').rel).toBe('.');
    expect(resolveIn(ws, 'src/../README.md').rel).toBe('README.md');
  });
  test('.. and absolute paths that leave it', () => {
    expect(resolveIn(ws, '../outside/x').rel).toBeNull();
    expect(resolveIn(ws, '/etc/passwd').rel).toBeNull();
    expect(resolveIn(ws, join(ws, 'src/x.js')).rel).toBe('src/x.js');
  });
  test('symlinks are followed, also for files that do not exist yet', () => {
    expect(resolveIn(ws, 'escape/new-file.txt').rel).toBeNull();
    expect(resolveIn(ws, 'alias/new.js').rel).toBe('src/new.js');
  });
  test('a sibling whose name starts like the workspace is outside', () => {
    mkdirSync(join(root, 'ws2'));
    expect(resolveIn(ws, '../ws2/x').rel).toBeNull();
  });
});
