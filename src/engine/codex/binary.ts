// Finding the Codex CLI: $BENCH_CODEX, else the @openai/codex npm package (an optional peer: large,
// never needed for the default sdk engine), else `codex` on PATH. bench was built against 0.169.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InputError } from '../../errors.ts';
import { codexPackageRoot, onPath } from '../../exec/locate.ts';

export const TESTED_CODEX = '0.169.0';

export interface CodexBinary {
  path: string;
  /** e.g. "0.169.0" */
  version: string;
}

const TRIPLES: Record<string, string> = {
  'linux-x64': 'x86_64-unknown-linux-musl',
  'linux-arm64': 'aarch64-unknown-linux-musl',
  'darwin-x64': 'x86_64-apple-darwin',
  'darwin-arm64': 'aarch64-apple-darwin',
};

/** The native binary inside the npm package (what its `codex.js` launcher would start). */
function fromPackage(): string | null {
  const triple = TRIPLES[`${process.platform}-${process.arch}`];
  if (!triple) return null;
  const root = codexPackageRoot();
  if (!root) return null;
  const platformPkg = `@openai/codex-${process.platform}-${process.arch}`;
  const candidates = [join(root, 'vendor', triple, 'bin', 'codex'), join(root, 'vendor', triple, 'codex', 'codex')];
  try {
    const p = dirname(createRequire(join(root, 'package.json')).resolve(`${platformPkg}/package.json`));
    candidates.unshift(join(p, 'vendor', triple, 'bin', 'codex'), join(p, 'vendor', triple, 'codex', 'codex'));
  } catch {
    // the platform package sits elsewhere or is missing
  }
  return candidates.find((c) => existsSync(c)) ?? null;
}

/** `codex --version` once per binary and process. */
const known = new Map<string, CodexBinary>();

/** The Codex CLI to run, or an input error saying how to install it. */
export function findCodex(env: NodeJS.ProcessEnv = process.env): CodexBinary {
  const path = env.BENCH_CODEX || fromPackage() || onPath('codex');
  if (!path || !existsSync(path)) {
    throw new InputError(env.BENCH_CODEX ? `BENCH_CODEX=${env.BENCH_CODEX} does not exist` : 'the codex engine needs the Codex CLI, which is not installed', {
      field: '--engine',
      fix: `npm install --no-save @openai/codex@${TESTED_CODEX} (about 400 MB; bench is tested with ${TESTED_CODEX}), or put codex on PATH, or set BENCH_CODEX=/path/to/codex`,
    });
  }
  const seen = known.get(path);
  if (seen) return seen;
  let version = '';
  try {
    version = /(\d+\.\d+\.\d+\S*)/.exec(execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000 }))?.[1] ?? '';
  } catch (err) {
    throw new InputError(`${path} --version failed: ${(err as Error).message.split('\n')[0]}`, {
      field: '--engine',
      fix: `reinstall it: npm install --no-save @openai/codex@${TESTED_CODEX}`,
    });
  }
  if (!version)
    throw new InputError(`${path} --version printed no version: it is not a Codex CLI bench can run`, {
      field: '--engine',
      fix: `reinstall it: npm install --no-save @openai/codex@${TESTED_CODEX}, or point BENCH_CODEX at a working codex`,
    });
  const bin = { path, version };
  known.set(path, bin);
  return bin;
}
