// The results folder as `bench view` sees it: its run folders, each read back when its files changed
// (size and mtime of run.json and trials.jsonl, checked on every request), so trials of a run still going
// show up on the next page load. Every file it opens is resolved inside the results folder: a name from
// a URL never climbs out, and a symbolic link is never followed (run folders hold what a run wrote, and a
// link there could point anywhere on the machine).
import { closeSync, existsSync, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { metricByName, type MetricValue } from '../../analyze/metrics.ts';
import { InputError } from '../../errors.ts';
import { loadSuite, type Task } from '../../suite/load.ts';
import { loadRun, type LoadedRun } from '../data.ts';

/** finished: the run wrote its CSV after its last record; running: still writing; stopped: no change for a while and unfinished. */
export type RunState = 'finished' | 'running' | 'stopped';

/** An unfinished run with no new record for this long is taken as stopped (killed), not running. */
const STALE_MS = 15 * 60 * 1000;

export interface ViewRun {
  id: string;
  run: LoadedRun;
  state: RunState;
  /** The run list's headline figures per workflow, in the order first recorded. */
  figures: WorkflowFigures[];
  /** Changes whenever the run's files do: what the page polls to know it should reload. */
  stamp: string;
}

/** The figures the run list shows per workflow, as the report computes them. */
export const HEADLINE = ['resolve_rate', 'cost_per_task', 'p95_latency'] as const;
export type WorkflowFigures = { workflow: string; trials: number } & Record<(typeof HEADLINE)[number], MetricValue>;

/** A plain folder or file name, nothing that could be a path. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
/** Trial ids are `<task>__<workflow>__r<n>`; task ids may hold more characters (kept to what a file name can be). */
const TRIAL = /^[^/\\\0]{1,300}$/;

export class ResultsDir {
  readonly root: string;
  private readonly real: string;
  private readonly cache = new Map<string, { stamp: string; view: ViewRun }>();
  private readonly suites = new Map<string, Map<string, Task> | null>();

  constructor(root: string) {
    if (!existsSync(root) || !statSync(root).isDirectory())
      throw new InputError(`no results folder at ${root}`, { field: 'results-dir', fix: 'give the folder bench replay wrote runs into (default results/)' });
    this.root = root;
    this.real = realpathSync(root);
  }

  /**
   * A regular file inside the results folder, or null: no `..`, no absolute part, no symbolic link on the
   * way (each component is checked with lstat), and its real path still inside the folder.
   */
  file(...parts: string[]): string | null {
    if (parts.some((p) => !p || p === '.' || p === '..' || p.includes('/') || p.includes('\\') || p.includes('\0') || isAbsolute(p))) return null;
    let at = this.real;
    for (const [i, p] of parts.entries()) {
      at = join(at, p);
      let st;
      try {
        st = lstatSync(at);
      } catch {
        return null;
      }
      if (st.isSymbolicLink()) return null;
      if (i < parts.length - 1 ? !st.isDirectory() : !st.isFile()) return null;
    }
    const rel = relative(this.real, realpathSync(at));
    return rel && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel) ? at : null;
  }

  /** Reads at most `max` bytes of a file found by `file()` (an agent's output can be large). */
  read(path: string, max = 8 * 1024 * 1024): { text: string; size: number } {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const buf = Buffer.alloc(Math.min(size, max));
      const n = readSync(fd, buf, 0, buf.length, 0);
      return { text: buf.subarray(0, n).toString('utf8'), size };
    } finally {
      closeSync(fd);
    }
  }

  /** Run folders: plain directories (not links) holding a run.json. */
  ids(): string[] {
    return readdirSync(this.real, { withFileTypes: true })
      .filter((d) => d.isDirectory() && NAME.test(d.name))
      .map((d) => d.name)
      .filter((id) => this.file(id, 'run.json'));
  }

  private stampOf(id: string): string {
    const part = (name: string) => {
      const f = this.file(id, name);
      if (!f) return '-';
      const st = statSync(f);
      return `${st.size}:${st.mtimeMs}`;
    };
    return [part('run.json'), part('trials.jsonl'), part('trials.csv')].join('|');
  }

  /** A run, read again only when its files changed; null for no such run or one that cannot be read. */
  run(id: string): ViewRun | null {
    if (!NAME.test(id) || !this.file(id, 'run.json')) return null;
    // trials.jsonl is read by the report's loader, which follows links: a run whose records are a link is not read at all.
    if (lstatSync(join(this.real, id, 'trials.jsonl'), { throwIfNoEntry: false }) && !this.file(id, 'trials.jsonl')) return null;
    const stamp = this.stampOf(id);
    const hit = this.cache.get(id);
    if (hit?.stamp === stamp) return { ...hit.view, state: this.state(hit.view.run) };
    let run: LoadedRun;
    try {
      run = loadRun(join(this.real, id), { label: id });
    } catch {
      return null;
    }
    const byWorkflow = Map.groupBy(run.records, (r) => r.workflow);
    const figures = [...byWorkflow].map(([workflow, records]) => ({
      workflow,
      trials: records.length,
      ...Object.fromEntries(HEADLINE.map((name) => [name, metricByName.get(name)!.compute(records, 1)])),
    })) as WorkflowFigures[];
    const view: ViewRun = { id, run, state: this.state(run), figures, stamp };
    this.cache.set(id, { stamp, view });
    return view;
  }

  /** Every readable run, newest first. */
  runs(): ViewRun[] {
    return this.ids()
      .map((id) => this.run(id))
      .filter((r): r is ViewRun => !!r)
      .sort((a, b) => b.run.manifest.created_at.localeCompare(a.run.manifest.created_at) || a.id.localeCompare(b.id));
  }

  private state(run: LoadedRun): RunState {
    const id = run.label;
    const jsonl = this.file(id, 'trials.jsonl');
    const csv = this.file(id, 'trials.csv');
    const last = Math.max(statSync(this.file(id, 'run.json')!).mtimeMs, jsonl ? statSync(jsonl).mtimeMs : 0);
    if (csv && statSync(csv).mtimeMs >= last) return 'finished';
    return Date.now() - last > STALE_MS ? 'stopped' : 'running';
  }

  /** A trial's own file (events.jsonl, patch.diff), or null. */
  trialFile(id: string, trial: string, name: string): string | null {
    if (!TRIAL.test(trial)) return null;
    return this.file(id, 'trials', trial, name);
  }

  /**
   * The run's suite tasks by id (tags, gold commits), or null when its folder is gone or no longer loads.
   * run.json names the suite relative to where the replay ran: here, or (`bench view` started elsewhere)
   * the folder holding the results, where `bench replay` writes them by default.
   */
  tasks(view: ViewRun): Map<string, Task> | null {
    const dir = view.run.manifest.suite.dir;
    if (!this.suites.has(dir)) {
      let tasks: Map<string, Task> | null = null;
      const candidates = isAbsolute(dir) ? [dir] : [resolve(dir), resolve(dirname(this.root), dir)];
      const found = candidates.find((d) => existsSync(join(d, 'suite.yaml')));
      try {
        tasks = found ? new Map(loadSuite(found).tasks.map((t) => [t.id, t])) : null;
      } catch {
        tasks = null;
      }
      this.suites.set(dir, tasks);
    }
    return this.suites.get(dir)!;
  }
}
