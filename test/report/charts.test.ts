// The SVG charts: well-formed XML, GitHub-safe (no scripts, event handlers or external references;
// generic font; explicit size; axis labels; legend), and drawing exactly the series and points
// the chart reports.

import { describe, expect, it } from 'vitest';
import type { ChartFile } from '../../src/report/charts/chart.js';
import { CHART_IDS } from '../../src/report/charts/chart-registry.js';
import { niceAxis } from '../../src/report/charts/scale.js';
import { renderReport } from '../../src/report/write-report.js';
import { GOLDEN_REPORT_DIR, loadSweep } from './helpers.js';
import { allElements, parseXml, type XmlElement } from './xml-check.js';

const charts = renderReport(loadSweep(), GOLDEN_REPORT_DIR, 'leaderboard.md').charts;
const chart = (file: string): ChartFile => {
  const c = charts.find((x) => x.file === file);
  if (!c) throw new Error(`no chart ${file}; have ${charts.map((x) => x.file).join(', ')}`);
  return c;
};
const seriesNamed = (c: ChartFile, name: string) => c.series.find((s) => s.name === name);
const isPoint = (e: XmlElement) => e.attrs.class === 'point';

describe('SVG charts', () => {
  it('draws every chart kind for the fixture sweep', () => {
    expect(new Set(charts.map((c) => c.chart))).toEqual(new Set(CHART_IDS));
    expect(charts.map((c) => c.file)).toContain('accuracy-vs-miss-rate-mmlu-cache-8.svg');
    expect(charts.map((c) => c.file)).toContain('miss-rate-vs-lambda-mmlu.svg');
    expect(charts.map((c) => c.file)).toContain('per-layer-miss-rate-wikitext-cache-8.svg');
  });

  for (const c of charts) {
    it(`${c.file} is well-formed, self-contained SVG with its series`, () => {
      const root = parseXml(c.svg);
      const all = allElements(root);
      expect(root.name).toBe('svg');
      expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
      expect(Number(root.attrs.width)).toBeGreaterThan(0);
      expect(Number(root.attrs.height)).toBeGreaterThan(0);
      expect(root.attrs['font-family']).toBe('sans-serif');
      expect(all.some((e) => e.name === 'script' || e.name === 'foreignObject' || e.name === 'style')).toBe(false);
      expect(all.some((e) => Object.keys(e.attrs).some((a) => a.startsWith('on') || a === 'href' || a === 'xlink:href'))).toBe(false);
      expect(all.find((e) => e.name === 'title')?.text).toBe(c.title);
      expect(all.find((e) => e.attrs.class === 'x-label')?.text).toBeTruthy();
      expect(all.find((e) => e.attrs.class === 'y-label')?.text).toBeTruthy();
      const legend = all.filter((e) => e.attrs.class === 'legend-entry').map((e) => e.children.find((x) => x.name === 'text')?.text);
      // every drawn series is in the legend and in the SVG with one marker per point
      for (const s of c.series) {
        const group = all.find((e) => e.attrs['data-series'] === s.name);
        expect(group, s.name).toBeDefined();
        expect(legend).toContain(s.name);
        const markers = allElements(group!).filter(isPoint).length;
        expect(markers, s.name).toBe(s.kind === 'reference' ? 0 : s.points.length);
      }
    });
  }
});

describe('chart data', () => {
  it('accuracy vs miss rate: one point per run of the task × cache size, and the Pareto frontier', () => {
    const c = chart('accuracy-vs-miss-rate-mmlu-cache-8.svg');
    expect(seriesNamed(c, 'cache-prior')?.points.map((p) => p.label).sort()).toEqual(['λ=0.1', 'λ=0.25', 'λ=0.25, J=1', 'λ=0.5', 'λ=1']);
    expect(seriesNamed(c, 'topk')?.points).toHaveLength(1);
    expect(seriesNamed(c, 'topk (lfu)')?.points).toHaveLength(1);
    expect(seriesNamed(c, 'max-rank')?.points).toHaveLength(1);
    const frontier = seriesNamed(c, 'Pareto frontier (ringed)')!.points;
    expect(frontier.map((p) => p.run)).toEqual(['../sweep/mmlu-cache-prior-l1-c8', '../sweep/mmlu-cache-prior-l0.5-c8', '../sweep/mmlu-cache-prior-l0.25-c8']);
    expect(frontier.map((p) => p.x)).toEqual([...frontier.map((p) => p.x)].sort((a, b) => a - b));
    const svg = allElements(parseXml(c.svg));
    const frontierGroup = svg.find((e) => e.attrs['data-series'] === 'Pareto frontier (ringed)')!;
    expect(allElements(frontierGroup).filter((e) => e.attrs.class === 'ring')).toHaveLength(3);
    expect(seriesNamed(c, 'Belady (topk trace)')?.points[0].x).toBeCloseTo(0.331, 3);
  });

  it('miss rate vs λ: one line per cache size with its points in λ order, topk dashed once per cache size', () => {
    const c = chart('miss-rate-vs-lambda-mmlu.svg');
    expect(seriesNamed(c, 'cache 8')?.points.map((p) => p.x)).toEqual([0.1, 0.25, 0.5, 1]);
    expect(seriesNamed(c, 'cache 8, J=1')?.points.map((p) => p.x)).toEqual([0.25]);
    expect(seriesNamed(c, 'cache 12')?.points.map((p) => p.x)).toEqual([0.25, 0.5]);
    expect(seriesNamed(c, 'cache 6')?.points).toHaveLength(1);
    expect(c.series.filter((s) => s.kind === 'reference').map((s) => s.name)).toEqual(['topk, cache 8', 'topk, cache 12']);
    const misses = seriesNamed(c, 'cache 8')!.points.map((p) => p.y);
    expect(misses).toEqual([...misses].sort((a, b) => b - a)); // stronger prior, fewer misses
  });

  it('per-layer miss rates: one line per run over the MoE layers, Belady of the topk trace', () => {
    const c = chart('per-layer-miss-rate-mmlu-cache-8.svg');
    const lines = c.series.filter((s) => s.kind === 'line');
    expect(lines).toHaveLength(8);
    for (const s of lines) expect(s.points.map((p) => p.x)).toEqual([0, 1, 2, 3]);
    expect(seriesNamed(c, 'Belady (topk trace)')?.points).toHaveLength(4);
  });

  it('nice axes cover the data with round steps', () => {
    expect(niceAxis(0.083, 0.471, 5, { includeZero: true })).toMatchObject({ min: 0, max: 0.5, step: 0.1 });
    expect(niceAxis(62.54, 63.53).ticks[0]).toBeLessThanOrEqual(62.54);
    expect(niceAxis(0.5, 0.5).max).toBeGreaterThan(0.5);
  });
});

describe('xml-check', () => {
  it('rejects malformed markup', () => {
    for (const bad of ['<svg><g></svg>', '<svg a="1" a="2"/>', '<svg>AT&T</svg>', '<svg x=1/>', '<svg/><svg/>', '<svg>']) {
      expect(() => parseXml(bad), bad).toThrow();
    }
    expect(parseXml('<svg a="&lt;b&gt;"><t>x &amp; y</t></svg>').children[0].text).toBe('x & y');
  });
});
