// Chart: miss rate of cache-prior runs against λ (the paper's strength knob), one chart per task,
// one line per cache size (and top-J / policy), with that cache size's topk miss rate dashed.

import type { LeaderboardRow } from '../leaderboard/leaderboard-row.js';
import { drawSeries, extent, groupBy, slugify, type ChartDefinition, type ChartOutput, type ChartSeries } from './chart.js';
import { CHART_HEIGHT, CHART_WIDTH, plotFrame, seriesStyle, type LegendEntry } from './plot-frame.js';
import { svgDocument } from './svg.js';

const CACHE_PRIOR = 'cache-prior';

function seriesName(r: LeaderboardRow, withModel: boolean): string {
  const cache = r.cache as NonNullable<LeaderboardRow['cache']>;
  const j = r.params.topJ ? `, J=${r.params.topJ}` : '';
  const policy = cache.policy !== 'lru' ? ` ${cache.policy}` : '';
  return `${withModel ? `${r.model} ` : ''}cache ${cache.capacity}${policy}${j}`;
}

function buildTask(rows: LeaderboardRow[], all: readonly LeaderboardRow[]): ChartOutput {
  const task = rows[0].task;
  const withModel = new Set(rows.map((r) => r.model)).size > 1;
  const lines = [...groupBy(rows, (r) => `${r.group}#${seriesName(r, withModel)}`).values()];
  const names = new Map<LeaderboardRow[], string>();
  const used = new Map<string, number>();
  for (const members of lines) {
    const base = seriesName(members[0], withModel);
    const k = (used.get(base) ?? 0) + 1;
    used.set(base, k);
    names.set(members, k === 1 ? base : `${base} #${k}`);
  }
  const data: ChartSeries[] = lines.map((members) => ({
    name: names.get(members) as string,
    kind: 'line',
    points: [...members].sort((a, b) => a.params.lambda - b.params.lambda || (a.run < b.run ? -1 : 1)).map((r) => ({ x: r.params.lambda, y: r.missRate as number, run: r.run })),
  }));
  // the topk baseline of each line (same task, cache size and options): λ = 0 reproduces it exactly;
  // lines that share a baseline (e.g. J=0 and J=1 at one cache size) share its dashed line
  const baselines = lines.map((members) => all.find((r) => r.isBaseline && r.run === members[0].baselineRun && r.missRate !== null) ?? null);
  const refOwner = baselines.map((b, i) => (b !== null && baselines.indexOf(b) === i ? b : null));
  const xs = extent(data.flatMap((s) => s.points.map((p) => p.x)));
  const ys = extent([...data.flatMap((s) => s.points.map((p) => p.y)), ...refOwner.flatMap((b) => (b ? [b.missRate as number] : []))]);
  const title = `Miss rate vs λ (cache-prior): ${task}`;
  const refName = (b: LeaderboardRow) => `${withModel ? `${b.model} ` : ''}topk, cache ${(b.cache as NonNullable<LeaderboardRow['cache']>).capacity}`;
  const legend: LegendEntry[] = [];
  data.forEach((s, i) => {
    legend.push({ label: s.name, color: seriesStyle(i).color, kind: seriesStyle(i).shape });
    const b = refOwner[i];
    if (b) legend.push({ label: refName(b), color: seriesStyle(i).color, kind: 'dashed' });
  });
  const frame = plotFrame({
    title,
    xLabel: 'λ (cache-prior strength)',
    yLabel: 'expert miss rate',
    x: { lo: xs.lo, hi: Math.max(xs.hi, 1e-9), includeZero: true },
    y: { lo: ys.lo, hi: ys.hi, includeZero: true },
    legend,
  });
  const series: ChartSeries[] = [];
  const drawn: string[] = [];
  refOwner.forEach((b, i) => {
    if (!b) return;
    const xMin = frame.xAxis?.min ?? 0;
    const xMax = frame.xAxis?.max ?? 1;
    const ref: ChartSeries = { name: refName(b), kind: 'reference', points: [{ x: xMin, y: b.missRate as number, run: b.run }, { x: xMax, y: b.missRate as number, run: b.run }] };
    series.push(ref);
    drawn.push(drawSeries(frame, ref, seriesStyle(i)));
  });
  data.forEach((s, i) => {
    series.push(s);
    drawn.push(drawSeries(frame, s, seriesStyle(i)));
  });
  return { chart: 'miss-rate-vs-lambda', heading: task, slug: slugify(task), title, series, svg: svgDocument(CHART_WIDTH, CHART_HEIGHT, title, [...frame.under, ...drawn, ...frame.over]) };
}

export const missRateVsLambdaChart: ChartDefinition = {
  id: 'miss-rate-vs-lambda',
  title: 'Miss rate vs λ',
  summary: 'cache-prior runs: miss rate against λ per cache size, the topk miss rate of the same cache dashed',
  build(rows) {
    const prior = rows.filter((r) => r.strategy === CACHE_PRIOR && r.params.lambda !== undefined && r.missRate !== null && r.cache !== null);
    return [...groupBy(prior, (r) => r.taskGroup).values()].map((members) => buildTask(members, rows));
  },
};
