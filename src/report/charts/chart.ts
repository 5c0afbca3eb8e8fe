// What a chart kind produces (one or more SVG files, each with the series it drew, so tests and the
// JSON report can check the data without parsing SVG) and the shared drawing of series.

import type { LeaderboardRow } from '../leaderboard/leaderboard-row.js';
import type { Frame, MarkerShape } from './plot-frame.js';
import { marker } from './plot-frame.js';
import { el, polylinePoints, text } from './svg.js';

export interface ChartPoint {
  x: number;
  y: number;
  /** the run behind the point, when there is one */
  run?: string;
  /** short text drawn beside the point */
  label?: string;
}

export interface ChartSeries {
  name: string;
  /** points: markers; line: markers joined in x order; reference: a dashed line without markers */
  kind: 'points' | 'line' | 'reference';
  points: ChartPoint[];
}

export interface ChartOutput {
  /** chart kind id */
  chart: string;
  /** what the chart shows, e.g. "mmlu, cache 8" (the markdown sub-heading) */
  heading: string;
  /** file name stem before de-duplication, e.g. "mmlu-cache-8" */
  slug: string;
  title: string;
  series: ChartSeries[];
  svg: string;
}

export interface ChartFile extends ChartOutput {
  /** file name inside the charts directory */
  file: string;
}

export interface ChartDefinition {
  /** kebab-case id, also the file-name prefix */
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  build(rows: readonly LeaderboardRow[]): ChartOutput[];
}

export interface SeriesStyle {
  color: string;
  shape: MarkerShape;
  /** reference series: also ring every point (a one-point Pareto frontier stays visible) */
  ring?: boolean;
}

/**
 * Places point labels so they do not overlap one another: beside the point, right-above first,
 * then right-below, left-above, left-below (text width estimated from the character count).
 */
export class LabelPlacer {
  private readonly boxes: { x0: number; y0: number; x1: number; y1: number }[] = [];

  place(px: number, py: number, label: string): { x: number; y: number; anchor: 'start' | 'end' } {
    const w = label.length * 5.8;
    const candidates = [
      { dx: 7, dy: -7, anchor: 'start' as const },
      { dx: 7, dy: 14, anchor: 'start' as const },
      { dx: -7, dy: -7, anchor: 'end' as const },
      { dx: -7, dy: 14, anchor: 'end' as const },
    ];
    const boxOf = (c: (typeof candidates)[number]) => {
      const x = px + c.dx;
      const y = py + c.dy;
      return c.anchor === 'start' ? { x0: x, y0: y - 9, x1: x + w, y1: y + 2 } : { x0: x - w, y0: y - 9, x1: x, y1: y + 2 };
    };
    const free = candidates.find((c) => {
      const b = boxOf(c);
      return !this.boxes.some((o) => b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1);
    });
    const chosen = free ?? candidates[0];
    this.boxes.push(boxOf(chosen));
    return { x: px + chosen.dx, y: py + chosen.dy, anchor: chosen.anchor };
  }
}

/** Draws one series in its own group, data-series naming it (a stable hook for readers and tests). */
export function drawSeries(frame: Frame, series: ChartSeries, style: SeriesStyle, labels: LabelPlacer = new LabelPlacer()): string {
  const pts = series.points.map((p) => ({ ...p, px: frame.x(p.x), py: frame.y(p.y) }));
  const parts: string[] = [];
  if (series.kind === 'reference') {
    if (pts.length > 1) parts.push(el('polyline', { points: polylinePoints(pts.map((p) => ({ x: p.px, y: p.py }))), fill: 'none', stroke: style.color, 'stroke-width': 1.5, 'stroke-dasharray': '6 4' }));
    if (style.ring) for (const p of pts) parts.push(el('circle', { class: 'ring', cx: p.px, cy: p.py, r: 8, fill: 'none', stroke: style.color, 'stroke-width': 1.2 }));
  } else {
    if (series.kind === 'line' && pts.length > 1) {
      const sorted = [...pts].sort((a, b) => a.x - b.x);
      parts.push(el('polyline', { points: polylinePoints(sorted.map((p) => ({ x: p.px, y: p.py }))), fill: 'none', stroke: style.color, 'stroke-width': 1.5 }));
    }
    for (const p of pts) {
      const tip = `${series.name}${p.label ? ` ${p.label}` : ''}: (${p.x}, ${p.y})${p.run ? ` ${p.run}` : ''}`;
      parts.push(el('g', {}, [marker(style.shape, p.px, p.py, style.color), el('title', {}, text(tip))]));
      if (p.label) {
        const at = labels.place(p.px, p.py, p.label);
        parts.push(el('text', { x: at.x, y: at.y, 'text-anchor': at.anchor, 'font-size': 10, fill: '#555555' }, text(p.label)));
      }
    }
  }
  return el('g', { class: series.kind === 'reference' ? 'reference' : 'series', 'data-series': series.name }, parts);
}

/** Lower-case, digits and dashes only: a file-name stem. */
export const slugify = (s: string): string =>
  s
    .toLowerCase()
    .replace(/λ/g, 'lambda')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '') || 'chart';

/** Rows grouped by `key`, groups in first-seen order. */
export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

/** Series label of a row: strategy and parameters, with the model when a chart mixes models, and a non-LRU policy. */
export function rowSeriesName(row: LeaderboardRow, withModel: boolean): string {
  const policy = row.cache && row.cache.policy !== 'lru' ? ` (${row.cache.policy})` : '';
  return `${withModel ? `${row.model} ` : ''}${row.strategy}${policy}`;
}

export function extent(values: readonly number[]): { lo: number; hi: number } {
  return values.length === 0 ? { lo: 0, hi: 1 } : { lo: Math.min(...values), hi: Math.max(...values) };
}
