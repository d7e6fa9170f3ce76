// Whether two runs can be compared (`bench report --compare`, `bench gate --baseline`): runs with no task
// in common measure different work, so nothing can be paired and no difference means anything; runs
// that differ in what answered or ran the tasks (model, simulated profile, engine, sandbox, bench
// version) can be compared, but a difference may come from that rather than from the workflow.
import type { RunManifest, TrialRecord } from '../record/schema.ts';
import { manifestDifferences } from '../record/merge.ts';

export interface ComparedRun {
  label: string;
  manifest: RunManifest;
  records: TrialRecord[];
}

export interface Comparability {
  /** Why the runs cannot be compared at all, or null. */
  refusal: string | null;
  /** One line per difference that may explain a difference in the figures. */
  warnings: string[];
}

/** The leaves of a JSON value, `path: value`, for saying which settings of a profile differ. */
function leaves(value: unknown, path = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    for (const [k, v] of Object.entries(value)) for (const [p, x] of leaves(v, path ? `${path}.${k}` : k)) out.set(p, x);
  else out.set(path, JSON.stringify(value));
  return out;
}

function profileDifferences(a: unknown, b: unknown): string[] {
  const [la, lb] = [leaves(a), leaves(b)];
  return [...new Set([...la.keys(), ...lb.keys()])].filter((k) => la.get(k) !== lb.get(k)).map((k) => `${k} ${la.get(k) ?? '–'} vs ${lb.get(k) ?? '–'}`);
}

/** `base` is what `run` is compared against (the --compare or --baseline run). */
export function comparability(base: ComparedRun, run: ComparedRun): Comparability {
  const tasks = (r: ComparedRun) => new Set(r.records.map((x) => x.task_id));
  const [tb, tr] = [tasks(base), tasks(run)];
  const shared = [...tr].filter((t) => tb.has(t)).length;
  const what = (r: ComparedRun, n: number) => `${r.label} (suite ${r.manifest.suite.name}, ${n} task${n === 1 ? '' : 's'} with trials)`;
  if (shared === 0)
    return {
      refusal: `${what(run, tr.size)} and ${what(base, tb.size)} have no task in common: they measured different work, so no figure of one can be held against the other`,
      warnings: [],
    };
  const warnings: string[] = [];
  const differ = (aspect: string, f: (m: RunManifest) => string, why: string) => {
    const [x, y] = [f(run.manifest), f(base.manifest)];
    if (x !== y) warnings.push(`${aspect} differs (${run.label}: ${x}; ${base.label}: ${y}): ${why}`);
  };
  if (shared < Math.max(tb.size, tr.size))
    warnings.push(
      `only ${shared} task${shared === 1 ? ' is' : 's are'} in both runs (${run.label}: ${tr.size}, ${base.label}: ${tb.size}): paired figures use those, the others only the unpaired ones`,
    );
  const ms = (m: RunManifest) => `${m.suite.name}@${m.suite.digest.slice(0, 19)}`;
  differ('suite', ms, 'tasks may have changed between the runs');
  differ('model', (m) => `${m.model.backend}:${m.model.name}`, 'differences may come from the model, not the workflow');
  if (base.manifest.model.simulated && run.manifest.model.simulated) {
    const changed = profileDifferences(run.manifest.model.sim_profile, base.manifest.model.sim_profile);
    if (changed.length)
      warnings.push(
        `simulated model profile differs (${changed.slice(0, 4).join(', ')}${changed.length > 4 ? `, and ${changed.length - 4} more` : ''}): differences may come from the profile, not the workflow`,
      );
  }
  differ('engine', (m) => m.engine, 'each workflow is compared with itself on the other engine');
  differ('sandbox backend', (m) => m.sandbox.backend, 'what commands could reach differs');
  const envs = manifestDifferences(run.manifest, base.manifest).find(([what]) => what === 'task environments');
  if (envs) warnings.push(`task environments differ (${run.label}: ${envs[1]}; ${base.label}: ${envs[2]}): the tasks ran on different toolchains`);
  differ('bench version', (m) => m.harness.version, 'measurement or grading may have changed');
  return { refusal: null, warnings };
}
