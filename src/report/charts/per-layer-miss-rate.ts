// Chart: miss rate per MoE layer for every cached run of a task × cache size, with the Belady
// replay of the topk baseline's trace per layer dashed (where the cache pressure sits in depth).

import type { LeaderboardRow } from '../leaderboard/leaderboard-row.js';
import { drawSeries, extent, groupBy, rowSeriesName, slugify, type ChartDefinition, type ChartOutput, type ChartSeries } from './chart.js';
import { CHART_HEIGHT, CHART_WIDTH, plotFrame, seriesStyle, type LegendEntry } from './plot-frame.js';
import { svgDocument } from './svg.js';

const BELADY_COLOR = '#8c8c8c';

function buildGroup(rows: LeaderboardRow[]): ChartOutput {
  const first = rows[0];
  const withModel = new Set(rows.map((r) => r.model)).size > 1;
  const data: ChartSeries[] = rows.map((r) => ({
    name: `${rowSeriesName(r, withModel)}${r.paramsLabel ? ` ${r.paramsLabel}` : ''}`,
    kind: 'line',
    points: r.perLayer.filter((l) => l.missRate !== null).map((l) => ({ x: l.layer, y: l.missRate as number, run: r.run })),
  }));
  const baseline = rows.find((r) => r.isBaseline);
  const beladyPoints = (baseline?.perLayer ?? []).filter((l) => l.belady !== null).map((l) => ({ x: l.layer, y: l.belady as number, run: baseline?.run }));
  const belady: ChartSeries | null = beladyPoints.length > 0 ? { name: 'Belady (topk trace)', kind: 'reference', points: beladyPoints } : null;
  const all = [...data, ...(belady ? [belady] : [])];
  const layers = [...new Set(all.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const ys = extent(all.flatMap((s) => s.points.map((p) => p.y)));
  const title = `Miss rate per MoE layer: ${first.groupLabel}`;
  const legend: LegendEntry[] = data.map((s, i) => ({ label: s.name, color: seriesStyle(i).color, kind: seriesStyle(i).shape }));
  if (belady) legend.push({ label: belady.name, color: BELADY_COLOR, kind: 'dashed' });
  const frame = plotFrame({
    title,
    xLabel: 'MoE layer (decoder-layer index)',
    yLabel: 'expert miss rate',
    x: { lo: layers[0] ?? 0, hi: layers[layers.length - 1] ?? 1, ticks: layers.map((l) => ({ value: l, label: String(l) })) },
    y: { lo: ys.lo, hi: ys.hi, includeZero: true },
    legend,
  });
  const drawn = [...(belady ? [drawSeries(frame, belady, { color: BELADY_COLOR, shape: 'circle' })] : []), ...data.map((s, i) => drawSeries(frame, s, seriesStyle(i)))];
  return {
    chart: 'per-layer-miss-rate',
    heading: first.groupLabel,
    slug: slugify(first.groupLabel),
    title,
    series: all,
    svg: svgDocument(CHART_WIDTH, CHART_HEIGHT, title, [...frame.under, ...drawn, ...frame.over]),
  };
}

export const perLayerMissRateChart: ChartDefinition = {
  id: 'per-layer-miss-rate',
  title: 'Miss rate per layer',
  summary: 'every cached run of a task × cache size: miss rate per MoE layer, Belady of the topk trace dashed',
  build: (rows) => [...groupBy(rows.filter((r) => r.missRate !== null), (r) => r.group).values()].map(buildGroup),
};
