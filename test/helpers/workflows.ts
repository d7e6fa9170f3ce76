// Workflow folders made in tests, starting from a copy of a shipped one.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { tmp, writeFiles } from './fixtures.ts';

export const SHIPPED = join(import.meta.dirname, '..', '..', 'suites', 'workflows');

/** A copy of a shipped workflow folder with some files replaced or added. */
export function workflowCopy(name: 'broad' | 'roles', files: Record<string, string> = {}): string {
  const dir = join(tmp('bench-wf-'), name);
  cpSync(join(SHIPPED, name), dir, { recursive: true });
  writeFiles(dir, files);
  return dir;
}
