import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/durations.js', import.meta.url));

/** @param {string[]} args */
function run(...args) {
  const { status, stdout, stderr } = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { status, stdout, stderr };
}

describe('cli', () => {
  test('prints milliseconds by default', () => {
    assert.deepEqual(run('1h30m'), { status: 0, stdout: '5400000\n', stderr: '' });
  });

  test('converts every argument, one per line', () => {
    assert.equal(run('1s', '2 minutes', 'PT1H').stdout, '1000\n120000\n3600000\n');
  });

  test('writes compact durations with --compact', () => {
    assert.equal(run('--compact', '5400000').stdout, '1h30m\n');
    assert.equal(run('-c', '90 minutes').stdout, '1h30m\n');
  });

  test('writes words with --long', () => {
    assert.equal(run('--long', '90m').stdout, '1 hour 30 minutes\n');
    assert.equal(run('-l', '1000.4').stdout, '1 second\n');
  });

  test('writes ISO 8601 with --iso', () => {
    assert.equal(run('--iso', '1d 2h').stdout, 'P1DT2H\n');
  });

  test('reads negative durations after --', () => {
    assert.equal(run('-c', '--', '-90m').stdout, '-1h30m\n');
    assert.equal(run('--', '-1500').stdout, '-1500\n');
  });

  test('reports invalid durations and exits with status 1', () => {
    const result = run('1h', 'soon', '2h');
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '3600000\n7200000\n');
    assert.match(result.stderr, /^durations: invalid duration "soon"$/m);
  });

  test('exits with status 2 on usage errors', () => {
    assert.equal(run().status, 2);
    assert.equal(run('--frobnicate', '1h').status, 2);
    assert.equal(run('--long', '--iso', '1h').status, 2);
  });

  test('prints help and version', () => {
    assert.match(run('--help').stdout, /^Usage: durations/);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    assert.equal(run('--version').stdout, `${pkg.version}\n`);
  });
});
