#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DurationError, format, humanize, parse, toISO } from '../src/index.js';

const USAGE = `Usage: durations [options] [--] <duration>...

Converts each duration to milliseconds, or to another notation if asked to.
Put negative durations after "--" so they are not read as options.

Options:
  -c, --compact   write compact durations (1h 30m)
  -l, --long      write durations in words (1 hour 30 minutes)
  -i, --iso       write ISO 8601 durations (PT1H30M)
  -h, --help      show this help
  -v, --version   show the version number
`;

/** @type {Record<string, (ms: number) => string>} */
const WRITERS = { compact: format, long: humanize, iso: toISO };

/**
 * @param {string[]} args
 * @returns {number} exit status
 */
function main(args) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        compact: { type: 'boolean', short: 'c' },
        long: { type: 'boolean', short: 'l' },
        iso: { type: 'boolean', short: 'i' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    process.stderr.write(`durations: ${/** @type {Error} */ (error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const notations = Object.keys(WRITERS).filter((name) => values[/** @type {keyof typeof values} */ (name)]);
  if (notations.length > 1) {
    process.stderr.write(`durations: choose one of --${notations.join(', --')}\n`);
    return 2;
  }
  if (positionals.length === 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  const write = notations.length === 1 ? WRITERS[notations[0]] : String;
  let status = 0;
  for (const arg of positionals) {
    try {
      // Plain numbers are milliseconds, possibly with a fraction.
      const ms = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)$/.test(arg.trim()) ? Number(arg) : parse(arg);
      process.stdout.write(`${write(ms)}\n`);
    } catch (error) {
      if (!(error instanceof DurationError)) throw error;
      process.stderr.write(`durations: ${error.message}\n`);
      status = 1;
    }
  }
  return status;
}

process.exitCode = main(process.argv.slice(2));
