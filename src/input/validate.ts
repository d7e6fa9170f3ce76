// Reading user-written files (YAML, JSON) against a zod schema, with errors that carry file, line,
// field and fix. TOML lives in the workflow loader's own reader (it has its own line info).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { InputError, InputErrors } from '../errors.ts';
import { fieldName, zodInputErrors, type LineOf } from './issues.ts';

/** Keys an object schema accepts at a path inside `schema` (for "did you mean" hints). */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const unwrap = (s: z.ZodType | undefined): z.ZodType[] => {
    if (!s) return [];
    const def = (s as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
        return unwrap(def.innerType as z.ZodType);
      case 'pipe':
        return unwrap(def.in as z.ZodType);
      case 'union':
        return (def.options as z.ZodType[]).flatMap(unwrap);
      default:
        return [s];
    }
  };
  let current: z.ZodType[] = unwrap(schema);
  for (const key of path) {
    const next: z.ZodType[] = [];
    for (const s of current) {
      const def = (s as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
      if (def.type === 'object' && typeof key === 'string') next.push(...unwrap((def.shape as Record<string, z.ZodType>)[key]));
      else if (def.type === 'array' && typeof key === 'number') next.push(...unwrap(def.element as z.ZodType));
      else if (def.type === 'record') next.push(...unwrap(def.valueType as z.ZodType));
    }
    current = next;
  }
  const keys = new Set<string>();
  for (const s of current) {
    const def = (s as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
    if (def.type === 'object') for (const k of Object.keys(def.shape as object)) keys.add(k);
  }
  return [...keys];
}

function yamlLineOf(doc: Document, counter: LineCounter): LineOf {
  return (path) => {
    // Walk the document by hand: getIn() does not hand back map *keys*, which is where an unknown key lives.
    let node: unknown = doc.contents;
    let offset: number | undefined = (node as { range?: number[] } | null)?.range?.[0];
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
        if (!pair) break;
        offset = (pair.key as { range?: number[] } | null)?.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        node = node.items[key];
        offset = (node as { range?: number[] } | null)?.range?.[0] ?? offset;
      } else break;
    }
    return offset === undefined ? undefined : counter.linePos(offset).line;
  };
}

/** Parses YAML (JSON is YAML) and validates it; throws InputErrors naming file, line, field and fix. */
export function parseYaml<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new InputErrors(
      doc.errors.map(
        (e) =>
          new InputError((e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, ''), {
            file,
            line: e.linePos?.[0]?.line,
            fix: 'fix the YAML syntax at that line (indentation, quoting, a missing colon)',
          }),
      ),
    );
  }
  const parsed = schema.safeParse(doc.toJS() ?? {}, { reportInput: true });
  if (!parsed.success) throw new InputErrors(zodInputErrors(parsed.error, file, yamlLineOf(doc, counter), (p) => knownKeysAt(schema, p)));
  return parsed.data;
}

export function readYamlFile<S extends z.ZodType>(file: string, schema: S, displayName = file): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      file: displayName,
      fix: 'check the path',
    });
  }
  return parseYaml(text, displayName, schema);
}

/**
 * A JSON file bench wrote (run.json, cassette.json) read back: one cut off by a kill, edited into
 * invalid JSON or written by another version of bench is an InputError naming the file and the fix.
 */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S, fix: { broken: string; mismatch: string }): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why =
      err instanceof SyntaxError
        ? `not valid JSON (cut off, or edited): ${err.message}`
        : `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
    throw new InputError(why, { file, fix: fix.broken });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`${basename(file)} does not match this version of bench: ${issue.message}`, { file, field: fieldName(issue.path), fix: fix.mismatch });
  }
  return parsed.data;
}
