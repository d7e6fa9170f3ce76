import { expect, test } from 'vitest';
import { errorLine } from '../../src/workspace/workspace.ts';

test("a failed setup's reason is the line that says why, not the advice printed after it", () => {
  const pnpm =
    'Progress: resolved 1272\n[ERR_PNPM_FETCH_404] GET https://registry.npmjs.org/typedriver: Not Found - 404\n\ntypedriver is not in the npm registry.\n\nNo authorization header was set for the request.\n';
  expect(errorLine(pnpm)).toBe('[ERR_PNPM_FETCH_404] GET https://registry.npmjs.org/typedriver: Not Found - 404');
  const npm = 'npm error code E404\nnpm error 404 Not Found - GET https://r/x\nnpm error A complete log of this run can be found in: /root/x.log\n';
  expect(errorLine(npm)).toBe('npm error 404 Not Found - GET https://r/x');
  expect(errorLine('\x1b[31mboom\x1b[0m\n')).toBe('boom');
  expect(errorLine('x'.repeat(500))).toHaveLength(240);
  expect(errorLine('\n \n')).toBeNull();
});
