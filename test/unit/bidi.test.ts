// Unicode bidi controls in task or agent text are shown as what they are (`<U+202E>`), never obeyed:
// obeyed, they reorder what the report shows (a test id or a file name reads backwards).
import { join } from 'node:path';
import type { z } from 'zod';
import { describe, expect, test } from 'vitest';
import { RunDir } from '../../src/record/runDir.ts';
import type { RunManifest } from '../../src/record/schema.ts';
import { buildReportData, loadRun, MARKDOWN_LIMITS } from '../../src/report/data.ts';
import { showBidi } from '../../src/report/format.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { tmp } from '../helpers/fixtures.ts';
import { sampleRecord } from '../helpers/records.ts';

const CONTROLS = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C'];
const ANY = new RegExp(`[${CONTROLS.join('')}]`);
/** "evil.txt" that shows as "evilexe.txt"-like nonsense when the override is obeyed. */
const FILE = 'src/\u202Etxt.exe';

function bidiRun(): string {
  const run = new RunDir(join(tmp('bench-results-'), 'bidi'));
  const manifest: z.input<typeof RunManifest> = {
    schema: 1,
    run_id: 'bidi',
    created_at: '2026-01-01T00:00:00.000Z',
    harness: { version: '0.1.0', git_sha: null },
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    sandbox: { backend: 'bwrap', detail: 'test' },
    suite: { name: 'suite\u2067x', dir: '.', digest: 'sha256:0', tasks: 1 },
    workflows: [{ name: 'broad\u2068x', source: 'broad', digest: 'sha256:0' }],
    engine: 'sdk',
    model: { backend: 'sim', name: 'sim', base_url: null, api: null, simulated: true, sim_profile: null },
    prices: {},
    seed: 0,
    repeat: 1,
    concurrency: 1,
    filters: { limit: null, tasks: [] },
    shard: null,
    trials_planned: 1,
    command: ['test'],
  };
  run.writeManifest(manifest);
  const id = 'task\u202Eid__broad__r0';
  const workflow = 'broad\u2068x';
  run.append(
    sampleRecord({
      trial_id: id,
      task_id: 'task\u202Eid',
      workflow,
      output: { ...sampleRecord().output, files: [FILE], final_message: `done ${CONTROLS.join('|')}` },
      quality: { ...sampleRecord().quality, resolved: false, escaped_defect: true, failing: ['parse > reads \u2066abc\u2069'], note: 'note \u200F' },
    }),
  );
  run.writeTrialFile(id, 'events.jsonl', `${JSON.stringify({ t: 0, type: 'task', task_id: 'task\u202Eid', prompt: 'please fix \u202Dthis' })}\n`);
  run.writeTrialFile(id, 'patch.diff', `--- a/${FILE}\n+++ b/${FILE}\n@@ -1 +1 @@\n-a\n+b \u061C\n`);
  return run.dir;
}

describe('bidi controls in reports', () => {
  test('showBidi names every control by its code point', () => {
    expect(showBidi(CONTROLS.join(''))).toBe('<U+202A><U+202B><U+202C><U+202D><U+202E><U+2066><U+2067><U+2068><U+2069><U+200E><U+200F><U+061C>');
    expect(showBidi('plain עברית and العربية text')).toBe('plain עברית and العربية text');
  });

  test('the HTML report shows them as <U+…> in its text, its charts and the data the page draws from', async () => {
    const dir = bidiRun();
    const html = await renderHtml(buildReportData([loadRun(dir)]), { outFile: join(dir, 'report.html') });
    expect(html).not.toMatch(ANY);
    expect(html).toContain('suite&lt;U+2067&gt;x'); // page text
    const svg = /<div class="svg"[^>]*>(.*?)<\/div>/s.exec(html)![1]!;
    expect(svg).toContain('broad&lt;U+2068&gt;x'); // a chart's labels
    // What the page's script sets through textContent: the trial, its files, failing tests, timeline and patch.
    const data = JSON.parse(/<script type="application\/json" id="bench-data">(.*?)<\/script>/s.exec(html)![1]!) as {
      trials: Array<{ id: string; files: string[]; failing: string[] }>;
      details: Record<string, { t: unknown[][]; p: string }>;
    };
    expect(data.trials[0]).toMatchObject({ id: 'task<U+202E>id__broad__r0', files: ['src/<U+202E>txt.exe'], failing: ['parse > reads <U+2066>abc<U+2069>'] });
    const detail = Object.values(data.details)[0]!;
    expect(detail.p).toContain('+b <U+061C>');
    expect(String(detail.t[0]![3])).toContain('please fix <U+202D>this');
  });

  test('the markdown report shows them as \\<U+…\\>', () => {
    const md = renderMarkdown(buildReportData([loadRun(bidiRun())], MARKDOWN_LIMITS));
    expect(md).not.toMatch(ANY);
    expect(md).toContain('suite\\<U+2067\\>x');
  });
});
