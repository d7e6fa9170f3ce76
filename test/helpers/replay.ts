// Running replays programmatically in tests with quiet defaults.
import { ModelBackend, type ModelSpec } from '../../src/model/backend.ts';
import { DEFAULT_PRICES } from '../../src/model/prices.ts';
import { SimProfile } from '../../src/model/sim/profile.ts';
import { detectSandbox, type SandboxBackend } from '../../src/control/sandbox.ts';
import { replay, type ReplayOptions } from '../../src/replay/replay.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { resolveWorkflows } from '../../src/workflow/load.ts';
import { tmp } from './fixtures.ts';

/** The simulated model without simulated waiting. */
export const FAST_PROFILE = SimProfile.parse({ latency: { time_scale: 0 } });

export function simBackend(profile = FAST_PROFILE): ModelBackend {
  return new ModelBackend({ backend: 'sim', name: 'sim', profile } satisfies ModelSpec);
}

export function runReplay(suiteDir: string, over: Partial<ReplayOptions> = {}) {
  const suite = loadSuite(suiteDir);
  return replay({
    suite,
    workflows: resolveWorkflows([], suite.workflows),
    backend: simBackend(),
    runId: 'test-run',
    outDir: tmp('bench-results-'),
    resume: false,
    concurrency: 2,
    repeat: 1,
    seed: 0,
    cacheDir: process.env.BENCH_CACHE_DIR ?? tmp(),
    sandbox: detectSandbox('auto') as SandboxBackend,
    prices: DEFAULT_PRICES,
    command: ['test'],
    signal: new AbortController().signal,
    ...over,
  });
}
