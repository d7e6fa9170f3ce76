// Task environments as container images: an image named by the suite (never pulled: bench runs what the
// runtime has) or a Containerfile built once per content. The content is the Containerfile, every file
// of its build context and the ids of the local images it starts FROM; the image is tagged with that
// hash, so a second run (or another suite with the same environment) finds it and builds nothing. What
// runs is pinned by image id, recorded in run.json and every trial record.
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildImage, envArgs, imageId, runArgs, runContainer, runtimeEnv, type ContainerRuntime, type ContainerTarget } from '../exec/container.ts';
import { runProcess, type RunResult } from '../exec/run.ts';
import { InputError, InputErrors } from '../errors.ts';
import type { Task, TaskEnvironment } from '../suite/load.ts';

const BUILD_TIMEOUT_MS = 60 * 60 * 1000;

/** A task's environment, ready to run: what the suite named and the image id that runs. */
export interface ResolvedImage extends ContainerTarget {
  /** The image as named (a suite's `image:`, or the tag bench gave a built Containerfile). */
  ref: string;
  /** Where the suite declares it. */
  declared: string;
  /** A Containerfile's content hash (null for a named image). */
  contentHash: string | null;
  /** Built by this run (false: found). */
  built: boolean;
  buildMs: number;
}

/** The folder of a context walked for its hash: git metadata never goes into an image bench builds. */
const SKIP = new Set(['.git']);

/** Every file of the build context (path, kind, executable bit, content or link target), in a stable order. */
function hashContext(hash: ReturnType<typeof createHash>, root: string, dir = root): void {
  for (const name of readdirSync(dir).sort()) {
    if (dir === root && SKIP.has(name)) continue;
    const p = join(dir, name);
    const st = lstatSync(p);
    const rel = relative(root, p);
    if (st.isSymbolicLink()) hash.update(`L\0${rel}\0${readlinkSync(p)}\0`);
    else if (st.isDirectory()) {
      hash.update(`D\0${rel}\0`);
      hashContext(hash, root, p);
    } else if (st.isFile())
      hash
        .update(`F\0${rel}\0${st.mode & 0o111 ? 'x' : '-'}\0`)
        .update(readFileSync(p))
        .update('\0');
  }
}

/** The images a Containerfile starts FROM (not scratch, not an earlier stage, not one built from an ARG). */
export function baseImages(containerfile: string): string[] {
  const stages = new Set<string>();
  const out: string[] = [];
  // Continuation lines joined, comments dropped.
  const lines = containerfile.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const line of lines) {
    const m = /^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!m) continue;
    const ref = m[1]!;
    if (ref !== 'scratch' && !ref.includes('$') && !stages.has(ref.toLowerCase())) out.push(ref);
    if (m[2]) stages.add(m[2].toLowerCase());
  }
  return out;
}

export interface ImageEvents {
  /** A Containerfile's build starting and done, then every environment ready with the image id that will run. */
  onBuild?: (e: { phase: 'start' | 'done' | 'ready'; declared: string; tag: string; ms?: number; id?: string }) => void;
}

/** The images of a run's task environments, by environment (tasks that share one share its image). */
export interface EnvironmentImages {
  runtime: ContainerRuntime;
  byEnvironment: Map<string, ResolvedImage>;
}

const envKey = (env: TaskEnvironment) => JSON.stringify(env);

/** A task's image, or null when the task has no environment (or the run uses no containers). */
export function imageFor(images: EnvironmentImages | null | undefined, env: TaskEnvironment | null): ResolvedImage | null {
  return (images && env && images.byEnvironment.get(envKey(env))) || null;
}

/**
 * The images for tasks whose commands run in containers: every task must name an environment (input errors
 * naming each task file otherwise), then each is resolved (built) once.
 */
export async function imagesForTasks(
  runtime: ContainerRuntime | null | undefined,
  tasks: readonly Task[],
  o: ImageEvents & { cacheDir: string; suite: { dir: string }; signal?: AbortSignal },
): Promise<EnvironmentImages> {
  const suiteFile = relative(process.cwd(), join(o.suite.dir, 'suite.yaml'));
  if (!runtime)
    throw new InputError('the container backend needs a container runtime', { field: '--sandbox', fix: 'install podman (apt-get install podman runc)' });
  const bare = tasks.filter((t) => !t.environment);
  if (bare.length)
    throw new InputErrors(
      bare.map(
        (t) =>
          new InputError(`task "${t.id}" names no environment to run in`, {
            file: t.file,
            field: 'environment',
            fix: `give it one (environment: {image: …} or {containerfile: …} on the task, on repos.${t.repo.name} or under defaults in ${suiteFile}), or use --sandbox bwrap`,
          }),
      ),
    );
  return resolveImages(runtime, tasks, { cacheDir: o.cacheDir, suiteFile, signal: o.signal, onBuild: o.onBuild });
}

/**
 * Resolves every distinct environment of the tasks once: a named image must exist locally; a Containerfile
 * is built unless its content's image is already there. Every image must have bash (bench's commands and
 * its sandbox's PID 1 are bash). Problems are input errors naming where the suite declares the environment.
 */
export async function resolveImages(
  rt: ContainerRuntime,
  tasks: readonly Task[],
  o: ImageEvents & { cacheDir: string; suiteFile: string; signal?: AbortSignal },
): Promise<EnvironmentImages> {
  const byEnvironment = new Map<string, ResolvedImage>();
  for (const task of tasks) {
    const env = task.environment;
    if (env && !byEnvironment.has(envKey(env))) byEnvironment.set(envKey(env), await resolveOne(rt, env, o));
  }
  return { runtime: rt, byEnvironment };
}

async function resolveOne(
  rt: ContainerRuntime,
  env: TaskEnvironment,
  o: ImageEvents & { cacheDir: string; suiteFile: string; signal?: AbortSignal },
): Promise<ResolvedImage> {
  const limits = { cpus: env.cpus, memoryMb: env.memoryMb, pids: env.pids };
  let ref: string;
  let contentHash: string | null = null;
  let built = false;
  let buildMs = 0;
  if (env.kind === 'image') ref = env.ref;
  else {
    const text = readFileSync(env.file, 'utf8');
    const hash = createHash('sha256').update('bench-env-1\0').update(text).update('\0');
    for (const base of baseImages(text)) hash.update(`FROM\0${base}\0${(await imageId(rt, base)) ?? 'absent'}\0`);
    hashContext(hash, env.context);
    contentHash = hash.digest('hex');
    ref = `localhost/bench-env:${contentHash.slice(0, 20)}`;
    if (!(await imageId(rt, ref))) {
      o.onBuild?.({ phase: 'start', declared: env.declared, tag: ref });
      const res = await buildImage(rt, {
        file: env.file,
        context: env.context,
        tag: ref,
        labels: { 'bench.content': contentHash, 'bench.declared': env.declared },
        signal: o.signal,
        timeoutMs: BUILD_TIMEOUT_MS,
      });
      buildMs = Math.round(res.durationMs);
      if (res.exitCode !== 0) {
        const logDir = join(o.cacheDir, 'images');
        mkdirSync(logDir, { recursive: true });
        const log = join(logDir, `${contentHash.slice(0, 20)}.log`);
        writeFileSync(log, res.output);
        const tail = res.output.trim().split('\n').slice(-8).join('\n');
        throw new InputError(`building ${env.file} with ${rt.name} failed (${res.spawnError ?? `exit ${res.exitCode ?? res.signal}`}):\n${tail}`, {
          file: o.suiteFile,
          field: `${env.declared}.containerfile`,
          fix: `fix the Containerfile (the whole build log: ${log}); images it starts FROM must be local, as bench never pulls`,
        });
      }
      built = true;
      o.onBuild?.({ phase: 'done', declared: env.declared, tag: ref, ms: buildMs });
    }
  }
  const id = await imageId(rt, ref);
  if (!id)
    throw new InputError(`${rt.name} has no image "${ref}"`, {
      file: o.suiteFile,
      field: `${env.declared}.image`,
      fix: `build or load it first (${rt.name} build -t ${ref} …, or ${rt.name} load -i <file>); bench runs only local images and never pulls`,
    });
  const probe = await runProcess([rt.binary, 'run', '--rm', '--pull', 'never', '--network', 'none', '--entrypoint', 'bash', id, '-c', 'exit 0'], {
    cwd: tmpdir(),
    env: runtimeEnv(),
    timeoutMs: 60_000,
    signal: o.signal,
    maxOutputBytes: 16 * 1024,
  });
  if (probe.exitCode !== 0)
    throw new InputError(
      `the image ${ref} cannot run bash (${probe.spawnError ?? (probe.output.trim().split('\n').pop() || `exit ${probe.exitCode ?? probe.signal}`)})`,
      {
        file: o.suiteFile,
        field: env.declared,
        fix: "add bash to the image: bench runs the task's commands, setup and tests with bash",
      },
    );
  o.onBuild?.({ phase: 'ready', declared: env.declared, tag: ref, id });
  return { ...limits, image: id, ref, declared: env.declared, contentHash, built, buildMs };
}

/** What a setup command gets of bench's environment in a container: where the shared package caches are, nothing else. */
const SETUP_VARS = ['npm_config_cache', 'npm_config_store_dir', 'YARN_GLOBAL_FOLDER', 'YARN_CACHE_FOLDER', 'PIP_CACHE_DIR', 'UV_CACHE_DIR'];

/**
 * A setup command (npm ci, pip install) in a container of the task's image, as a suite's trusted step:
 * with network, the checkout writable, its base repository read-only, the shared package-manager caches
 * writable, a throwaway HOME; nothing else of the host, none of bench's environment but the caches' places.
 */
export function runSetupInContainer(
  rt: ContainerRuntime,
  image: ResolvedImage,
  o: { command: string; dir: string; baseRepo: string; pm: string; env: NodeJS.ProcessEnv; signal?: AbortSignal; timeoutMs: number },
): Promise<RunResult> {
  mkdirSync(o.pm, { recursive: true });
  const name = `bench-setup-${process.pid}-${randomBytes(6).toString('hex')}`;
  const vars: NodeJS.ProcessEnv = { HOME: '/tmp', LANG: 'C.UTF-8', CI: '1', NO_COLOR: '1' };
  for (const k of SETUP_VARS) if (o.env[k] !== undefined) vars[k] = o.env[k];
  const { args, env } = envArgs(vars);
  const argv = runArgs(rt, {
    name,
    target: image,
    network: true,
    mounts: [
      { src: o.baseRepo, dst: o.baseRepo, ro: true },
      { src: o.dir, dst: o.dir, ro: false },
      { src: o.pm, dst: o.pm, ro: false },
    ],
    covers: [],
    workdir: o.dir,
    seccompFile: null,
    timeoutS: Math.ceil(o.timeoutMs / 1000) + 10,
    stdin: false,
    report: false,
  });
  argv.push(...args, '--entrypoint', 'bash', image.image, '-c', o.command);
  return runContainer(rt, argv, name, { cwd: o.dir, env, timeoutMs: o.timeoutMs, signal: o.signal, maxOutputBytes: 256 * 1024 });
}
