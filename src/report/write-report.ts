// `moe-eval report`: run directories in, leaderboard files out (markdown + CSV + JSON beside it, SVG
// charts in "<name>-charts/" next to them). renderReport is pure (golden tests); writeReport writes.

import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { usageError } from '../errors.js';
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

/** Everything the report writes, in memory; `outName` is the markdown file's name ("leaderboard.md"). */
export function renderReport(runs: readonly LoadedRun[], reportDir: string, outName: string, opts: ReportOptions = {}): RenderedReport {
  const sort = parseSort(opts.sort ?? DEFAULT_SORT);
  const formats = parseFormats(opts.formats ?? REPORTER_IDS.join(','));
  const rows = buildRows(runs, reportDir);
  sortRows(rows, sort);
  const leaderboard: Leaderboard = { schema: 'moe-eval.leaderboard/1', sort, rows };
  const charts = renderCharts(rows, parseChartList(opts.charts ?? 'all'));
  const stem = basename(outName, extname(outName));
  const chartsDir = `${stem}-charts`;
  const names: Record<string, string> = {};
  for (const f of formats) names[f.id] = f.id === 'markdown' ? outName : `${stem}.${f.extension}`;
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
}

export function writeReport(runPaths: readonly string[], out: string, opts: ReportOptions = {}): WriteReportResult {
  const outPath = resolve(out);
  if (existsSync(outPath) && statSync(outPath).isDirectory()) {
    throw usageError('out-is-directory', `--out ${out} is a directory`, 'pass the markdown file to write, e.g. --out reports/leaderboard.md');
  }
  const runs = expandRunDirs(runPaths).map(loadRun);
  const reportDir = dirname(outPath);
  const rendered = renderReport(runs, reportDir, basename(outPath), opts);
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
  return { files: written, runs: runs.length, charts: rendered.charts.length, chartsDir: chartsPath, removed };
}
