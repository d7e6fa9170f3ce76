// The codex engine's side of traces out: the run's OTLP target as Codex 0.169's [otel] trace exporter in
// the CODEX_HOME config.toml, checked as written and, when the Codex CLI is installed, as Codex loads it.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'smol-toml';
import { describe, expect, test } from 'vitest';
import { findCodex } from '../../src/engine/codex/binary.ts';
import { OTLP_HEADERS_ENV, prepareCodexHome, type CodexOtel } from '../../src/engine/codex/home.ts';
import { loadWorkflowDir } from '../../src/workflow/load.ts';
import { tmp } from '../helpers/fixtures.ts';
import { workflowCopy } from '../helpers/workflows.ts';

let codexPath: string | null = null;
try {
  codexPath = findCodex().path;
} catch {
  codexPath = null;
}

const OTEL: CodexOtel = {
  target: { url: 'http://127.0.0.1:4318/v1/traces', headers: { 'x-api-key': 'k1' }, source: '--otel-endpoint' },
  attributes: { 'bench.run.id': 'r1', 'bench.trial.id': 't__broad__r0', 'bench.task.id': 't', 'bench.workflow': 'broad' },
};

async function home(otel: CodexOtel | undefined, config = ''): Promise<{ file: string; config: Record<string, any> }> {
  const dir = workflowCopy('broad', config ? { 'config.toml': config } : {});
  rmSync(join(dir, '.codex-plugin'), { recursive: true }); // a plain Codex config folder: nothing for `codex plugin` to install
  const file = await prepareCodexHome({
    dir: join(tmp(), 'codex-home'),
    codex: { path: '/nonexistent/codex', version: '0.169.0' },
    workflow: loadWorkflowDir(dir),
    provider: { baseUrl: 'http://127.0.0.1:9/v1', model: 'sim', simulated: true, headers: {} },
    sandbox: 'workspace-write',
    networkAccess: false,
    workspace: '/work/tree',
    env: {},
    ...(otel ? { otel } : {}),
  });
  return { file, config: parse(readFileSync(file, 'utf8')) as Record<string, any> };
}

describe('[otel] in the CODEX_HOME config.toml', () => {
  test('no export asked: no [otel] table', async () => {
    const { config } = await home(undefined);
    expect(config.otel).toBeUndefined();
    expect(config.shell_environment_policy.exclude).not.toContain(OTLP_HEADERS_ENV);
  });

  test("the run's target as Codex's OTLP/HTTP trace exporter, spans tagged with the trial, prompts not logged", async () => {
    const { file, config } = await home(OTEL);
    expect(config.otel).toEqual({
      environment: 'bench',
      log_user_prompt: false,
      span_attributes: OTEL.attributes,
      trace_exporter: { 'otlp-http': { endpoint: 'http://127.0.0.1:4318/v1/traces', protocol: 'json' } },
    });
    // The headers (a credential, often) reach Codex in its environment, not in a file; its commands do not get them.
    expect(readFileSync(file, 'utf8')).not.toContain('k1');
    expect(config.shell_environment_policy.exclude).toContain(OTLP_HEADERS_ENV);
  });

  test("the workflow's own [otel] settings stay; its trace exporter gives way to the run's", async () => {
    const { config } = await home(
      OTEL,
      '[otel]\nexporter = "none"\nlog_user_prompt = true\nspan_attributes = { team = "dx" }\n[otel.trace_exporter.otlp-grpc]\nendpoint = "http://elsewhere:4317"\n',
    );
    expect(config.otel.exporter).toBe('none');
    expect(config.otel.log_user_prompt).toBe(false);
    expect(config.otel.span_attributes).toEqual({ team: 'dx', ...OTEL.attributes });
    expect(Object.keys(config.otel.trace_exporter)).toEqual(['otlp-http']);
  });

  test.skipIf(!codexPath)('Codex 0.169 loads the config bench writes (and refuses a wrong one, so the check means something)', async () => {
    const { file } = await home(OTEL);
    const dir = join(file, '..');
    const run = (env: NodeJS.ProcessEnv) =>
      promisify(execFile)(codexPath!, ['mcp', 'list'], { env: { ...process.env, ...env, CODEX_HOME: dir }, timeout: 30_000 });
    await expect(run({})).resolves.toBeDefined();
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('protocol = "json"', 'protocol = "jsonish"'));
    await expect(run({})).rejects.toThrow(/jsonish|unknown variant/);
  });
});
