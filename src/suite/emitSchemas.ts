// Writes JSON Schemas of bench's file formats (from the zod schemas) to suites/schemas/, for editors:
// add `# yaml-language-server: $schema=../schemas/task.schema.json` to a task file.
//   npm run schemas            write them
//   npm run schemas -- --check exit 1 if the committed ones are stale
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { GatePolicy } from '../gate/policy.ts';
import { GateVerdict } from '../gate/verdict.ts';
import { SimProfile } from '../model/sim/profile.ts';
import { RunManifest, TrialRecord } from '../record/schema.ts';
import { RunConfig } from '../replay/config.ts';
import { SuiteFile, TaskFile } from './schema.ts';
import { MineEras } from './eras.ts';
import { TriageRules } from './triageRules.ts';

export const SCHEMA_DIR = fileURLToPath(new URL('../../suites/schemas/', import.meta.url));

export function schemaFiles(): Record<string, string> {
  const emit = (schema: z.ZodType, title: string, io: 'input' | 'output') =>
    `${JSON.stringify({ title, ...z.toJSONSchema(schema, { io, unrepresentable: 'any' }) }, null, 2)}\n`;
  return {
    'task.schema.json': emit(TaskFile, 'bench task file', 'input'),
    'suite.schema.json': emit(SuiteFile, 'bench suite.yaml', 'input'),
    'gate-policy.schema.json': emit(GatePolicy, 'bench gate policy', 'input'),
    'sim-profile.schema.json': emit(SimProfile, 'bench simulated-model profile', 'input'),
    'run-config.schema.json': emit(RunConfig, 'bench run configuration (bench.config.yaml)', 'input'),
    'triage-rules.schema.json': emit(TriageRules, 'bench triage mining rules (bench suite mine --kind triage --rules)', 'input'),
    'mine-eras.schema.json': emit(MineEras, 'bench mining eras (bench suite mine --eras)', 'input'),
    'trial-record.schema.json': emit(TrialRecord, 'bench TrialRecord (a line of trials.jsonl)', 'output'),
    'run-manifest.schema.json': emit(RunManifest, 'bench run.json', 'output'),
    'gate-verdict.schema.json': emit(GateVerdict, 'bench gate --json (the verdict)', 'output'),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  mkdirSync(SCHEMA_DIR, { recursive: true });
  let stale = 0;
  for (const [name, text] of Object.entries(schemaFiles())) {
    const file = join(SCHEMA_DIR, name);
    const same = existsSync(file) && readFileSync(file, 'utf8') === text;
    if (check) {
      if (!same) {
        stale++;
        console.error(`stale: suites/schemas/${name} (run npm run schemas)`);
      }
    } else if (!same) {
      writeFileSync(file, text);
      console.log(`wrote suites/schemas/${name}`);
    }
  }
  process.exitCode = stale ? 1 : 0;
}
