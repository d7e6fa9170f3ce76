#!/usr/bin/env node
// Rebuilds the example repositories the shipped suites replay, deterministically, as git bundles.
//
//   node suites/repos/build.ts            # every repository under suites/repos/
//   node suites/repos/build.ts durations  # one
//
// A repository's history is authored as folders, one per commit, applied in name order:
//   suites/repos/<name>/commits/<NNNN-slug>/commit.json  {message, date, author, tag?, delete?: [paths]}
//   suites/repos/<name>/commits/<NNNN-slug>/files/...     files written (whole content) by that commit
// Author, committer and dates are fixed per commit, so the commit ids are the same on every machine:
// tasks can name their base and gold commits by sha. The bundle lands at suites/repos/<name>.bundle.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CommitSpec {
  message: string;
  date: string;
  author: string;
  tag?: string;
  delete?: string[];
}

const here = dirname(fileURLToPath(import.meta.url));

function parseAuthor(author: string, file: string): { name: string; email: string } {
  const m = /^(.+?)\s*<([^>]+)>$/.exec(author);
  if (!m) throw new Error(`${file}: author must look like "Name <email>", got ${JSON.stringify(author)}`);
  return { name: m[1]!, email: m[2]! };
}

export function buildRepo(name: string, outFile = join(here, `${name}.bundle`)): Record<string, string> {
  const commitsDir = join(here, name, 'commits');
  if (!existsSync(commitsDir)) throw new Error(`no such repository source: ${commitsDir}`);
  const work = mkdtempSync(join(tmpdir(), `bench-repo-${name}-`));
  const baseEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: work,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    TZ: 'UTC',
    LANG: 'C',
  };
  const git = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    execFileSync('git', ['-c', 'core.autocrlf=false', '-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgsign=false', ...args], {
      cwd: work,
      env: { ...baseEnv, ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  try {
    git(['init', '-q', '-b', 'main']);
    const tags: Record<string, string> = {};
    for (const dir of readdirSync(commitsDir).sort()) {
      const specFile = join(commitsDir, dir, 'commit.json');
      const spec = JSON.parse(readFileSync(specFile, 'utf8')) as CommitSpec;
      for (const p of spec.delete ?? []) rmSync(join(work, p), { recursive: true, force: true });
      const files = join(commitsDir, dir, 'files');
      if (existsSync(files) && statSync(files).isDirectory()) cpSync(files, work, { recursive: true });
      const who = parseAuthor(spec.author, specFile);
      const env = {
        GIT_AUTHOR_NAME: who.name,
        GIT_AUTHOR_EMAIL: who.email,
        GIT_AUTHOR_DATE: spec.date,
        GIT_COMMITTER_NAME: who.name,
        GIT_COMMITTER_EMAIL: who.email,
        GIT_COMMITTER_DATE: spec.date,
      };
      git(['add', '-A']);
      git(['commit', '-q', '--allow-empty', '-m', spec.message], env);
      if (spec.tag) {
        git(['tag', spec.tag]);
        tags[spec.tag] = git(['rev-parse', 'HEAD']);
      }
    }
    rmSync(outFile, { force: true });
    git(['bundle', 'create', '-q', resolve(outFile), '--all']);
    return { HEAD: git(['rev-parse', 'HEAD']), ...tags };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  const all = readdirSync(here).filter((d) => existsSync(join(here, d, 'commits')));
  for (const name of names.length ? names : all) {
    const refs = buildRepo(name);
    console.log(`${name}: HEAD ${refs.HEAD}  -> suites/repos/${name}.bundle`);
  }
}
