// `bench report <run> [--compare <run>] [-o file] [--format html|md|junit]`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { checkOutputPath } from '../input/outputPath.ts';
import { checkComparable, warn } from './args.ts';

export function reportCommand(program: Command): void {
  program
    .command('report')
    .description('turn a run folder into an HTML report (offline, one file), a markdown summary, or JUnit XML (a test case per trial)')
    .argument('<run>', 'run folder, e.g. results/<run-id>')
    .option('--compare <run>', 'another run to put side by side (e.g. before and after a plugin change)')
    .option('-o, --out <file>', 'output file (default: reports/<run-id>/index.html, or stdout for md and junit)')
    .option('--format <format>', 'html, md or junit', 'html')
    .option('--force', 'compare runs that share no task (refused otherwise)')
    .action(async (runArg: string, flags: { compare?: string; out?: string; format: string; force?: boolean }) => {
      if (!['html', 'md', 'junit'].includes(flags.format))
        throw new InputError(`unknown format "${flags.format}"`, { field: '--format', fix: 'use --format html, md or junit' });
      const [{ buildReportData, DEFAULT_LIMITS, loadRun, MARKDOWN_LIMITS }, { comparability }] = await Promise.all([
        import('../report/data.ts'),
        import('../analyze/comparability.ts'),
      ]);
      if (flags.out) checkOutputPath(resolve(flags.out), 'file', '--out');
      const first = loadRun(resolve(runArg), { warn });
      const runs = [first];
      if (flags.compare) {
        const other = loadRun(resolve(flags.compare), { warn });
        if (other.label === first.label) other.label = `${other.label} (2)`;
        checkComparable(comparability(other, first), { field: '--compare', force: flags.force });
        runs.unshift(other); // the compared-against run is the baseline
      }
      // Runs of different engines (sdk against codex) say so in every label.
      if (new Set(runs.map((r) => r.manifest.engine)).size > 1) for (const r of runs) r.label = `${r.label} (${r.manifest.engine})`;
      // JUnit lists the trials as they are: no analysis.
      const text =
        flags.format === 'junit'
          ? (await import('../report/junit.ts')).trialsJUnit(runs)
          : flags.format === 'md'
            ? (await import('../report/markdown.ts')).renderMarkdown(buildReportData(runs, MARKDOWN_LIMITS))
            : null;
      if (text !== null) {
        if (flags.out) {
          mkdirSync(dirname(resolve(flags.out)), { recursive: true });
          writeFileSync(flags.out, text);
          process.stderr.write(`wrote ${flags.out}\n`);
        } else process.stdout.write(text);
        return;
      }
      const data = buildReportData(runs, DEFAULT_LIMITS);
      // The HTML report draws its charts with vega: loaded only for this format.
      const { renderHtml } = await import('../report/html.ts');
      const out = resolve(flags.out ?? join('reports', first.manifest.run_id, 'index.html'));
      mkdirSync(dirname(out), { recursive: true });
      const t0 = performance.now();
      writeFileSync(out, await renderHtml(data, { outFile: out }));
      process.stdout.write(`report: ${out}  (${runs.reduce((n, r) => n + r.records.length, 0)} trials, ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
    });
}
