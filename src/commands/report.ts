// `moe-eval report RUN_DIR… [--out FILE]`: the markdown leaderboard with its CSV,
// JSON and SVG charts, from run directories only (docs/design.md: reports read only results documents).

import { Args, Flags } from '@oclif/core';
import { relative } from 'node:path';
import { MoeEvalCommand } from '../cli/base-command.js';
import { usageError } from '../errors.js';
import { CHART_IDS } from '../report/charts/chart-registry.js';
import { DEFAULT_SORT, SORT_KEY_IDS } from '../report/leaderboard/sort-keys.js';
import { REPORTER_IDS } from '../report/reporters/reporter-registry.js';
import { writeReport, type WriteReportResult } from '../report/write-report.js';

export default class Report extends MoeEvalCommand {
  static override description =
    'Write a markdown leaderboard of runs (accuracy or perplexity, Δ vs topk, miss rate, Δ vs LRU, Belady, ms/token, speed-up, Pareto marks) with SVG charts, CSV and JSON beside it';
  static override examples = [
    '<%= config.bin %> report reports/sweep',
    '<%= config.bin %> report runs/mmlu-* --out reports/leaderboard.md',
    '<%= config.bin %> report runs/ --out reports/leaderboard.md --sort task,cache,miss-rate',
    '<%= config.bin %> report runs/a runs/b --out /tmp/lb.md --charts none --formats markdown --json',
  ];
  static override strict = false;
  static override args = {
    runs: Args.string({ description: 'run directories (results.json + samples.jsonl), or directories searched for them', required: true, name: 'RUN_DIR' }),
  };
  static override flags = {
    out: Flags.string({ description: 'markdown file to write; CSV, JSON and "<name>-charts/" go beside it (default: leaderboard.md in the folder that holds the runs)', helpValue: 'FILE' }),
    force: Flags.boolean({ description: 'replace files at --out that moe-eval report did not write', default: false }),
    sort: Flags.string({ description: `sort keys, each KEY or KEY:asc|desc; keys: ${SORT_KEY_IDS.join(', ')}`, default: DEFAULT_SORT, helpValue: 'KEYS' }),
    charts: Flags.string({ description: `charts to draw: all, none, or ids (${CHART_IDS.join(', ')})`, default: 'all', helpValue: 'IDS' }),
    formats: Flags.string({ description: `files to write: ${REPORTER_IDS.join(', ')}`, default: REPORTER_IDS.join(','), helpValue: 'IDS' }),
  };

  async run(): Promise<WriteReportResult> {
    const { argv, flags } = await this.parse(Report);
    const runs = argv as string[];
    if (runs.length === 0) throw usageError('no-runs', 'report: name at least one RUN_DIR', 'e.g. moe-eval report runs/* --out reports/leaderboard.md');
    const result = writeReport(runs, { out: flags.out, force: flags.force, sort: flags.sort, charts: flags.charts, formats: flags.formats });
    for (const s of result.skipped) this.note(`left out: ${s.reason}`);
    if (!this.jsonEnabled()) {
      const rel = (f: string) => relative(process.cwd(), f) || f;
      const docs = result.files.filter((f) => !f.endsWith('.svg')).map(rel);
      this.log(`${result.runs} run${result.runs === 1 ? '' : 's'} → ${docs.join(', ')}${result.charts ? ` and ${result.charts} chart${result.charts === 1 ? '' : 's'} in ${rel(result.chartsDir)}/` : ''}`);
      for (const f of result.removed) this.note(`removed stale chart ${relative(process.cwd(), f)}`);
    }
    return result;
  }
}
