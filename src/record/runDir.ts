// The results folder of one run: results/<run-id>/{run.json, trials.jsonl, trials.csv, trials/<id>/...}.
// trials.jsonl is appended and flushed as each trial finishes, so a killed run loses only trials in
// flight; reading it back tolerates the torn last line such a kill can leave. A trial run again (after an
// error) is appended again: the last line of a trial is its record, and the run is compacted at its end.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { z } from 'zod';
import { InputError } from '../errors.ts';
import { checkOutputPath } from '../input/outputPath.ts';
import { readJsonFile } from '../input/validate.ts';
import { Redactor } from './redact.ts';
import { RunManifest, TrialRecord } from './schema.ts';

/** A run id is one plain folder name: no separator, nothing hidden, nothing that climbs out of the results folder. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/**
 * The folder of run `runId` under the results folder `outDir`, checked before anything is written: the
 * id must be a plain folder name (`--run-id ../x` would write outside `--out`), and no file may stand
 * where a folder is needed. `field` names the flag the id came from.
 */
export function runFolder(outDir: string, runId: string, field = '--run-id'): string {
  if (!RUN_ID.test(runId))
    throw new InputError(`${JSON.stringify(runId)} is not a plain folder name`, {
      field,
      fix: 'use letters, digits, ".", "_" and "-", starting with a letter or digit (e.g. pr-2026-01-15)',
    });
  const dir = join(outDir, runId);
  checkOutputPath(dir, 'folder', '--out');
  return dir;
}

export class RunDir {
  readonly dir: string;
  /** Secrets never reach a file of the run: records, CSV and trial files are redacted as they are written. */
  readonly redactor: Redactor;

  constructor(dir: string, redactor: Redactor = Redactor.none) {
    this.dir = dir;
    this.redactor = redactor;
  }

  get manifestFile(): string {
    return join(this.dir, 'run.json');
  }
  get trialsFile(): string {
    return join(this.dir, 'trials.jsonl');
  }
  get csvFile(): string {
    return join(this.dir, 'trials.csv');
  }
  trialDir(trialId: string): string {
    const d = join(this.dir, 'trials', trialId);
    mkdirSync(d, { recursive: true });
    return d;
  }

  exists(): boolean {
    return existsSync(this.manifestFile);
  }

  writeManifest(manifest: z.input<typeof RunManifest>): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(this.manifestFile, `${JSON.stringify(RunManifest.parse(manifest), null, 2)}\n`);
  }

  readManifest(): RunManifest {
    if (!this.exists()) {
      throw new InputError('not a run folder (no run.json)', { file: this.dir, fix: 'pass a folder made by `bench replay`, e.g. results/<run-id>' });
    }
    return readJsonFile(this.manifestFile, RunManifest, {
      broken: 'run.json is written once, when the run starts: restore it (from a copy or the CI artifact); trials.jsonl is not touched',
      mismatch: 'replay the run with this version, or use the bench version that made it',
    });
  }

  /** A file of a trial (patch, logs, answer), written redacted. */
  writeTrialFile(trialId: string, name: string, text: string): string {
    const file = join(this.trialDir(trialId), name);
    writeFileSync(file, this.redactor.text(text));
    return file;
  }

  /** Appends one record and flushes it to disk before returning. */
  append(record: TrialRecord): void {
    const line = `${JSON.stringify(TrialRecord.parse(this.redactor.value(record)))}\n`;
    const fd = openSync(this.trialsFile, 'a');
    try {
      writeSync(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Writes a whole trials.jsonl at once (a merged or regraded run) and its trials.csv. */
  writeRecords(records: TrialRecord[]): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(this.trialsFile, records.map((r) => `${JSON.stringify(TrialRecord.parse(this.redactor.value(r)))}\n`).join(''));
    this.writeCsv(records);
  }

  /**
   * Every complete record. A torn last line (the process died mid-write) is left out and said through
   * `warn`, with the trials recorded against those planned; with `repair` it is cut off the file, so a
   * resumed run appends after the last whole record.
   */
  readRecords(opts: { repair?: boolean; warn?: (message: string) => void } = {}): TrialRecord[] {
    if (!existsSync(this.trialsFile)) return [];
    const text = readFileSync(this.trialsFile, 'utf8');
    const size = Buffer.byteLength(text);
    const records: TrialRecord[] = [];
    let offset = 0;
    for (const [i, line] of text.split('\n').entries()) {
      const end = offset + Buffer.byteLength(line) + 1;
      if (line.trim()) {
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          if (end < size) throw new InputError('not valid JSON', { file: this.trialsFile, line: i + 1, fix: 'remove the broken line (or restore the file)' });
          if (opts.repair) truncateSync(this.trialsFile, offset);
          const planned = this.exists() ? ` of ${this.readManifest().trials_planned} planned` : '';
          opts.warn?.(
            `${this.trialsFile}:${i + 1}: the last line is cut off (bench was stopped while writing it) and left out: ${records.length}${planned} trials recorded (\`bench replay ... --resume\` runs the rest)`,
          );
          break;
        }
        const parsed = TrialRecord.safeParse(value);
        if (!parsed.success) {
          throw new InputError(`record does not match the TrialRecord schema: ${parsed.error.issues[0]?.message}`, {
            file: this.trialsFile,
            line: i + 1,
            field: parsed.error.issues[0]?.path.join('.'),
            fix: 'use the bench version that wrote this run, or remove the line',
          });
        }
        records.push(parsed.data);
      }
      offset = end;
    }
    return latestPerTrial(records);
  }

  /**
   * Rewrites trials.jsonl with one line per trial when a trial was recorded again (a retried attempt is
   * appended after the one it replaces): written to a new file and renamed over, so a kill leaves
   * either file whole.
   */
  compact(): void {
    if (!existsSync(this.trialsFile)) return;
    const lines = readFileSync(this.trialsFile, 'utf8')
      .split('\n')
      .filter((l) => l.trim()).length;
    const records = this.readRecords();
    if (records.length === lines) return;
    const tmp = `${this.trialsFile}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.trialsFile);
  }

  /**
   * Before a trial runs: files an earlier attempt left in its folder (one killed mid-way, or one that
   * ended in an error and runs again) move to `attempt-<n>/` inside it, so each attempt's events and
   * logs stay apart. Returns that folder's name, or null when the folder was empty.
   */
  startAttempt(trialId: string): string | null {
    const dir = this.trialDir(trialId);
    const entries = readdirSync(dir);
    const current = entries.filter((e) => !ATTEMPT_DIR.test(e));
    if (!current.length) return null;
    const n = Math.max(0, ...entries.filter((e) => ATTEMPT_DIR.test(e)).map((e) => Number(e.slice('attempt-'.length)))) + 1;
    const folder = `attempt-${n}`;
    mkdirSync(join(dir, folder));
    for (const e of current) renameSync(join(dir, e), join(dir, folder, e));
    return folder;
  }

  /** Rewrites trials.csv from trials.jsonl (one row per trial, nested fields flattened with dots). */
  writeCsv(records = this.readRecords()): void {
    // Values are redacted before they are JSON-encoded into cells: a secret escaped twice (JSON, then CSV) is no form the text pass knows.
    writeFileSync(this.csvFile, this.redactor.text(recordsToCsv(records.map((r) => this.redactor.value(r)))));
  }
}

/** Earlier attempts' folders inside a trial's folder. */
const ATTEMPT_DIR = /^attempt-\d+$/;

/** One record per trial: the last one recorded (a retried trial is appended again), in the order they were last written. */
export function latestPerTrial(records: TrialRecord[]): TrialRecord[] {
  const byId = new Map<string, TrialRecord>();
  for (const r of records) {
    byId.delete(r.trial_id);
    byId.set(r.trial_id, r);
  }
  return [...byId.values()];
}

export type CsvCell = string | number | boolean | null;

/**
 * One CSV row of a record: nested objects become dotted columns (`roles.worker.tokens.input`); what has
 * no scalar columns to spread into (arrays, whatever they hold, and empty objects) is one cell of JSON,
 * so a test id with spaces or a list of denials reads back whole.
 */
export function flatten(value: unknown, prefix = '', out: Record<string, CsvCell> = {}): Record<string, CsvCell> {
  if (value === null || value === undefined) out[prefix] = null;
  else if (typeof value !== 'object') out[prefix] = value as string | number | boolean;
  else if (!Array.isArray(value) && Object.keys(value).length) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = JSON.stringify(value);
  return out;
}

export function recordsToCsv(records: TrialRecord[]): string {
  const rows = records.map((r) => flatten(r));
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows)
    for (const k of Object.keys(row))
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
  return stringify(rows, { header: true, columns, cast: { boolean: (b) => (b ? 'true' : 'false') } });
}

/** Reads a trials.csv back into flat rows (numbers and booleans restored, empty cells as null; JSON cells stay text). */
export function readCsv(text: string): Record<string, CsvCell>[] {
  return parseCsv(text, {
    columns: true,
    skip_empty_lines: true,
    cast: (value) => {
      if (value === '') return null;
      if (value === 'true') return true;
      if (value === 'false') return false;
      const n = Number(value);
      return Number.isFinite(n) && /^-?\d/.test(value) ? n : value;
    },
  }) as Record<string, CsvCell>[];
}
