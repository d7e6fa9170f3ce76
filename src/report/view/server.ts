// `bench view`'s HTTP server: read-only (GET and HEAD), on 127.0.0.1 only, answering only requests
// addressed to that host (a page elsewhere cannot reach it through a DNS name rebound to loopback).
// Every response carries a policy that lets a page load nothing but this server's own files and
// inline code it names by hash: a page can make no request to anywhere else. Data from a run goes out
// as escaped HTML or as JSON, never as a file of the run served raw.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { InputError } from '../../errors.ts';
import type { TrialRecord } from '../../record/schema.ts';
import { goldDiff } from '../../workspace/repos.ts';
import { buildReportData } from '../data.ts';
import { renderHtml } from '../html.ts';
import { assets } from './assets.ts';
import { comparePage, diffPage, grid, isSortKey, layout, notFound, reportBar, runHref, runList, trialPage, type CompareSide } from './pages.ts';
import { filterRows, flips, representative, sortRows, type GridFilter, type GridRow } from './pick.ts';
import { ResultsDir, type ViewRun } from './runs.ts';
import { blocksOf, parseEvents, timelineOf } from './timeline.ts';

export interface ViewOptions {
  resultsDir: string;
  /** The folder as the user named it, for the page's title. */
  label?: string;
  port: number;
  /** The repository cache the gold patches are read from (never cloned into: a repository not there has no gold patch shown). */
  cacheDir: string;
}

const BASE_POLICY =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const POLICY = `${BASE_POLICY}; script-src 'self'; style-src 'self'`;

/** Text a page is shown, clipped: the rest is one "show all" away. */
const CLIP = { trial: 4000, compare: 1200 };
const MAX_EVENTS = 3000;

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const sha = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The report's page policy: its one inline stylesheet and script, by hash (the JSON data block is not run). */
function reportPolicy(html: string): string {
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => sha(m[1]!));
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => sha(m[1]!));
  return `${BASE_POLICY}; script-src ${scripts.join(' ') || "'none'"}; style-src ${styles.join(' ') || "'none'"}`;
}

export class ViewServer {
  readonly results: ResultsDir;
  private readonly opts: ViewOptions;
  private readonly files = assets();
  /** Rendered reports by run, kept while the run's files are unchanged. */
  private readonly reports = new Map<string, { stamp: string; html: string }>();
  private server: Server | null = null;
  private host = '';

  constructor(opts: ViewOptions) {
    this.opts = opts;
    this.results = new ResultsDir(opts.resultsDir);
  }

  /** Listens on 127.0.0.1; resolves with the URL. A port in use is an input error. */
  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE' || err.code === 'EACCES'
            ? new InputError(`port ${this.opts.port} on 127.0.0.1 is ${err.code === 'EADDRINUSE' ? 'in use' : 'not allowed'}`, {
                field: '--port',
                fix: 'choose another with --port <n>, or --port 0 for any free one',
              })
            : err,
        ),
      );
      server.listen(this.opts.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const port = (server.address() as { port: number }).port;
    this.host = `127.0.0.1:${port}`;
    return `http://${this.host}/`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, type: string, body: string | Buffer, policy = POLICY) => {
      res.writeHead(status, {
        'content-type': type,
        'content-security-policy': policy,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cross-origin-resource-policy': 'same-origin',
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const html = (status: number, title: string, body: string, opts?: Parameters<typeof layout>[2]) =>
      send(status, 'text/html; charset=utf-8', layout(title, body, opts));
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return send(405, 'text/plain; charset=utf-8', 'read-only: GET and HEAD only\n');
      }
      const host = req.headers.host ?? '';
      if (host !== this.host && host !== this.host.replace('127.0.0.1', 'localhost')) return send(421, 'text/plain; charset=utf-8', 'wrong host\n');
      const url = new URL(req.url ?? '/', `http://${this.host}`);
      const out = await this.route(url);
      if (out.kind === 'json') return send(200, 'application/json; charset=utf-8', JSON.stringify(out.value));
      if (out.kind === 'asset') return send(200, out.type, out.body);
      if (out.kind === 'report') return send(200, 'text/html; charset=utf-8', out.html, reportPolicy(out.html));
      return html(200, out.title, out.body, out.opts);
    } catch (err) {
      if (err instanceof HttpError) {
        if ((req.url ?? '').startsWith('/api/')) return send(err.status, 'application/json; charset=utf-8', JSON.stringify({ error: err.message }));
        return html(err.status, 'not found', notFound(err.message));
      }
      return send(500, 'text/plain; charset=utf-8', `bench view: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }

  private run(id: string): ViewRun {
    const v = this.results.run(id);
    if (!v) throw new HttpError(404, `no run ${id}`);
    return v;
  }

  private trial(v: ViewRun, trial: string): TrialRecord {
    const r = v.run.records.find((x) => x.trial_id === trial);
    if (!r) throw new HttpError(404, `no trial ${trial} in ${v.id}`);
    return r;
  }

  private timeline(v: ViewRun, trial: string, clip: number) {
    const file = this.results.trialFile(v.id, trial, 'events.jsonl');
    return file ? timelineOf(this.results.read(file).text, { clip, max: MAX_EVENTS }) : null;
  }

  /** One side of a comparison: `run` or `run/workflow`. */
  private side(key: string | null): CompareSide | null {
    if (!key) return null;
    const slash = key.indexOf('/');
    const run = this.run(slash < 0 ? key : key.slice(0, slash));
    const wf = slash < 0 ? null : key.slice(slash + 1);
    const records = wf === null ? run.run.records : run.run.records.filter((r) => r.workflow === wf);
    if (wf !== null && !records.length) throw new HttpError(404, `no workflow ${wf} in ${run.id}`);
    return { key, records, run };
  }

  private async route(
    url: URL,
  ): Promise<
    | { kind: 'page'; title: string; body: string; opts?: Parameters<typeof layout>[2] }
    | { kind: 'report'; html: string }
    | { kind: 'json'; value: unknown }
    | { kind: 'asset'; type: string; body: string | Buffer }
  > {
    if (url.pathname === '/favicon.ico') return { kind: 'asset', type: 'image/x-icon', body: '' };
    const asset = this.files.get(url.pathname);
    if (asset) return { kind: 'asset', type: asset.type, body: asset.text ?? readFileSync(asset.file!) };
    // Path segments, decoded one by one: an encoded slash stays inside its segment (and then names nothing).
    let parts: string[];
    try {
      parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw new HttpError(400, 'bad path');
    }
    const q = url.searchParams;
    const [top, id, sub, trial, leaf] = parts;

    if (!top) {
      const runs = this.results.runs();
      return {
        kind: 'page',
        title: 'bench view: runs',
        body: runList(runs, this.opts.label ?? this.opts.resultsDir),
        opts: { poll: '/api/stamp', stamp: this.stamp(runs) },
      };
    }
    if (top === 'api') {
      if (id === 'stamp' && parts.length === 2) return { kind: 'json', value: { stamp: this.stamp(this.results.runs()) } };
      if (id === 'runs' && parts.length >= 3) return this.api(parts.slice(2), q);
      throw new HttpError(404, 'no such endpoint');
    }
    if (top === 'compare' && parts.length === 1) return this.compare(q);
    if (top === 'runs' && id) {
      const v = this.run(id);
      if (parts.length === 2) return { kind: 'report', html: await this.report(v) };
      if (sub === 'tasks' && parts.length === 3) return this.grid(v, q);
      if (sub === 'trials' && trial && parts.length === 4) {
        const r = this.trial(v, trial);
        return {
          kind: 'page',
          title: r.trial_id,
          body: trialPage(v, r, this.timeline(v, trial, CLIP.trial)),
          ...(v.state === 'running' ? { opts: { poll: `/api/runs/${encodeURIComponent(v.id)}/stamp`, stamp: v.stamp } } : {}),
        };
      }
      if (sub === 'trials' && trial && leaf === 'diff' && parts.length === 5) {
        const r = this.trial(v, trial);
        return { kind: 'page', title: `patch of ${r.trial_id}`, body: diffPage(v, r), opts: { diff: true } };
      }
    }
    throw new HttpError(404, `nothing at ${url.pathname}`);
  }

  private stamp(runs: ViewRun[]): string {
    return runs.map((r) => `${r.id}=${r.stamp}`).join(';');
  }

  private async report(v: ViewRun): Promise<string> {
    const hit = this.reports.get(v.id);
    if (hit?.stamp === v.stamp) return hit.html;
    const page = await renderHtml(buildReportData([v.run]), { outFile: join(v.run.dir, 'index.html'), viewLinks: { [v.run.label]: runHref(v.id) } });
    const html = page.replace('<body>\n', `<body>\n${reportBar(v.id)}\n`);
    this.reports.set(v.id, { stamp: v.stamp, html });
    return html;
  }

  private grid(v: ViewRun, q: URLSearchParams) {
    const tasks = this.results.tasks(v);
    const rows: GridRow[] = v.run.records.map((r) => ({ r, tags: [...(tasks?.get(r.task_id)?.tags ?? [])] }));
    const f: GridFilter = Object.fromEntries(['outcome', 'kind', 'status', 'role', 'tag', 'workflow', 'q'].flatMap((k) => (q.get(k) ? [[k, q.get(k)!]] : [])));
    const sortKey = q.get('sort');
    const sort = isSortKey(sortKey) ? sortKey : 'task';
    const desc = q.get('desc') === '1';
    const uniq = (xs: string[]) => [...new Set(xs)].sort();
    const choices = {
      kinds: uniq(rows.map((x) => x.r.kind)),
      statuses: uniq(rows.map((x) => x.r.status)),
      roles: uniq(rows.flatMap((x) => Object.keys(x.r.roles))),
      tags: uniq(rows.flatMap((x) => x.tags)),
      workflows: uniq(rows.map((x) => x.r.workflow)),
    };
    const shown = sortRows(filterRows(rows, f), sort, desc);
    return {
      kind: 'page' as const,
      title: `tasks of ${v.id}`,
      body: grid(v, shown, rows.length, choices, f, sort, desc),
      ...(v.state === 'running' ? { opts: { poll: `/api/runs/${encodeURIComponent(v.id)}/stamp`, stamp: v.stamp } } : {}),
    };
  }

  private compare(q: URLSearchParams) {
    const runs = this.results.runs();
    const a = this.side(q.get('a'));
    const b = this.side(q.get('b'));
    const list = a && b ? flips(a.records, b.records) : [];
    const task = q.get('task');
    const flip = task ? list.find((f) => f.task === task) : undefined;
    const chosen = flip
      ? {
          task: flip.task,
          pair: [
            { side: a!, r: representative(flip.a) },
            { side: b!, r: representative(flip.b) },
          ].map((x) => ({ ...x, tl: this.timeline(x.side.run, x.r.trial_id, CLIP.compare) })),
        }
      : null;
    return { kind: 'page' as const, title: 'bench view: compare', body: comparePage(runs, a, b, list, chosen) };
  }

  /** JSON endpoints under /api/runs/<id>/. */
  private async api(parts: string[], q: URLSearchParams): Promise<{ kind: 'json'; value: unknown }> {
    const [id, sub, trial, leaf, n] = parts;
    const v = this.run(id!);
    if (sub === 'stamp' && parts.length === 2) return { kind: 'json', value: { stamp: v.stamp, state: v.state, trials: v.run.records.length } };
    if (sub !== 'trials' || !trial) throw new HttpError(404, 'no such endpoint');
    const r = this.trial(v, trial);
    if (leaf === 'event' && n !== undefined && parts.length === 5) {
      const file = this.results.trialFile(v.id, r.trial_id, 'events.jsonl');
      const e = file ? parseEvents(this.results.read(file).text)[Number(n)] : null;
      const block = e ? blocksOf(e, Infinity).find((b) => b.field === q.get('field')) : undefined;
      if (!block) throw new HttpError(404, 'no such event field');
      return { kind: 'json', value: { text: block.text } };
    }
    if (leaf === 'patch' && parts.length === 4) return { kind: 'json', value: q.get('which') === 'gold' ? await this.gold(v, r) : this.agentPatch(v, r) };
    throw new HttpError(404, 'no such endpoint');
  }

  private agentPatch(v: ViewRun, r: TrialRecord): { text: string; note?: string } {
    const file = this.results.trialFile(v.id, r.trial_id, 'patch.diff');
    if (!file) return { text: '', note: 'No patch.diff for this trial.' };
    const { text, size } = this.results.read(file, 4 * 1024 * 1024);
    return size > Buffer.byteLength(text) ? { text, note: `Only the first ${text.length} bytes of ${size} are shown.` } : { text };
  }

  /** The task's historical change without its hidden tests, read from the repository cache as grading reads it. */
  private async gold(v: ViewRun, r: TrialRecord): Promise<{ text: string; note?: string }> {
    const task = this.results.tasks(v)?.get(r.task_id);
    if (!task) return { text: '', note: `The suite at ${v.run.manifest.suite.dir} is not readable, or no longer has task ${r.task_id}.` };
    if (task.kind === 'triage') return { text: '', note: 'A triage task has no gold patch.' };
    const mirror = join(this.opts.cacheDir, 'repos', `${task.repo.key}.git`);
    if (!existsSync(join(mirror, 'HEAD')))
      return {
        text: '',
        note: `The repository ${task.repo.name} is not in the cache at ${this.opts.cacheDir} (bench view never clones it; a replay or \`bench suite validate\` does).`,
      };
    const hidden = task.kind === 'pr' ? task.hidden_tests : [];
    // Read where it is: a replay still running may hold the cache's locks, and the view waits on none.
    const text = await goldDiff(mirror, task.gold, hidden);
    return { text, ...(hidden.length ? { note: `Hidden tests left out: ${hidden.join(', ')}.` } : {}) };
  }
}
