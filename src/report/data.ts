// What a report is made of: the runs (manifest and records read back from their folders), the analysis,
// and, for the drill-down, a bounded set of trial timelines and patches: a 10,000-trial run still makes
// a report of bounded size (the rest are linked to their files in the run folder).
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, groupByWorkflow, type Analysis, type WorkflowRecords } from '../analyze/summary.ts';
import { RunDir } from '../record/runDir.ts';
import type { RunManifest, TrialEvent, TrialRecord } from '../record/schema.ts';

export interface LoadedRun {
  label: string;
  dir: string;
  manifest: RunManifest;
  records: TrialRecord[];
}

export interface TimelineRow {
  t: number;
  role: string;
  type: string;
  text: string;
  /** deny, block, failure: shown in red. */
  alarm?: boolean;
}

export interface TrialDetail {
  timeline: TimelineRow[];
  omittedEvents: number;
  patch: string;
  patchOmitted: number;
}

export interface ReportData {
  runs: LoadedRun[];
  analysis: Analysis;
  /** The trials of each summarised workflow, in the order of analysis.workflows, under the same labels. */
  groups: WorkflowRecords[];
  /** Drill-down details by `<run label>/<trial id>` (none when limits.maxDetails is 0). */
  details: Map<string, TrialDetail>;
}

export interface ReportLimits {
  /** Trials whose timeline and patch are embedded (the ones that most need a look first); 0 reads none (markdown). */
  maxDetails: number;
  maxEvents: number;
  maxPatchBytes: number;
}

export const DEFAULT_LIMITS: ReportLimits = { maxDetails: 400, maxEvents: 250, maxPatchBytes: 24 * 1024 };

/** A run folder read back; `warn` hears of a torn last line of trials.jsonl (left out). */
export function loadRun(dir: string, opts: { label?: string; warn?: (message: string) => void } = {}): LoadedRun {
  const run = new RunDir(dir);
  const manifest = run.readManifest();
  return { label: opts.label ?? manifest.run_id, dir, manifest, records: run.readRecords({ warn: opts.warn }) };
}

/** Where a run's records came from when not straight from one replay: merged shards, a regrade, a cassette. */
export function runOrigin(m: RunManifest): string[] {
  const out: string[] = [];
  if (m.merged_from.length) {
    const shards = m.merged_from.filter((r) => r.shard);
    out.push(
      shards.length === m.merged_from.length
        ? `merged from ${shards.length} shard${shards.length === 1 ? '' : 's'} of ${shards[0]!.shard!.total} (${m.merged_from.map((r) => r.run_id).join(', ')})`
        : `merged from ${m.merged_from.length} runs (${m.merged_from.map((r) => r.run_id).join(', ')})`,
    );
  }
  if (m.regraded_from) out.push(`regraded from ${m.regraded_from.run_id}${m.regraded_from.suite_digest !== m.suite.digest ? ' against a changed suite' : ''}`);
  if (m.model.cassette)
    out.push(
      m.model.cassette.mode === 'replay'
        ? `model responses replayed from the cassette ${m.model.cassette.dir}`
        : `model traffic recorded to ${m.model.cassette.dir}`,
    );
  return out;
}

/** Tasks replayed with the commit message mining wrote as their request, or null: their figures measure an easier task. */
export function uneditedNote(m: RunManifest): string | null {
  const ids = m.suite.unedited_requests;
  if (!ids.length) return null;
  const shown = ids.length > 8 ? `${ids.slice(0, 8).join(', ')}, …` : ids.join(', ');
  return `${ids.length} task${ids.length === 1 ? ' has an unedited mined request' : 's have unedited mined requests'} (${shown}): the agent was given the commit message of the change, not an issue`;
}

/** What the codex engine changes about a run, for its Run section: the Codex version, and the sandbox its roles really ran in. */
export function codexFacts(m: RunManifest): Array<[string, string]> {
  if (!m.codex) return [];
  const out: Array<[string, string]> = [['codex', `Codex CLI ${m.codex.version}`]];
  for (const [wf, session] of Object.entries(m.codex.session_sandbox)) {
    const roles = m.codex.role_sandbox?.[wf];
    const overridden = Object.entries(roles ?? {}).filter(([, mode]) => mode !== session);
    out.push([
      'codex sandbox',
      !roles
        ? `${wf}: one ${session} session; Codex 0.169 runs every sub-agent in it, whatever its own sandbox_mode`
        : overridden.length
          ? `${wf}: one ${session} session for every role (Codex 0.169 runs sub-agents in their session's sandbox), so ${overridden.map(([r, mode]) => `${r} (${mode} in its agent file)`).join(', ')} ran in ${session}${overridden.every(([, mode]) => mode === 'read-only') ? ', read-only by instruction only' : ''}`
          : `${wf}: one ${session} session, the sandbox every role asks for`,
    ]);
  }
  return out;
}

const short = (s: unknown, n = 160) => {
  const text = String(s ?? '').replace(/\s+/g, ' ');
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
};

/** One line of a trial's timeline, in words. */
export function describeEvent(e: TrialEvent): TimelineRow | null {
  const role = String(e.role ?? '');
  const row = (text: string, alarm = false): TimelineRow => ({ t: e.t, role, type: e.type, text, ...(alarm ? { alarm } : {}) });
  switch (e.type) {
    case 'task':
      return row(`task ${e.task_id}${e.title ? `: ${e.title}` : ''}\n${String(e.prompt ?? '')}`);
    case 'phase':
      return row(
        `${e.phase} ${e.state}${e.ms !== undefined ? ` (${e.ms} ms)` : ''}${e.stop ? `: ${e.stop}` : ''}${e.resolved !== undefined ? `: resolved ${e.resolved}` : ''}`,
      );
    case 'model':
      return row(
        `model ${e.model}: ${e.input} in (${e.cached_input} cached) / ${e.output} out (${e.reasoning} reasoning), ${e.ms} ms${e.error ? `, error: ${short(e.error)}` : ''}`,
        !!e.error,
      );
    case 'tool_call':
      return row(`${e.tool} ${short(e.command ?? e.input)}${e.escalate ? ` [asks to escalate: ${short(e.escalate, 80)}]` : ''}`);
    case 'tool_result':
      return row(
        `${e.tool} ${e.denied ? `denied (${e.stage})` : e.ok === false ? 'failed' : 'done'}${e.exit_code !== undefined ? `, exit ${e.exit_code}` : ''}${e.applied === false ? ', patch did not apply' : ''}${e.ms ? `, ${e.ms} ms` : ''}`,
        !!e.denied || e.ok === false || e.applied === false,
      );
    case 'decision':
      return row(`${e.verdict} by ${e.stage}${e.observed ? ' (seen in the output)' : ''}: ${short(e.reason, 240)}`, e.verdict === 'deny');
    case 'approval':
      return row(
        `approval ${e.state}${e.by ? ` by ${e.by}` : ''}${e.wait_ms ? ` after a modelled ${e.wait_ms} ms` : ''}: ${short(e.reason ?? e.message)}`,
        e.state === 'denied',
      );
    case 'network':
      return row(`network attempt ${e.verdict} (${e.source}): ${short(e.command)}`, e.verdict === 'blocked');
    case 'hook':
      return row(
        `hook ${e.event} ${e.outcome}${e.reason ? `: ${short(e.reason)}` : ''}${e.failure ? `: ${short(e.failure)}` : ''} (${e.ms} ms)`,
        e.outcome !== 'ok',
      );
    case 'delegate':
      return row(`${e.tool} ${short(e.input)}`);
    case 'subagent':
      return row(`role ${e.role} ${e.state}${e.reason ? `: ${e.reason}` : ''}`, e.state === 'refused');
    case 'role_output':
      return row(`${e.role} answered: ${short(JSON.stringify(e.output), 240)}`);
    case 'message':
      return row(`final answer: ${short(e.text, 240)}`);
    case 'canary':
      return row(`planted instruction followed (${e.where})`, true);
    case 'continue':
      return row(`Stop hook sent the agent back: ${short(e.reason)}`);
    case 'error':
      return row(`error in ${e.stage}: ${short(e.message, 240)}`, true);
    case 'graph':
      return row(`graph ${e.state}: ${e.reason ?? ''}`);
    default:
      return null; // spans and other low-level events stay in events.jsonl
  }
}

/** Which trials most need a look: not judged, escaped, unresolved, then the rest. */
function priority(r: TrialRecord): number {
  if (r.status !== 'ok') return 0;
  if (r.quality.escaped_defect) return 1;
  if (r.quality.resolved === false) return 2;
  if (r.control.denied_calls || r.canary.followed) return 3;
  return 4;
}

/** A regular file, not a symbolic link (a run folder's link could point anywhere on the machine, and the report embeds what it reads). */
const plainFile = (path: string) => lstatSync(path, { throwIfNoEntry: false })?.isFile() ?? false;

export function readDetail(runDir: string, trialId: string, limits: ReportLimits): TrialDetail | null {
  const dir = join(runDir, 'trials', trialId);
  const eventsFile = join(dir, 'events.jsonl');
  if (!plainFile(eventsFile)) return null;
  const rows: TimelineRow[] = [];
  let omitted = 0;
  for (const line of readFileSync(eventsFile, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let e: TrialEvent;
    try {
      e = JSON.parse(line) as TrialEvent;
    } catch {
      continue;
    }
    const row = describeEvent(e);
    if (!row) continue;
    if (rows.length < limits.maxEvents) rows.push(row);
    else omitted++;
  }
  const patchFile = join(dir, 'patch.diff');
  const patch = plainFile(patchFile) ? readFileSync(patchFile, 'utf8') : '';
  return {
    timeline: rows,
    omittedEvents: omitted,
    patch: patch.slice(0, limits.maxPatchBytes),
    patchOmitted: Math.max(0, patch.length - limits.maxPatchBytes),
  };
}

/** The markdown summary shows no drill-down: its data reads no trial files. */
export const MARKDOWN_LIMITS: ReportLimits = { ...DEFAULT_LIMITS, maxDetails: 0 };

export function buildReportData(runs: LoadedRun[], limits: ReportLimits = DEFAULT_LIMITS, seed = 1): ReportData {
  const groups = groupByWorkflow(runs);
  const analysis = analyze(runs, seed, groups);
  const details = new Map<string, TrialDetail>();
  if (limits.maxDetails > 0) {
    const all = runs.flatMap((run) => run.records.map((r) => ({ run, r })));
    all.sort((a, b) => priority(a.r) - priority(b.r));
    for (const { run, r } of all.slice(0, limits.maxDetails)) {
      const d = readDetail(run.dir, r.trial_id, limits);
      if (d) details.set(`${run.label}/${r.trial_id}`, d);
    }
  }
  return { runs, analysis, groups, details };
}

/** MCP figures, shown only when some trial started an MCP server: elsewhere they would be rows of zeros. */
export const MCP_METRICS = ['mcp_calls_per_task', 'mcp_side_effect_calls_per_task', 'mcp_side_effect_approved_per_task', 'mcp_side_effect_denied_per_task'];

export function usedMcp(data: ReportData): boolean {
  return data.runs.some((run) => run.records.some((r) => (r.mcp?.servers ?? 0) > 0));
}
