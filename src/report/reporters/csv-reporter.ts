// The leaderboard as CSV (RFC 4180): one line per row, raw numbers (JavaScript's shortest
// round-trip form), empty cells for missing values, for spreadsheets and plotting scripts.

import type { LeaderboardRow } from '../leaderboard/leaderboard-row.js';
import type { ReporterDefinition } from './reporter.js';

type Cell = string | number | boolean | null | undefined;

const COLUMNS: readonly [string, (r: LeaderboardRow) => Cell][] = [
  ['rank', (r) => r.rank],
  ['run', (r) => r.run],
  ['model', (r) => r.model],
  ['model_type', (r) => r.modelType],
  ['task', (r) => r.task],
  ['metric', (r) => r.metric.name],
  ['metric_filter', (r) => r.metric.filter],
  ['value', (r) => r.metric.value],
  ['stderr', (r) => r.metric.stderr],
  ['higher_is_better', (r) => r.metric.higherIsBetter],
  ['n', (r) => r.metric.n],
  ['strategy', (r) => r.strategy],
  ['params', (r) => r.paramsLabel],
  ['lambda', (r) => r.params.lambda],
  ['top_j', (r) => r.params.topJ],
  ['max_rank', (r) => r.params.maxRank],
  ['threshold', (r) => r.params.threshold],
  ['cache_policy', (r) => r.cache?.policy],
  ['cache_size', (r) => r.cache?.capacity],
  ['baseline_run', (r) => r.baselineRun],
  ['is_baseline', (r) => r.isBaseline],
  ['delta_vs_topk', (r) => r.deltaVsTopk?.value],
  ['delta_vs_topk_se', (r) => r.deltaVsTopk?.se],
  ['delta_vs_topk_scale', (r) => r.deltaVsTopk?.scale],
  ['miss_rate', (r) => r.missRate],
  ['misses_per_token', (r) => r.missesPerToken],
  ['bytes_moved', (r) => r.bytesMoved],
  ['lru_ref_miss_rate', (r) => r.lruReference?.missRate],
  ['lru_ref_source', (r) => r.lruReference?.source],
  ['delta_vs_lru', (r) => r.deltaVsLru],
  ['belady_miss_rate', (r) => r.beladyMissRate],
  ['measured_ms_per_token', (r) => r.measured?.msPerToken],
  ['measured_source', (r) => r.measured?.source],
  ['modeled_device', (r) => r.modeled?.device],
  ['modeled_ms_per_token', (r) => r.modeled?.msPerToken],
  ['speedup', (r) => r.speedup?.value],
  ['speedup_source', (r) => r.speedup?.source],
  ['pareto', (r) => r.pareto],
  ['status', (r) => r.status],
  ['samples_evaluated', (r) => r.samples.evaluated],
  ['samples_total', (r) => r.samples.total],
  ['sample_errors', (r) => r.samples.errors],
];

function cell(v: Cell): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const HEADER = COLUMNS.map(([name]) => name).join(',');

export const csvReporter: ReporterDefinition = {
  id: 'csv',
  extension: 'csv',
  signature: `${COLUMNS[0][0]},${COLUMNS[1][0]},`,
  render: ({ leaderboard }) => [HEADER, ...leaderboard.rows.map((r) => COLUMNS.map(([, get]) => cell(get(r))).join(','))].join('\r\n') + '\r\n',
};
