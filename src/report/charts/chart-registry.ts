// Registry of chart kinds (kebab-case ids, `--charts`) and the naming of their files: "<id>-<slug>.svg",
// a repeated slug numbered -2, -3 in row order, so names are stable for a given set of runs.

import { usageError } from '../../errors.js';
import type { LeaderboardRow } from '../leaderboard/leaderboard-row.js';
import { accuracyVsMissRateChart } from './accuracy-vs-miss-rate.js';
import type { ChartDefinition, ChartFile } from './chart.js';
import { missRateVsLambdaChart } from './miss-rate-vs-lambda.js';
import { perLayerMissRateChart } from './per-layer-miss-rate.js';

const definitions: readonly ChartDefinition[] = [accuracyVsMissRateChart, missRateVsLambdaChart, perLayerMissRateChart];
const registry: ReadonlyMap<string, ChartDefinition> = new Map(definitions.map((d) => [d.id, d]));
export const CHART_IDS: readonly string[] = definitions.map((d) => d.id);

export function getChart(id: string): ChartDefinition {
  const def = registry.get(id);
  if (!def) throw usageError('unknown-chart', `--charts: unknown chart "${id}"; valid: ${CHART_IDS.join(', ')}`, 'pass chart ids separated by commas, "all" or "none"');
  return def;
}

/** "all" | "none" | comma-separated ids. */
export function parseChartList(text: string): ChartDefinition[] {
  const t = text.trim();
  if (t === 'all') return [...definitions];
  if (t === 'none' || t === '') return [];
  return [...new Set(t.split(',').map((s) => s.trim()))].map(getChart);
}

export function renderCharts(rows: readonly LeaderboardRow[], charts: readonly ChartDefinition[]): ChartFile[] {
  const out: ChartFile[] = [];
  for (const def of charts) {
    const used = new Map<string, number>();
    for (const chart of def.build(rows)) {
      const k = (used.get(chart.slug) ?? 0) + 1;
      used.set(chart.slug, k);
      out.push({ ...chart, file: `${def.id}-${chart.slug}${k > 1 ? `-${k}` : ''}.svg` });
    }
  }
  return out;
}
