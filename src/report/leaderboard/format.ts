// Human formatting of leaderboard numbers (markdown cells, chart labels). CSV and JSON carry the
// raw numbers instead. A missing value prints as an em dash everywhere.

import type { LeaderboardRow } from './leaderboard-row.js';

export const MISSING = '—';

export const fixed = (v: number | null | undefined, digits: number): string => (v === null || v === undefined || !Number.isFinite(v) ? MISSING : v.toFixed(digits));

export const signed = (v: number, digits: number): string => `${v >= 0 ? '+' : '-'}${Math.abs(v).toFixed(digits)}`;

export const percent = (v: number | null, digits = 1): string => (v === null ? MISSING : `${signed(v * 100, digits)}%`);

/** Digits for the metric: accuracies as 0.625, perplexities as 18.73. */
export const metricDigits = (row: Pick<LeaderboardRow, 'metric'>): number => (row.metric.kind === 'perplexity' ? 2 : 3);

export function metricCell(row: LeaderboardRow): string {
  const d = metricDigits(row);
  return row.metric.stderr === null ? fixed(row.metric.value, d) : `${fixed(row.metric.value, d)} ± ${fixed(row.metric.stderr, d)}`;
}

export function deltaCell(row: LeaderboardRow): string {
  if (row.isBaseline) return 'baseline';
  const delta = row.deltaVsTopk;
  if (delta === null) return MISSING;
  if (delta.scale === 'relative') return delta.se === null ? percent(delta.value) : `${percent(delta.value)} ± ${(delta.se * 100).toFixed(1)}%`;
  const d = metricDigits(row);
  return delta.se === null ? signed(delta.value, d) : `${signed(delta.value, d)} ± ${delta.se.toFixed(d)}`;
}

export const metricName = (row: Pick<LeaderboardRow, 'metric'>): string => (row.metric.filter === null ? row.metric.name : `${row.metric.name} (${row.metric.filter})`);

export const speedupText = (v: number | null | undefined): string => (v === null || v === undefined ? MISSING : `${v.toFixed(2)}×`);

/** ms/token: three decimals below 1 ms (modeled latencies of small models), two above. */
export const milliseconds = (v: number): string => v.toFixed(v < 1 ? 3 : 2);
