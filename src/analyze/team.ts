// How a workflow's roles worked together, over its trials: which routes its trials took (and how
// often each broke the expected route), and which files each role read and wrote (the access matrix).
import type { TeamRecord, TrialRecord } from '../record/schema.ts';

export interface RouteCount {
  /** Role names in call order, joined with ' → '; '(no role calls)' for a trial that called none. */
  route: string;
  trials: number;
  /** Of those, trials held to an expected route that this route breaks. */
  misrouted: number;
}

export const NO_CALLS = '(no role calls)';

export const routeText = (team: TeamRecord) => (team.route.length ? team.route.map((c) => c.role).join(' → ') : NO_CALLS);

/** Routes of the trials that recorded one, most frequent first. */
export function routeFrequencies(records: TrialRecord[]): RouteCount[] {
  const counts = new Map<string, RouteCount>();
  for (const r of records) {
    if (!r.team || r.status === 'infra_error') continue;
    const route = routeText(r.team);
    const c = counts.get(route) ?? { route, trials: 0, misrouted: 0 };
    c.trials++;
    if (r.team.misrouted) c.misrouted++;
    counts.set(route, c);
  }
  return [...counts.values()].sort((a, b) => b.trials - a.trials || a.route.localeCompare(b.route));
}

export interface MatrixCell {
  /** Trials in which the role read the file (file tools, or named by a command). */
  read: number;
  /** Trials in which the role wrote it. */
  write: number;
}

export interface AccessMatrix {
  roles: string[];
  /** Files, most accessed first, each with a cell per role that touched it. */
  files: Array<{ file: string; cells: Record<string, MatrixCell>; overlaps: number }>;
  /** Trials the matrix is made of (those that recorded accesses). */
  trials: number;
}

/** The role × file matrix over trials: in how many trials each role read and wrote each file, and how many write overlaps each file had. */
export function accessMatrix(records: TrialRecord[]): AccessMatrix {
  const files = new Map<string, { cells: Record<string, MatrixCell>; overlaps: number }>();
  const roles = new Set<string>();
  let trials = 0;
  for (const r of records) {
    if (!r.team || r.status === 'infra_error') continue;
    trials++;
    const seen = new Set<string>();
    for (const a of r.team.access) {
      const key = `${a.role}\0${a.file}\0${a.op}`;
      if (seen.has(key)) continue;
      seen.add(key);
      roles.add(a.role);
      const f = files.get(a.file) ?? { cells: {}, overlaps: 0 };
      const c = (f.cells[a.role] ??= { read: 0, write: 0 });
      c[a.op]++;
      files.set(a.file, f);
    }
    for (const o of r.team.write_overlaps) {
      const f = files.get(o.file);
      if (f) f.overlaps++;
    }
  }
  const total = (x: { cells: Record<string, MatrixCell> }) => Object.values(x.cells).reduce((n, c) => n + c.read + c.write, 0);
  return {
    roles: [...roles].sort(),
    files: [...files.entries()]
      .map(([file, f]) => ({ file, ...f }))
      .sort((a, b) => b.overlaps - a.overlaps || total(b) - total(a) || a.file.localeCompare(b.file)),
    trials,
  };
}
