// Finding programs bench runs: on PATH, or inside the optional @openai/codex package (its CLI, and the
// bubblewrap its Linux builds ship).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The first `name` on PATH, or null. */
export function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return null;
}

/** The folder of the installed @openai/codex package, or null when it is not installed. */
export function codexPackageRoot(): string | null {
  try {
    return dirname(createRequire(import.meta.url).resolve('@openai/codex/package.json'));
  } catch {
    return null;
  }
}
