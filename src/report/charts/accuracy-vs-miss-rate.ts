// Chart: the accuracy / miss-rate trade-off of every cached run, one chart per task × cache size,
// with the Pareto frontier and, when the topk baseline is present, its Belady miss rate (the best
// any cache can do on the unmodified trace; cache-aware routing can go below it by changing the trace).

import type { LeaderboardRow } from '../leaderboard/leaderboard-row.js';
import { metricName } from '../leaderboard/format.js';
import { paretoFrontier } from '../leaderboard/pareto.js';
import { drawSeries, extent, LabelPlacer, groupBy, rowSeriesName, slugify, type ChartDefinition, type ChartOutput, type ChartSeries } from './chart.js';
import { CHART_HEIGHT, CHART_WIDTH, plotFrame, seriesStyle, type LegendEntry } from './plot-frame.js';
import { svgDocument } from './svg.js';

const FRONTIER_COLOR = '#222222';
const BELADY_COLOR = '#8c8c8c';

function buildGroup(rows: LeaderboardRow[]): ChartOutput {
  const first = rows[0];
  const withModel = new Set(rows.map((r) => r.model)).size > 1;
  const bySeries = groupBy(rows, (r) => rowSeriesName(r, withModel));
  const data: ChartSeries[] = [...bySeries].map(([name, members]) => ({
    name,
    kind: 'points',
    points: members.map((r) => ({ x: r.missRate as number, y: r.metric.value, run: r.run, ...(r.paramsLabel ? { label: r.paramsLabel } : {}) })),
  }));
  const frontier: ChartSeries = { name: 'Pareto frontier (ringed)', kind: 'reference', points: paretoFrontier(rows).map((r) => ({ x: r.missRate as number, y: r.metric.value, run: r.run })) };
  const baseline = rows.find((r) => r.isBaseline);
  const belady = baseline?.beladyMissRate ?? null;

  const xs = extent([...rows.map((r) => r.missRate as number), ...(belady !== null ? [belady] : [])]);
  const ys = extent(rows.map((r) => r.metric.value));
  const quality = first.metric.kind === 'perplexity' ? 'Perplexity' : 'Accuracy';
  const title = `${quality} vs miss rate: ${first.groupLabel}`;
  const legend: LegendEntry[] = data.map((s, i) => ({ label: s.name, color: seriesStyle(i).color, kind: seriesStyle(i).shape }));
  legend.push({ label: 'Pareto frontier (ringed)', color: FRONTIER_COLOR, kind: 'dashed' });
  if (belady !== null) legend.push({ label: 'Belady (topk trace)', color: BELADY_COLOR, kind: 'dashed' });
  const frame = plotFrame({
    title,
    xLabel: 'expert miss rate (misses / expert accesses)',
    yLabel: `${metricName(first)} (${first.metric.higherIsBetter ? 'higher' : 'lower'} is better)`,
    x: { lo: xs.lo, hi: xs.hi, includeZero: true },
    y: { lo: ys.lo, hi: ys.hi },
    legend,
  });
  const series: ChartSeries[] = [...data, frontier];
  const drawn = [drawSeries(frame, frontier, { color: FRONTIER_COLOR, shape: 'circle', ring: true })];
  if (belady !== null) {
    const ref: ChartSeries = { name: 'Belady (topk trace)', kind: 'reference', points: [{ x: belady, y: frame.yAxis.min }, { x: belady, y: frame.yAxis.max }] };
    series.push(ref);
    drawn.push(drawSeries(frame, ref, { color: BELADY_COLOR, shape: 'circle' }));
  }
  const labels = new LabelPlacer();
  data.forEach((s, i) => drawn.push(drawSeries(frame, s, seriesStyle(i), labels)));
  return {
    chart: 'accuracy-vs-miss-rate',
    heading: first.groupLabel,
    slug: slugify(first.groupLabel),
    title,
    series,
    svg: svgDocument(CHART_WIDTH, CHART_HEIGHT, title, [...frame.under, ...drawn, ...frame.over]),
  };
}

export const accuracyVsMissRateChart: ChartDefinition = {
  id: 'accuracy-vs-miss-rate',
  title: 'Accuracy vs miss rate',
  summary: 'every cached run of a task × cache size: metric against expert miss rate, the Pareto frontier dashed and ringed, the topk trace’s Belady miss rate dashed grey',
  build: (rows) => [...groupBy(rows.filter((r) => r.missRate !== null), (r) => r.group).values()].map(buildGroup),
};
