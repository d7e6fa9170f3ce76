// Where bench is told to write (--out): checked before anything runs, so a wrong path is an input
// error naming it rather than a failed write halfway through.
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../errors.ts';

/** Refuses `path` as the `kind` bench will make there when a file stands where a folder is needed, or a folder where the file goes. */
export function checkOutputPath(path: string, kind: 'file' | 'folder', field: string): void {
  for (let p = path; ; p = dirname(p)) {
    if (existsSync(p)) {
      const folder = statSync(p).isDirectory();
      if (p === path && kind === 'file' && folder)
        throw new InputError('this is a folder, where bench writes a file', { file: p, field, fix: `name a file for ${field}, e.g. ${p}/index.html` });
      if ((p !== path || kind === 'folder') && !folder)
        throw new InputError('this is a file, where bench needs a folder', {
          file: p,
          field,
          fix: `point ${field} at a folder (made if missing), or move the file`,
        });
      return;
    }
    if (dirname(p) === p) return;
  }
}
