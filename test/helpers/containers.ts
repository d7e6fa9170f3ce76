// Containers in tests: the runtime (Podman here), the base image made from Debian's packages by
// suites/python/env/base.sh (once per machine: the global setup makes it when it can), and a build
// context for a task environment with this machine's Node in it (the shipped JavaScript suites need a
// Node that runs `node --test` with the junit reporter). Where no runtime works, container tests skip,
// unless BENCH_REQUIRE_CONTAINERS=1 (CI), where a skip would hide a broken set-up: they fail instead.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { onPath } from '../../src/exec/locate.ts';

export const BASE_IMAGE = 'localhost/bench-debian:bookworm-python';
export const REQUIRE_CONTAINERS = process.env.BENCH_REQUIRE_CONTAINERS === '1';
const ROOT = join(import.meta.dirname, '..', '..');

export function podmanWorks(): boolean {
  return !!onPath('podman') && spawnSync('podman', ['info'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

export function imageExists(ref: string): boolean {
  return spawnSync('podman', ['image', 'exists', ref], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

/** Podman answers and the base image is there: container tests can run (or, in CI, must). */
export function containersReady(): boolean {
  const ready = podmanWorks() && imageExists(BASE_IMAGE);
  if (!ready && REQUIRE_CONTAINERS) throw new Error(`BENCH_REQUIRE_CONTAINERS=1 but podman or ${BASE_IMAGE} is missing (see suites/python/env/base.sh)`);
  return ready;
}

/** Makes the base image with the suite's own script when podman works here and it is missing (root only: debootstrap). */
export function ensureBaseImage(): void {
  if (!podmanWorks() || imageExists(BASE_IMAGE) || process.getuid?.() !== 0) return;
  const res = spawnSync('bash', [join(ROOT, 'suites', 'python', 'env', 'base.sh')], { stdio: 'inherit', timeout: 20 * 60_000 });
  if (res.status !== 0 && REQUIRE_CONTAINERS) throw new Error(`suites/python/env/base.sh failed (exit ${res.status})`);
}

/**
 * A build context (Containerfile and what it copies) for an image with this machine's node and npm on the
 * base image: `environment: {containerfile: <dir>/Containerfile}`.
 */
export function nodeImageContext(dir: string): string {
  const file = join(dir, 'Containerfile');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(realpathSync(process.execPath), join(dir, 'node'));
  const npmCli = realpathSync(onPath('npm')!);
  cpSync(dirname(dirname(npmCli)), join(dir, 'npm'), { recursive: true });
  writeFileSync(
    file,
    [
      `FROM ${BASE_IMAGE}`,
      'COPY node /usr/local/bin/node',
      'COPY npm /usr/local/lib/node_modules/npm',
      'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx',
      '',
    ].join('\n'),
  );
  return file;
}

/** An image with this machine's node and npm on the base image, built (once per content) for tests that run JavaScript suites. */
export function nodeImage(dir: string): string {
  const tag = 'localhost/bench-test-node:latest';
  const res = spawnSync('podman', ['build', '-q', '-t', tag, '-f', nodeImageContext(dir), dir], { encoding: 'utf8', timeout: 10 * 60_000 });
  if (res.status !== 0) throw new Error(`building ${tag} failed: ${res.stderr}`);
  return tag;
}
