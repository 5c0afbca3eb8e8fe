// `moe-eval report`: run directories in, leaderboard files out (markdown + CSV + JSON beside it, SVG
// charts in "<name>-charts/" next to them). renderReport is pure (golden tests); writeReport writes.

import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { inputError, MoeEvalError, usageError } from '../errors.js';
import { ensureWritableDir } from '../util/writable-dir.js';
import { parseChartList, renderCharts } from './charts/chart-registry.js';
import type { ChartFile } from './charts/chart.js';
import { buildRows } from './leaderboard/build-rows.js';
import type { Leaderboard } from './leaderboard/leaderboard-row.js';
import { DEFAULT_SORT, parseSort, sortRows } from './leaderboard/sort-keys.js';
import { parseFormats, REPORTER_IDS } from './reporters/reporter-registry.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { expandRunDirs, loadRun, type LoadedRun } from '../run/results/read.js';

export interface ReportOptions {
  /** `--sort`, default "task,cache,accuracy:desc" */
  sort?: string;
  /** `--charts`: "all" (default), "none" or chart ids */
  charts?: string;
  /** `--formats`: reporter ids, default all */
  formats?: string;
}

export interface RenderedReport {
  leaderboard: Leaderboard;
  charts: ChartFile[];
  /** directory of the charts relative to the markdown */
  chartsDir: string;
  /** file name (relative to the report directory) → content */
  files: { path: string; content: string }[];
}

/** The file each format writes: the markdown is `outName`, the others share its stem. */
function fileNames(formats: readonly { id: string; extension: string }[], outName: string): Record<string, string> {
  const stem = basename(outName, extname(outName));
  return Object.fromEntries(formats.map((f) => [f.id, f.id === 'markdown' ? outName : `${stem}.${f.extension}`]));
}

/** Everything the report writes, in memory; `outName` is the markdown file's name ("leaderboard.md"). */
export function renderReport(runs: readonly LoadedRun[], reportDir: string, outName: string, opts: ReportOptions = {}): RenderedReport {
  const sort = parseSort(opts.sort ?? DEFAULT_SORT);
  const formats = parseFormats(opts.formats ?? REPORTER_IDS.join(','));
  const rows = buildRows(runs, reportDir);
  sortRows(rows, sort);
  const leaderboard: Leaderboard = { schema: 'moe-eval.leaderboard/1', sort, rows };
  const charts = renderCharts(rows, parseChartList(opts.charts ?? 'all'));
  const chartsDir = `${basename(outName, extname(outName))}-charts`;
  const names = fileNames(formats, outName);
  const files = [
    ...formats.map((f) => ({ path: names[f.id], content: f.render({ leaderboard, charts, chartsDir, files: names }) })),
    ...charts.map((c) => ({ path: `${chartsDir}/${c.file}`, content: c.svg })),
  ];
  return { leaderboard, charts, chartsDir, files };
}

export interface WriteReportResult {
  /** absolute paths written, markdown first */
  files: string[];
  runs: number;
  charts: number;
  /** absolute path of the charts directory */
  chartsDir: string;
  /** stale SVG files removed from the charts directory */
  removed: string[];
  /** run folders left out because their run is not complete */
  skipped: { dir: string; reason: string }[];
}

export interface WriteOptions extends ReportOptions {
  /** the markdown file; default: leaderboard.md in the deepest folder that holds every run */
  out?: string;
  /** write over files that `moe-eval report` did not write */
  force?: boolean;
}

/** The deepest folder above every run folder: where a report of them belongs by default. */
export function defaultReportPath(runDirs: readonly string[]): string {
  const parts = runDirs.map((d) => resolve(d).split(sep));
  let n = 0;
  while (parts.every((p) => n < p.length && p[n] === parts[0][n])) n++;
  let dir = parts[0].slice(0, n).join(sep) || sep;
  // one run: beside it, not inside it (a run folder holds only what its run wrote)
  if (runDirs.length === 1 && resolve(runDirs[0]) === dir) dir = dirname(dir);
  return join(dir, 'leaderboard.md');
}

function loadComplete(dirs: readonly string[]): { runs: LoadedRun[]; skipped: WriteReportResult['skipped'] } {
  const runs: LoadedRun[] = [];
  const skipped: WriteReportResult['skipped'] = [];
  for (const dir of dirs) {
    try {
      runs.push(loadRun(dir));
    } catch (e) {
      if (!(e instanceof MoeEvalError) || e.code !== 'run-incomplete') throw e;
      skipped.push({ dir, reason: e.message });
    }
  }
  if (runs.length === 0) throw inputError('no-complete-runs', `no complete run among ${dirs.join(', ')}: ${skipped.map((s) => s.reason).join('; ')}`, 'finish the runs with --resume first');
  return { runs, skipped };
}

/** Refuses to replace a file or chart folder that `moe-eval report` did not write, unless forced. */
function checkOwnership(reportDir: string, rendered: RenderedReport, formats: readonly { id: string; signature: string }[], names: Record<string, string>, force: boolean): void {
  if (force) return;
  for (const f of formats) {
    const path = join(reportDir, names[f.id]);
    if (existsSync(path) && !readFileSync(path, 'utf8').startsWith(f.signature)) {
      throw usageError('report-would-overwrite', `${path} exists and was not written by moe-eval report`, 'pass another --out, or --force to replace it');
    }
  }
  const markdown = join(reportDir, names.markdown ?? '');
  const charts = join(reportDir, rendered.chartsDir);
  if (existsSync(charts) && !(names.markdown && existsSync(markdown))) {
    throw usageError('report-would-overwrite', `${charts} exists but no report of it does`, 'pass another --out, or --force to replace its charts');
  }
}

export function writeReport(runPaths: readonly string[], opts: WriteOptions = {}): WriteReportResult {
  const dirs = expandRunDirs(runPaths);
  const outPath = resolve(opts.out ?? defaultReportPath(dirs));
  const flag = opts.out === undefined ? 'the default report path' : `--out ${opts.out}`;
  if (existsSync(outPath) && statSync(outPath).isDirectory()) {
    throw usageError('out-is-directory', `${flag} ${outPath} is a directory`, 'pass the markdown file to write, e.g. --out reports/leaderboard.md');
  }
  const reportDir = ensureWritableDir(dirname(outPath), '--out');
  const { runs, skipped } = loadComplete(dirs);
  const rendered = renderReport(runs, reportDir, basename(outPath), opts);
  const formats = parseFormats(opts.formats ?? REPORTER_IDS.join(','));
  checkOwnership(reportDir, rendered, formats, fileNames(formats, basename(outPath)), opts.force ?? false);
  const written = rendered.files.map((f) => {
    const path = join(reportDir, f.path);
    writeFileAtomic(path, f.content);
    return path;
  });
  // the charts directory belongs to this report: SVGs of groups that no longer exist would be stale
  const chartsPath = join(reportDir, rendered.chartsDir);
  const keep = new Set(rendered.charts.map((c) => c.file));
  const removed: string[] = [];
  if (existsSync(chartsPath)) {
    for (const name of readdirSync(chartsPath).sort()) {
      if (name.endsWith('.svg') && !keep.has(name)) {
        rmSync(join(chartsPath, name));
        removed.push(join(chartsPath, name));
      }
    }
  }
  return { files: written, runs: runs.length, charts: rendered.charts.length, chartsDir: chartsPath, removed, skipped };
}
