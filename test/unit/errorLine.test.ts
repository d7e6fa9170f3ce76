import { expect, test } from 'vitest';
import { errorLine } from '../../src/workspace/workspace.ts';

test("a failed setup's reason is the line that says why, not the advice printed after it", () => {
  const pnpm =
    'Progress: resolved 1272\n[ERR_PNPM_FETCH_404] GET https://registry.npmjs.org/typedriver: Not Found - 404\n\ntypedriver is not in the npm registry.\n\nNo authorization header was set for the request.\n';
  expect(errorLine(pnpm)).toBe('[ERR_PNPM_FETCH_404] GET https://registry.npmjs.org/typedriver: Not Found - 404');
  const npm = 'npm error code E404\nnpm error 404 Not Found - GET https://r/x\nnpm error A complete log of this run can be found in: /root/x.log\n';
  expect(errorLine(npm)).toBe('npm error 404 Not Found - GET https://r/x');
  const lifecycle = [
    'npm error   ✖ Error: Command failed: /bin/sh -c autoreconf -ivf',
    'npm error /bin/sh: 1: autoreconf: not found',
    'npm error',
    'npm error     at /tmp/mobx/website/node_modules/execa/index.js:231:11',
    'npm error A complete log of this run can be found in: /root/.npm/_logs/a.log',
    'npm error code 1',
    'npm error path /tmp/mobx',
    'npm error command failed',
    'npm error command sh -c npm install --prefix website',
    'npm error A complete log of this run can be found in: /root/.npm/_logs/b.log',
  ].join('\n');
  expect(errorLine(lifecycle)).toBe('npm error   ✖ Error: Command failed: /bin/sh -c autoreconf -ivf (running npm install --prefix website)');
  expect(errorLine('\x1b[31mboom\x1b[0m\n')).toBe('boom');
  expect(errorLine('x'.repeat(500))).toHaveLength(240);
  expect(errorLine('\n \n')).toBeNull();
});
