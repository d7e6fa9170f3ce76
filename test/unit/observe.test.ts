// What bench sees of a command's writes: the worktree before and after it.
import { mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { treeState, writtenBetween } from '../../src/control/observe.ts';
import { tmp, writeFiles } from '../helpers/fixtures.ts';

describe('treeState and writtenBetween', () => {
  test('created, changed (even to the same size) and removed files are written; untouched ones, .git and node_modules are not', () => {
    const root = tmp();
    writeFiles(root, { 'a.txt': 'one', 'b.txt': 'two', 'c/d.txt': 'x', '.git/HEAD': 'ref', 'node_modules/m/index.js': '1' });
    const before = treeState(root)!;
    writeFileSync(join(root, 'a.txt'), 'uno'); // same size, new content
    utimesSync(join(root, 'a.txt'), new Date(2000, 1, 1), new Date(2000, 1, 1)); // even with its mtime set back: ctime moved
    rmSync(join(root, 'c', 'd.txt'));
    writeFileSync(join(root, 'new.txt'), 'n');
    writeFileSync(join(root, '.git', 'HEAD'), 'other');
    writeFileSync(join(root, 'node_modules', 'm', 'index.js'), '2');
    expect(writtenBetween(before, treeState(root)!)).toEqual(['a.txt', 'c/d.txt', 'new.txt']);
  });

  test('links are not followed; a tree too deep is not observed (null), not walked forever', () => {
    const root = tmp();
    const outside = tmp();
    writeFiles(outside, { 'secret.txt': 's' });
    symlinkSync(outside, join(root, 'out'));
    const state = treeState(root)!;
    expect([...state.keys()]).toEqual(['out']);
    let deep = root;
    for (let i = 0; i < 70; i++) {
      deep = join(deep, 'd');
      mkdirSync(deep);
    }
    expect(treeState(root)).toBeNull();
  });
});
