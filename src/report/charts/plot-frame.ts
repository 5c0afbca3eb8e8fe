// The frame every chart shares: title, plot area with grid and ticks, axis labels, legend on the
// right. Series colours (Tableau 10) are paired with marker shapes, so series stay apart in greyscale.

import { linear, niceAxis, type NiceAxis } from './scale.js';
import { el, text } from './svg.js';

export const CHART_WIDTH = 760;
export const CHART_HEIGHT = 440;
const PLOT = { left: 72, right: 520, top: 44, bottom: 380 };
const LEGEND_X = 540;

export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] as const;
export const MARKERS = ['circle', 'square', 'triangle', 'diamond'] as const;
export type MarkerShape = (typeof MARKERS)[number];

export interface LegendEntry {
  label: string;
  color: string;
  /** a marker, a solid or a dashed line */
  kind: MarkerShape | 'line' | 'dashed';
}

export interface FrameSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  x: { lo: number; hi: number; includeZero?: boolean; ticks?: { value: number; label: string }[] };
  y: { lo: number; hi: number; includeZero?: boolean };
  legend: LegendEntry[];
}

export interface Frame {
  x: (v: number) => number;
  y: (v: number) => number;
  xAxis: NiceAxis | null;
  yAxis: NiceAxis;
  /** background, grid, axes, labels (drawn before the series) */
  under: string[];
  /** legend (drawn after the series) */
  over: string[];
  plot: typeof PLOT;
}

export function marker(shape: MarkerShape, cx: number, cy: number, color: string, extra: Record<string, string | number> = {}): string {
  const r = 4.5;
  const common = { fill: color, stroke: '#ffffff', 'stroke-width': 1, ...extra };
  switch (shape) {
    case 'square':
      return el('rect', { class: 'point', x: cx - r, y: cy - r, width: 2 * r, height: 2 * r, ...common });
    case 'triangle':
      return el('polygon', { class: 'point', points: `${round(cx)},${round(cy - r - 1)} ${round(cx + r + 1)},${round(cy + r)} ${round(cx - r - 1)},${round(cy + r)}`, ...common });
    case 'diamond':
      return el('polygon', { class: 'point', points: `${round(cx)},${round(cy - r - 1)} ${round(cx + r + 1)},${round(cy)} ${round(cx)},${round(cy + r + 1)} ${round(cx - r - 1)},${round(cy)}`, ...common });
    default:
      return el('circle', { class: 'point', cx, cy, r, ...common });
  }
}

const round = (v: number) => Math.round(v * 100) / 100;

export function seriesStyle(i: number): { color: string; shape: MarkerShape } {
  return { color: PALETTE[i % PALETTE.length], shape: MARKERS[i % MARKERS.length] };
}

function legend(entries: readonly LegendEntry[]): string[] {
  return entries.map((e, i) => {
    const y = PLOT.top + 8 + i * 20;
    const sample =
      e.kind === 'line' || e.kind === 'dashed'
        ? el('line', { x1: LEGEND_X, y1: y, x2: LEGEND_X + 22, y2: y, stroke: e.color, 'stroke-width': 2, 'stroke-dasharray': e.kind === 'dashed' ? '6 4' : undefined })
        : marker(e.kind, LEGEND_X + 11, y, e.color);
    return el('g', { class: 'legend-entry' }, [sample, el('text', { x: LEGEND_X + 30, y: y + 4, fill: '#222222' }, text(e.label))]);
  });
}

export function plotFrame(spec: FrameSpec): Frame {
  const yAxis = niceAxis(spec.y.lo, spec.y.hi, 5, { includeZero: spec.y.includeZero });
  const xAxis = spec.x.ticks ? null : niceAxis(spec.x.lo, spec.x.hi, 6, { includeZero: spec.x.includeZero });
  const x = xAxis ? linear(xAxis.min, xAxis.max, PLOT.left, PLOT.right) : linear(spec.x.lo, spec.x.hi, PLOT.left + 24, PLOT.right - 24);
  const y = linear(yAxis.min, yAxis.max, PLOT.bottom, PLOT.top);
  const xTicks = spec.x.ticks ?? (xAxis as NiceAxis).ticks.map((v) => ({ value: v, label: v.toFixed((xAxis as NiceAxis).decimals) }));
  const under: string[] = [
    el('text', { x: (PLOT.left + PLOT.right) / 2, y: 24, 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold', fill: '#222222' }, text(spec.title)),
    el(
      'g',
      { class: 'grid', stroke: '#e5e5e5', 'stroke-width': 1 },
      yAxis.ticks.map((v) => el('line', { x1: PLOT.left, y1: y(v), x2: PLOT.right, y2: y(v) })),
    ),
    el('g', { class: 'y-axis', fill: '#444444', 'text-anchor': 'end' }, yAxis.ticks.map((v) => el('text', { x: PLOT.left - 8, y: y(v) + 4 }, text(v.toFixed(yAxis.decimals))))),
    el('g', { class: 'x-axis', fill: '#444444', 'text-anchor': 'middle' }, xTicks.map((t) => el('text', { x: x(t.value), y: PLOT.bottom + 18 }, text(t.label)))),
    el('g', { class: 'x-ticks', stroke: '#888888' }, xTicks.map((t) => el('line', { x1: x(t.value), y1: PLOT.bottom, x2: x(t.value), y2: PLOT.bottom + 5 }))),
    el('line', { x1: PLOT.left, y1: PLOT.bottom, x2: PLOT.right, y2: PLOT.bottom, stroke: '#444444' }),
    el('line', { x1: PLOT.left, y1: PLOT.top, x2: PLOT.left, y2: PLOT.bottom, stroke: '#444444' }),
    el('text', { class: 'x-label', x: (PLOT.left + PLOT.right) / 2, y: PLOT.bottom + 44, 'text-anchor': 'middle', fill: '#222222' }, text(spec.xLabel)),
    el('text', { class: 'y-label', x: 18, y: (PLOT.top + PLOT.bottom) / 2, 'text-anchor': 'middle', fill: '#222222', transform: `rotate(-90 18 ${(PLOT.top + PLOT.bottom) / 2})` }, text(spec.yLabel)),
  ];
  return { x, y, xAxis, yAxis, under, over: [el('g', { class: 'legend' }, legend(spec.legend))], plot: PLOT };
}
