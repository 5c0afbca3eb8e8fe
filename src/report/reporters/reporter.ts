// What a leaderboard reporter gets and gives: the sorted rows, the charts written beside it, the
// names of its sibling files (for cross links), and back the text of one file.

import type { ChartFile } from '../charts/chart.js';
import type { Leaderboard } from '../leaderboard/leaderboard-row.js';

export interface ReportContext {
  leaderboard: Leaderboard;
  charts: ChartFile[];
  /** directory of the charts relative to the report's directory, forward slashes */
  chartsDir: string;
  /** file names (no directory) of every format being written, by reporter id */
  files: Record<string, string>;
}

export interface ReporterDefinition {
  /** kebab-case id (`--formats`) */
  readonly id: string;
  /** file extension without the dot */
  readonly extension: string;
  /** how every file of this reporter begins: an existing file without it was not written by `moe-eval report` */
  readonly signature: string;
  render(ctx: ReportContext): string;
}
