import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, test } from 'vitest';
import { Redactor } from '../../src/record/redact.ts';
import { readCsv, RunDir } from '../../src/record/runDir.ts';
import { TrialRecord } from '../../src/record/schema.ts';
import { tmp } from '../helpers/fixtures.ts';
import { sampleRecord } from '../helpers/records.ts';

/** Records whose lists hold what a space-joined cell would lose: ids with spaces, objects, empty lists. */
function records(): TrialRecord[] {
  const pr = sampleRecord({
    trial_id: 'fix parse__broad__r0',
    models: { explorer: 'gpt-5', worker: 'gpt-5-mini' },
    output: { ...sampleRecord().output, files: ['src/a b.js', 'docs/x,y.md'], out_of_scope: ['package.json'] },
    quality: {
      ...sampleRecord().quality,
      resolved: false,
      failing: ['test/a.test.js > parse > reads "1h 30m"', 'test/a.test.js > parse > issue #12, with commas'],
      note: 'line one\nline two',
    },
  });
  pr.control.denials = [
    { stage: 'sandbox', tool: 'exec_command', role: 'worker', reason: 'write outside the workspace: /etc/passwd' },
    { stage: 'hook', tool: 'apply_patch', role: 'worker', reason: 'blocked by "guard.sh", exit 2' },
  ];
  const docs = sampleRecord({
    trial_id: 'docs__roles__r1',
    kind: 'docs',
    status: 'infra_error',
    error: { stage: 'setup', message: 'npm ci failed' },
    cost_usd: null,
    roles: {},
    docs: {
      passed: false,
      checks: [
        { name: 'links', passed: true, detail: '3 links resolve' },
        { name: 'content', passed: false, detail: 'missing "--flag"' },
      ],
    },
  });
  const triage = sampleRecord({
    trial_id: 'triage__broad__r0',
    kind: 'triage',
    triage: {
      answer: { labels: ['bug', 'needs info'], priority: 'p1', component: 'src/cli.js', duplicate_of: null, needs_info: true },
      parse_error: null,
      scores: { labels_f1: 0.5, priority: true, component: false, duplicate: true, needs_info: true },
      passed: false,
      severity: 'normal',
      severe_misprioritised: false,
    },
  });
  return [pr, docs, triage];
}

type Cell = string | number | boolean | null;

/** Fields keyed by role: a role a trial did not have shows as empty cells in the columns of other trials' roles. */
const BY_ROLE = new Set(['models', 'roles']);

/**
 * A flat CSV row back into a record, as a user's script would: cells of JSON parsed, dotted columns
 * nested. A null cell is kept only where its parent object exists in this row (the other columns are
 * other rows' fields) and is not a by-role map.
 */
function unflatten(row: Record<string, Cell>): unknown {
  const out: Record<string, unknown> = {};
  const at = (path: string[]) => path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), out);
  const set = (path: string[], value: unknown) => {
    let o = out;
    for (const k of path.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[path.at(-1)!] = value;
  };
  const cells = Object.entries(row).map(([k, v]) => [k.split('.'), typeof v === 'string' && /^[[{]/.test(v) ? JSON.parse(v) : v] as const);
  for (const [path, v] of cells) if (v !== null) set(path, v);
  for (const [path, v] of cells.filter(([, v]) => v === null).sort((a, b) => a[0].length - b[0].length)) {
    const parent = path.length === 1 ? out : at(path.slice(0, -1));
    if (parent && typeof parent === 'object' && at(path) === undefined && !(path.length === 2 && BY_ROLE.has(path[0]!))) set(path, v);
  }
  return out;
}

/** Cells as csv-parse gives them, typed the way the docs say: empty is null, true/false, numbers. */
const typed = (v: string): Cell =>
  v === '' ? null : v === 'true' ? true : v === 'false' ? false : /^-?\d/.test(v) && Number.isFinite(Number(v)) ? Number(v) : v;

function writeRun(): RunDir {
  const run = new RunDir(join(tmp(), 'run'));
  run.writeRecords(records());
  return run;
}

describe('trials.csv', () => {
  test('lists are JSON cells: every record reads back whole with csv-parse and JSON.parse', () => {
    const run = writeRun();
    const text = readFileSync(run.csvFile, 'utf8');
    expect(text).not.toContain('[object Object]');
    const rows = (parse(text, { columns: true }) as Record<string, string>[]).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typed(v)])));
    expect(rows[0]!['quality.failing']).toBe(JSON.stringify(records()[0]!.quality.failing));
    expect(rows.map((r) => TrialRecord.parse(unflatten(r)))).toEqual(records());
  });

  test('a secret in a list is redacted from its JSON cell', () => {
    const secret = 'pa"ss\\wo/rd 1!';
    const run = new RunDir(join(tmp(), 'run'), new Redactor([{ name: 'S', value: secret }]));
    run.writeRecords([sampleRecord({ output: { ...sampleRecord().output, files: [`key-${secret}.txt`] } })]);
    const text = readFileSync(run.csvFile, 'utf8');
    expect(new Redactor([{ name: 'S', value: secret }]).find(text)).toBeNull();
    expect(JSON.parse(String(readCsv(text)[0]!['output.files']))).toEqual(['key-[redacted:S].txt']);
  });

  // The first python3 that has pandas (a pyenv shim on PATH may lack what Debian's python3-pandas gave /usr/bin/python3).
  const python = ['python3', '/usr/bin/python3'].find((py) => spawnSync(py, ['-c', 'import pandas'], { encoding: 'utf8' }).status === 0);
  if (!python && process.env.BENCH_REQUIRE_INTEROP) throw new Error('BENCH_REQUIRE_INTEROP is set but no python3 has pandas (apt-get install python3-pandas)');
  test.skipIf(!python)(
    `pandas reads it back whole${python ? '' : ' (skipped: python3 with pandas is not installed, e.g. apt-get install python3-pandas)'}`,
    () => {
      const run = writeRun();
      // What a user does: read_csv with its defaults, then json.loads on the list columns.
      const script = [
        'import json, math, sys, pandas',
        'df = pandas.read_csv(sys.argv[1])',
        'def cell(v):',
        '    if isinstance(v, float) and math.isnan(v): return None',
        '    if hasattr(v, "item"): v = v.item()',
        '    if isinstance(v, float) and v.is_integer(): return int(v)',
        '    return v',
        'print(json.dumps([{k: cell(v) for k, v in row.items()} for row in df.to_dict("records")]))',
      ].join('\n');
      const r = spawnSync(python!, ['-c', script, run.csvFile], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      const rows = JSON.parse(r.stdout) as Record<string, Cell>[];
      expect(rows.map((row) => TrialRecord.parse(unflatten(row)))).toEqual(records());
    },
  );

  test('duckdb reads it back whole (read_csv with its type detection)', async () => {
    const run = writeRun();
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const result = await conn.runAndReadAll(`SELECT * FROM read_csv(${`'${run.csvFile.replaceAll("'", "''")}'`})`);
      // duckdb types the columns: integers come as bigint, the time columns as timestamps (the same instant).
      const cell = (v: unknown): Cell => (typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.toISOString() : (v as Cell));
      const rows = result.getRowObjectsJS().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, cell(v)])));
      expect(result.columnTypes().map(String)).toContain('TIMESTAMP WITH TIME ZONE');
      expect(rows.map((row) => TrialRecord.parse(unflatten(row)))).toEqual(records());
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});
