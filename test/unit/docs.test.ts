import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { z } from 'zod';
import { TrialRecord } from '../../src/record/schema.ts';
import { SCHEMA_DIR, schemaFiles } from '../../src/suite/emitSchemas.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const records = readFileSync(join(ROOT, 'docs', 'records.md'), 'utf8');

/** Field paths of a zod object schema, records shown as `<key>`, down to leaves (or named sub-objects). */
function paths(schema: z.ZodType, prefix = ''): string[] {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  if (def.type === 'nullable' || def.type === 'optional' || def.type === 'default') return paths(def.innerType as z.ZodType, prefix);
  if (def.type === 'object')
    return Object.entries(def.shape as Record<string, z.ZodType>).flatMap(([k, v]) => {
      const inner = paths(v, `${prefix}${k}.`);
      return inner.length ? inner : [`${prefix}${k}`];
    });
  if (def.type === 'record') return paths(def.valueType as z.ZodType, `${prefix}<role>.`);
  return [];
}

describe('documentation', () => {
  test('docs/records.md documents every TrialRecord field', () => {
    const readme = records;
    const lines = readme.split('\n');
    // Documented: named in backticks, or its leaf named on a line that names its parent in backticks.
    const documented = (p: string) => {
      const parts = p.split('.');
      const leaf = parts.at(-1)!;
      const parent = parts.slice(0, -1).join('.');
      return readme.includes(`\`${p}\``) || (parent !== '' && lines.some((l) => l.includes(`\`${parent}`) && l.includes(leaf)));
    };
    const missing = paths(TrialRecord).filter((p) => !documented(p));
    expect(missing).toEqual([]);
  });

  test('the JSON Schemas in suites/schemas are up to date (npm run schemas)', () => {
    for (const [name, text] of Object.entries(schemaFiles())) expect(readFileSync(join(SCHEMA_DIR, name), 'utf8'), name).toBe(text);
  });

  test('every docs page bench names in a message exists, and no message names a README section', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
      );
    const named = sources(join(ROOT, 'src')).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/docs\/[\w-]+\.md/g)].map((m) => m[0]));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((d) => !existsSync(join(ROOT, d)))).toEqual([]);
    // The README is a front page: sections come and go there (a fix text once named one that did not exist).
    const readmeSections = sources(join(ROOT, 'src')).filter((f) => /see README/i.test(readFileSync(f, 'utf8')));
    expect(readmeSections).toEqual([]);
  });
});
