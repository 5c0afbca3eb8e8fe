// The leaderboard from the fixture sweep: golden markdown and CSV, baselines and LRU references,
// Pareto marks, sorting and determinism. Regenerate the golden files with UPDATE_GOLDEN=1.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MoeEvalError } from '../../src/errors.js';
import { parseSort } from '../../src/report/leaderboard/sort-keys.js';
import { renderReport } from '../../src/report/write-report.js';
import { GOLDEN_REPORT_DIR, loadSweep } from './helpers.js';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const render = (opts = {}) => renderReport(loadSweep(), GOLDEN_REPORT_DIR, 'leaderboard.md', opts);
const byRun = (name: string) => {
  const row = render().leaderboard.rows.find((r) => r.run === `../sweep/${name}`);
  if (!row) throw new Error(`no row for ${name}`);
  return row;
};

describe('leaderboard golden files', () => {
  const rendered = render();
  for (const name of ['leaderboard.md', 'leaderboard.csv']) {
    it(`${name} equals the golden file`, () => {
      const file = rendered.files.find((f) => f.path === name);
      expect(file).toBeDefined();
      const golden = join(GOLDEN_REPORT_DIR, name);
      if (UPDATE || !existsSync(golden)) {
        mkdirSync(GOLDEN_REPORT_DIR, { recursive: true });
        writeFileSync(golden, file!.content);
      }
      expect(file!.content).toBe(readFileSync(golden, 'utf8'));
    });
  }

  it('does not depend on the order the runs are given in', () => {
    const shuffled = [...loadSweep()].reverse();
    const again = renderReport(shuffled, GOLDEN_REPORT_DIR, 'leaderboard.md');
    expect(again.files).toEqual(rendered.files);
  });

  it('links every chart it writes, and writes CSV and JSON beside the markdown', () => {
    const md = rendered.files[0].content;
    expect(rendered.files.map((f) => f.path).slice(0, 3)).toEqual(['leaderboard.md', 'leaderboard.csv', 'leaderboard.json']);
    for (const chart of rendered.charts) expect(md).toContain(`](leaderboard-charts/${chart.file})`);
    expect(rendered.files.filter((f) => f.path.endsWith('.svg'))).toHaveLength(rendered.charts.length);
  });
});

describe('leaderboard rows', () => {
  it('compares each run with the topk LRU run of the same task and cache size', () => {
    const row = byRun('mmlu-cache-prior-l1-c8');
    expect(row.baselineRun).toBe('../sweep/mmlu-topk-c8');
    expect(row.deltaVsTopk?.value).toBeCloseTo(-0.2, 12);
    // 8 lost answers of 40: d = −1 on 8 docs; se = sd(d)/√40
    const sd = Math.sqrt((8 - 40 * 0.2 ** 2) / 39);
    expect(row.deltaVsTopk?.se).toBeCloseTo(sd / Math.sqrt(40), 12);
    expect(row.lruReference).toEqual({ missRate: byRun('mmlu-topk-c8').missRate, source: 'topk-live', run: '../sweep/mmlu-topk-c8' });
    expect(row.deltaVsLru).toBeCloseTo(row.missRate! / byRun('mmlu-topk-c8').missRate! - 1, 12);
  });

  it('keeps a run held at another precision apart: no f32 baseline, the precision in its model label', () => {
    const runs = loadSweep();
    const src = runs.find((r) => r.dir.endsWith('mmlu-cache-prior-l1-c8'))!;
    const q4 = { ...src, dir: `${src.dir}-q4`, results: { ...src.results, config: { ...src.results.config, precision: 'q4' as const, densePrecision: 'q4' as const } } };
    const mixed = { ...src, dir: `${src.dir}-mixed`, results: { ...src.results, config: { ...src.results.config, precision: 'q4' as const, densePrecision: 'q8' as const } } };
    const rows = renderReport([...runs, q4, mixed], GOLDEN_REPORT_DIR, 'leaderboard.md', {}).leaderboard.rows;
    const at = (suffix: string) => rows.find((r) => r.run === `../sweep/mmlu-cache-prior-l1-c8${suffix}`)!;
    expect(at('').baselineRun).toBe('../sweep/mmlu-topk-c8');
    expect(at('-q4').baselineRun).toBeNull();
    expect(at('-q4').deltaVsTopk).toBeNull();
    expect(at('-q4').model).toBe(`${at('').model} (q4)`);
    expect(at('-mixed').model).toBe(`${at('').model} (q8, experts q4)`);
  });

  it('prefers the LRU topk run as baseline, and compares a topk LFU run with it', () => {
    expect(byRun('mmlu-topk-c8').isBaseline).toBe(true);
    const lfu = byRun('mmlu-topk-lfu-c8');
    expect(lfu.isBaseline).toBe(false);
    expect(lfu.deltaVsTopk?.value).toBe(0);
    expect(lfu.deltaVsLru).toBeGreaterThan(0);
  });

  it("falls back to the run's own LRU replay without a topk run of that cache size", () => {
    const row = byRun('mmlu-cache-prior-l0.25-c6');
    expect(row.baselineRun).toBeNull();
    expect(row.deltaVsTopk).toBeNull();
    expect(row.lruReference?.source).toBe('own-replay');
    expect(row.modeled).toBeNull();
    expect(render().files[0].content).toMatch(/\| -43\.3%† \|/);
  });

  it('reports perplexity changes relative, with the paired se of the log ratio', () => {
    const row = byRun('wikitext-cache-prior-l0.25-c8');
    expect(row.metric.name).toBe('word_perplexity');
    expect(row.deltaVsTopk?.scale).toBe('relative');
    expect(row.deltaVsTopk?.value).toBeCloseTo(row.metric.value / byRun('wikitext-topk-c8').metric.value - 1, 12);
  });

  it('marks the Pareto-optimal runs per task × cache size', () => {
    const pareto = render()
      .leaderboard.rows.filter((r) => r.pareto)
      .map((r) => r.run.replace('../sweep/', ''))
      .sort();
    expect(pareto).toEqual(
      [
        'gsm8k-cache-prior-l0.25-c8',
        'gsm8k-topk-c8',
        'mmlu-cache-prior-l0.25-c12',
        'mmlu-cache-prior-l0.25-c6',
        'mmlu-cache-prior-l0.25-c8',
        'mmlu-cache-prior-l0.5-c12',
        'mmlu-cache-prior-l0.5-c8',
        'mmlu-cache-prior-l1-c8',
        'mmlu-topk-c12',
        'wikitext-cache-prior-l0.25-c8',
        'wikitext-topk-c8',
      ].sort(),
    );
  });

  it('sorts by the stated keys, missing values last, and numbers the rows', () => {
    const rows = render({ sort: 'miss-rate' }).leaderboard.rows;
    const rates = rows.map((r) => r.missRate as number);
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
    expect(rows.map((r) => r.rank)).toEqual(rows.map((_, i) => i + 1));
    const byDefault = render().leaderboard.rows;
    expect(byDefault[0].task).toBe('gsm8k 5-shot');
    expect(byDefault.filter((r) => r.task === 'mmlu').map((r) => r.cache?.capacity)).toEqual([6, 8, 8, 8, 8, 8, 8, 8, 8, 12, 12, 12]);
  });

  it('rejects unknown sort keys, chart ids and formats as usage errors listing the valid ones', () => {
    for (const opts of [{ sort: 'nope' }, { sort: 'task:up' }, { charts: 'pie' }, { formats: 'html' }]) {
      let err: unknown;
      try {
        render(opts);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(MoeEvalError);
      expect((err as MoeEvalError).kind).toBe('usage');
    }
    expect(parseSort('task,accuracy')).toEqual([
      { key: 'task', direction: 'asc' },
      { key: 'accuracy', direction: 'desc' },
    ]);
  });

  it('writes the same rows as JSON, with raw numbers and chart series', () => {
    const json = JSON.parse(render().files.find((f) => f.path === 'leaderboard.json')!.content);
    expect(json.schema).toBe('moe-eval.leaderboard/1');
    expect(json.rows).toHaveLength(16);
    expect(json.rows[0].metric.value).toBe(render().leaderboard.rows[0].metric.value);
    expect(json.charts.every((c: { file: string }) => c.file.startsWith('leaderboard-charts/'))).toBe(true);
  });
});
