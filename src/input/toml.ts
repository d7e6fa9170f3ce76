// Reading TOML files (Codex config, agent files, bench.toml) against zod schemas: syntax errors carry
// line and column from the parser; validation errors get their line from a scan of keys and tables.
import { readFileSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { z } from 'zod';
import { InputError, InputErrors } from '../errors.ts';
import { zodInputErrors, type LineOf } from './issues.ts';
import { knownKeysAt } from './validate.ts';

/** Line of each key path (`a.b.c`; arrays of tables as `a.0.b`), from headers and `key =` lines. */
function keyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const counts = new Map<string, number>();
  let table: string[] = [];
  const unquote = (k: string) =>
    k
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .replace(/^'(.*)'$/, '$1');
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    const arr = /^\[\[([^\]]+)\]\]/.exec(line);
    const tbl = arr ? null : /^\[([^\]]+)\]/.exec(line);
    if (arr) {
      const name = arr[1]!.split('.').map(unquote).join('.');
      const n = counts.get(name) ?? 0;
      counts.set(name, n + 1);
      table = [...name.split('.'), String(n)];
      lines.set(table.join('.'), i + 1);
      if (!lines.has(name)) lines.set(name, i + 1);
    } else if (tbl) {
      table = tbl[1]!.split('.').map(unquote);
      if (!lines.has(table.join('.'))) lines.set(table.join('.'), i + 1);
    } else {
      const kv = /^("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=/.exec(line);
      if (kv) {
        const key = [...table, ...kv[1]!.split('.').map(unquote)].join('.');
        if (!lines.has(key)) lines.set(key, i + 1);
      }
    }
  });
  return lines;
}

export function parseTomlText(text: string, file: string): unknown {
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof TomlError) {
      throw new InputError(err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, ''), {
        file,
        line: err.line,
        fix: 'fix the TOML syntax at that line (quotes, brackets, `key = value`)',
      });
    }
    throw err;
  }
}

export function parseToml<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  const value = parseTomlText(text, file);
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  const lines = keyLines(text);
  const lineOf: LineOf = (path) => {
    for (let n = path.length; n > 0; n--) {
      const hit = lines.get(path.slice(0, n).map(String).join('.'));
      if (hit) return hit;
    }
    return undefined;
  };
  throw new InputErrors(zodInputErrors(parsed.error, file, lineOf, (p) => knownKeysAt(schema, p)));
}

export function readTomlFile<S extends z.ZodType>(file: string, schema: S, shown = file): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { file: shown, fix: 'check the path' });
  }
  return parseToml(text, shown, schema);
}
