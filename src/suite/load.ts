// Loads a suite folder: `suite.yaml` (repos, defaults, default workflows) and one YAML file per task.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { InputError, InputErrors } from '../errors.ts';
import { parseYaml } from '../input/validate.ts';
import { SuiteFile, TaskFile, TestSpec, type DocsTask, type Environment, type PrTask, type RepoRef, type TriageTask } from './schema.ts';

export interface ResolvedRepo {
  /** Stable name for caches: derived from where the repository comes from. */
  key: string;
  kind: 'bundle' | 'path' | 'url';
  /** Absolute path for bundle/path, the URL for url. */
  location: string;
  /** How the suite names it (for messages). */
  name: string;
}

/** A task's container environment, resolved: an image by name, or a Containerfile to build (absolute paths). */
export type TaskEnvironment = {
  /** Where the suite declares it ("repos.calc.environment"), for messages. */
  declared: string;
  cpus: number;
  memoryMb: number;
  pids: number;
} & ({ kind: 'image'; ref: string } | { kind: 'containerfile'; file: string; context: string });

interface TaskResolved {
  suite: string;
  /** The task file, relative to the working directory (for messages). */
  file: string;
  repo: ResolvedRepo;
  allowed_paths: string[];
  setup: string | null;
  /** The container environment its commands run in under --sandbox container (null: the host's toolchain). */
  environment: TaskEnvironment | null;
  time_limit_s: number;
}

type Resolved<T> = Omit<T, 'repo' | 'gold' | 'test' | 'allowed_paths' | 'setup' | 'environment' | 'time_limit_s' | 'request'> &
  TaskResolved & { request: string };

export type PrTaskSpec = Resolved<PrTask> & { kind: 'pr'; gold: { from: string; to: string }; test: TestSpec };
export type DocsTaskSpec = Resolved<DocsTask> & { kind: 'docs'; gold: { from: string; to: string } };
export type TriageTaskSpec = Resolved<TriageTask> & { kind: 'triage' };
export type Task = PrTaskSpec | DocsTaskSpec | TriageTaskSpec;

/** The prompt of a triage task: the issue as a person filed it. */
export function issueText(issue: TriageTask['issue']): string {
  return [
    `Issue${issue.number !== undefined ? ` #${issue.number}` : ''}: ${issue.title}`,
    '',
    issue.body.trim(),
    ...(issue.logs ? ['', 'Logs:', '```', issue.logs.trim(), '```'] : []),
  ].join('\n');
}

export interface Suite {
  name: string;
  description?: string;
  dir: string;
  tasks: Task[];
  /** Absolute workflow folders named by the suite (used when --workflow is not given). */
  workflows: string[];
  /** Absolute folders the sandbox shows read-only to the tasks' commands (suite.yaml `sandbox.read_paths`). */
  readPaths: string[];
  /** sha256 over the suite file, the task files and the repository sources: changes when anything graded changes. */
  digest: string;
}

export const DEFAULT_TIME_LIMIT_S = 900;
const DEFAULT_TEST: TestSpec = TestSpec.parse({
  command: 'node --test --test-reporter=junit --test-reporter-destination="$BENCH_TEST_REPORT"',
});

function display(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
}

export function resolveRepo(ref: RepoRef, name: string, dir: string): ResolvedRepo {
  const [kind, raw] = 'bundle' in ref ? (['bundle', ref.bundle] as const) : 'path' in ref ? (['path', ref.path] as const) : (['url', ref.url] as const);
  const location = kind === 'url' ? raw : resolve(dir, raw);
  const key = `${basename(location)
    .replace(/\.(bundle|git)$/, '')
    .replace(/[^A-Za-z0-9._-]/g, '_')}-${createHash('sha256').update(`${kind}:${location}`).digest('hex').slice(0, 12)}`;
  return { key, kind, location, name };
}

/** An environment as the suite wrote it, with its paths resolved against the suite folder and checked. */
export function resolveEnvironment(env: Environment, declared: string, dir: string, file: string, answerKey: string[] = []): TaskEnvironment {
  const limits = { declared, cpus: env.cpus, memoryMb: env.memory_mb, pids: env.pids };
  if ('image' in env) return { ...limits, kind: 'image', ref: env.image };
  const path = resolve(dir, env.containerfile);
  if (!existsSync(path) || !statSync(path).isFile())
    throw new InputError(`${path} is not a file`, { file, field: `${declared}.containerfile`, fix: 'name a Containerfile relative to the suite folder' });
  const context = env.context ? resolve(dir, env.context) : dirname(path);
  if (!existsSync(context) || !statSync(context).isDirectory())
    throw new InputError(`${context} is not a folder`, {
      file,
      field: `${declared}.context`,
      fix: 'name the build context folder relative to the suite folder',
    });
  // An image built from a context holding the suite could carry its gold commits and hidden tests into every container.
  const held = answerKey.find((k) => k === context || k.startsWith(context.endsWith('/') ? context : `${context}/`));
  if (held)
    throw new InputError(`the build context ${context} holds ${held}: an image built from it could carry the answer key to the agent`, {
      file,
      field: `${declared}${env.context ? '.context' : '.containerfile'}`,
      fix: 'put the Containerfile (and what it copies) in a folder of its own, such as env/ next to suite.yaml',
    });
  return { ...limits, kind: 'containerfile', file: path, context };
}

/** A suite file's bytes (parsed, and hashed into the suite's digest, from one read). */
function readInput(file: string, shown: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new InputError(`cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { file: shown, fix: 'check the path' });
  }
}

export function loadSuite(suiteDir: string): Suite {
  const dir = resolve(suiteDir);
  const suiteFile = join(dir, 'suite.yaml');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InputError('suite folder not found', { file: display(dir), fix: 'pass the path of a folder holding suite.yaml, e.g. suites/pr' });
  }
  if (!existsSync(suiteFile)) {
    throw new InputError('no suite.yaml in the suite folder', {
      file: display(suiteFile),
      fix: 'create suite.yaml with at least `name:` and `repos:` (see docs/suites.md)',
    });
  }
  const suiteBytes = readInput(suiteFile, display(suiteFile));
  const spec = parseYaml(suiteBytes.toString('utf8'), display(suiteFile), SuiteFile);
  const hash = createHash('sha256').update(suiteBytes);
  const repos = new Map(Object.entries(spec.repos).map(([name, ref]) => [name, resolveRepo(ref, name, dir)]));
  const errors: InputError[] = [];
  for (const [name, repo] of repos) {
    if (repo.kind === 'url') continue;
    if (!existsSync(repo.location)) {
      errors.push(
        new InputError(`repository ${repo.kind} not found: ${display(repo.location)}`, {
          file: display(suiteFile),
          field: `repos.${name}.${repo.kind}`,
          fix:
            repo.kind === 'bundle' ? 'rebuild it (npm run repos) or fix the path, relative to the suite folder' : 'fix the path, relative to the suite folder',
        }),
      );
    } else if (repo.kind === 'bundle') hash.update(readFileSync(repo.location));
  }

  const tasksDir = join(dir, spec.tasks);
  const files = existsSync(tasksDir)
    ? readdirSync(tasksDir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
    : [];
  if (!files.length) {
    errors.push(
      new InputError('the suite has no task files', { file: display(tasksDir), field: 'tasks', fix: 'add one <task-id>.yaml per task to that folder' }),
    );
  }
  const tasks: Task[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    const path = join(tasksDir, f);
    const shown = display(path);
    let parsed: TaskFile;
    let bytes: Buffer;
    try {
      bytes = readInput(path, shown);
      parsed = parseYaml(bytes.toString('utf8'), shown, TaskFile);
    } catch (err) {
      if (err instanceof InputErrors) errors.push(...err.errors);
      else if (err instanceof InputError) errors.push(err);
      else throw err;
      continue;
    }
    hash.update(f).update(bytes);
    if (seen.has(parsed.id)) {
      errors.push(
        new InputError(`duplicate task id "${parsed.id}" (also in ${seen.get(parsed.id)})`, { file: shown, field: 'id', fix: 'give every task a unique id' }),
      );
      continue;
    }
    seen.set(parsed.id, shown);
    let repo: ResolvedRepo | undefined;
    if (typeof parsed.repo === 'string') {
      repo = repos.get(parsed.repo);
      if (!repo) {
        errors.push(
          new InputError(`unknown repo "${parsed.repo}"`, {
            file: shown,
            field: 'repo',
            fix: repos.size
              ? `use one of: ${[...repos.keys()].join(', ')} (declared in suite.yaml), or an inline {bundle|path|url}`
              : 'declare it under `repos:` in suite.yaml',
          }),
        );
        continue;
      }
    } else repo = resolveRepo(parsed.repo, parsed.id, dir);
    let environment: TaskEnvironment | null;
    // What no build context may hold: the suite's files and every repository source it names.
    const answerKey = [suiteFile, join(dir, spec.tasks), ...[...repos.values()].filter((r) => r.kind !== 'url').map((r) => r.location)];
    try {
      const repoEnv = typeof parsed.repo === 'string' ? spec.repos[parsed.repo]?.environment : parsed.repo.environment;
      const suiteShown = display(suiteFile);
      environment =
        parsed.environment !== undefined
          ? parsed.environment && resolveEnvironment(parsed.environment, 'environment', dir, shown, answerKey)
          : repoEnv
            ? resolveEnvironment(
                repoEnv,
                typeof parsed.repo === 'string' ? `repos.${parsed.repo}.environment` : 'repo.environment',
                dir,
                typeof parsed.repo === 'string' ? suiteShown : shown,
                answerKey,
              )
            : spec.defaults.environment
              ? resolveEnvironment(spec.defaults.environment, 'defaults.environment', dir, suiteShown, answerKey)
              : null;
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(err);
      continue;
    }
    const common = {
      suite: spec.name,
      environment,
      file: shown,
      repo,
      allowed_paths: parsed.allowed_paths ?? spec.defaults.allowed_paths ?? ['**'],
      setup: parsed.setup === undefined ? (spec.defaults.setup ?? null) : parsed.setup,
      time_limit_s: parsed.time_limit_s ?? spec.defaults.time_limit_s ?? DEFAULT_TIME_LIMIT_S,
    };
    const gold = (g: string | { from: string; to: string }) => (typeof g === 'string' ? { from: parsed.base, to: g } : g);
    if (parsed.kind === 'pr') {
      const { repo: _r, gold: g, test, allowed_paths: _a, setup: _s, environment: _e, time_limit_s: _t, ...rest } = parsed;
      tasks.push({ ...rest, ...common, gold: gold(g), test: test ?? spec.defaults.test ?? DEFAULT_TEST });
    } else if (parsed.kind === 'docs') {
      const { repo: _r, gold: g, allowed_paths: _a, setup: _s, environment: _e, time_limit_s: _t, ...rest } = parsed;
      tasks.push({ ...rest, ...common, gold: gold(g) });
    } else {
      const { repo: _r, allowed_paths: _a, setup: _s, environment: _e, time_limit_s: _t, request, ...rest } = parsed;
      tasks.push({ ...rest, ...common, request: request ?? issueText(parsed.issue) });
    }
  }
  const readPaths = spec.sandbox.read_paths.map((p) => resolve(dir, p));
  readPaths.forEach((p, i) => {
    if (!existsSync(p))
      errors.push(
        new InputError(`${p} does not exist`, {
          file: display(join(dir, 'suite.yaml')),
          field: `sandbox.read_paths.${i}`,
          fix: 'name a folder that exists on this machine (absolute, or relative to the suite folder), or remove the entry',
        }),
      );
  });
  if (errors.length) throw new InputErrors(errors);
  return {
    name: spec.name,
    description: spec.description,
    dir,
    tasks,
    workflows: spec.workflows.map((w) => resolve(dir, w)),
    readPaths,
    digest: `sha256:${hash.digest('hex')}`,
  };
}
