// Pareto optimality of rows on (metric, miss rate) within each group (task × dataset × cache size ×
// cache options): the accuracy / speed trade-off curve of the paper's Figure 3.

import type { LeaderboardRow } from './leaderboard-row.js';

/** Quality on a "higher is better" scale, so accuracy and perplexity compare the same way. */
export const quality = (row: Pick<LeaderboardRow, 'metric'>): number => (row.metric.higherIsBetter ? row.metric.value : -row.metric.value);

/** a dominates b: no worse on both axes and strictly better on one (equal rows do not dominate each other). */
function dominates(a: LeaderboardRow, b: LeaderboardRow): boolean {
  const qa = quality(a);
  const qb = quality(b);
  const ma = a.missRate as number;
  const mb = b.missRate as number;
  return qa >= qb && ma <= mb && (qa > qb || ma < mb);
}

/** Sets row.pareto; rows without a miss rate (no cache) are never on the frontier. */
export function markPareto(rows: LeaderboardRow[]): void {
  const groups = new Map<string, LeaderboardRow[]>();
  for (const row of rows) {
    row.pareto = false;
    if (row.missRate === null) continue;
    groups.set(row.group, [...(groups.get(row.group) ?? []), row]);
  }
  for (const members of groups.values()) {
    for (const row of members) row.pareto = !members.some((other) => other !== row && dominates(other, row));
  }
}

/** The frontier of a set of rows as points sorted by miss rate (for charts). */
export function paretoFrontier(rows: readonly LeaderboardRow[]): LeaderboardRow[] {
  return rows.filter((r) => r.pareto && r.missRate !== null).sort((a, b) => (a.missRate as number) - (b.missRate as number) || quality(a) - quality(b));
}
