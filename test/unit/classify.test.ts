import { describe, expect, test } from 'vitest';
import { isTestCommand, looksLikeNetwork, showsNetworkFailure } from '../../src/control/classify.ts';

describe('command classification', () => {
  test.each([
    'npm test',
    'npm run test -- --watch=false',
    'cd pkg && pnpm test',
    'node --test',
    'node --experimental-vm-modules --test test/',
    'npx vitest run',
    'pytest -q',
    'go test ./...',
    'cargo test',
  ])('%s is a test run', (cmd) => {
    expect(isTestCommand(cmd)).toBe(true);
  });
  test.each(['npm install', 'ls test/', 'cat test/a.test.js', 'node src/cli.js', 'git diff'])('%s is not a test run', (cmd) => {
    expect(isTestCommand(cmd)).toBe(false);
  });
  test.each([
    'curl -s https://example.com',
    'wget x',
    'git fetch origin',
    'npm install left-pad',
    'node -e "fetch(\'https://x.org\')"',
    'pip install requests',
  ])('%s reaches the network', (cmd) => {
    expect(looksLikeNetwork(cmd)).toBe(true);
  });
  test.each(['npm test', 'git diff', 'node -e "fetch(\'http://127.0.0.1:3000\')"', 'ls'])('%s stays local', (cmd) => {
    expect(looksLikeNetwork(cmd)).toBe(false);
  });
  test('recognises network failures in output', () => {
    expect(showsNetworkFailure('curl: (6) Could not resolve host: example.com')).toBe(true);
    expect(showsNetworkFailure('TypeError: fetch failed')).toBe(true);
    expect(showsNetworkFailure('1 passing')).toBe(false);
  });
});
