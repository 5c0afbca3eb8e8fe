// The run-directory loader: valid fixtures load, and every defect is an input error (exit 2) that
// names the file and the field or line.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summariseLive, summariseReplay } from '../../src/cache/stats.js';
import { MoeEvalError } from '../../src/errors.js';
import { REPLAY_POLICY_IDS as REPLAY_POLICIES } from '../../src/cache/cache-registry.js';
import { expandRunDirs, loadRun } from '../../src/run/results/read.js';
import { copyRun, SWEEP_DIR, sweepRun, sweepRunNames, tempDir } from './helpers.js';

function inputErrorOf(fn: () => unknown): MoeEvalError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MoeEvalError);
    expect((err as MoeEvalError).exitCode).toBe(2);
    return err as MoeEvalError;
  }
  throw new Error('expected an error');
}

const editJson = (file: string, edit: (doc: Record<string, any>) => void) => {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  edit(doc);
  writeFileSync(file, JSON.stringify(doc));
};

describe('loadRun', () => {
  it('loads every fixture run with its samples', () => {
    for (const name of sweepRunNames()) {
      const run = loadRun(sweepRun(name));
      expect(run.samples).toHaveLength(run.results.samples.evaluated);
      // the fixtures are internally consistent: per-sample routing sums to the run's counts
      const routing = run.results.routing;
      expect(run.samples.reduce((a, s) => a + s.routing.misses, 0)).toBe(routing.summary.misses);
      expect(run.samples.reduce((a, s) => a + s.routing.accesses, 0)).toBe(routing.summary.accesses);
      expect(routing.summary).toEqual(summariseLive(routing.counts, routing.config.bytesPerExpert));
      for (const policy of REPLAY_POLICIES) {
        const counts = routing.replays!.counts[policy];
        expect(counts.perLayer.reduce((a, l) => a + l.misses, 0)).toBe(counts.misses);
        expect(routing.replays!.summary[policy]).toEqual(summariseReplay(counts, routing.counts.tokens, routing.config.bytesPerExpert));
      }
      expect(routing.replays!.summary.belady.misses).toBeLessThanOrEqual(routing.replays!.summary.lru.misses);
    }
  });

  it('accepts the path of results.json and treats modeled as optional', () => {
    const run = loadRun(join(sweepRun('mmlu-cache-prior-l0.25-c6'), 'results.json'));
    expect(run.dir).toBe(sweepRun('mmlu-cache-prior-l0.25-c6'));
    expect(run.results.modeled).toBeUndefined();
  });

  it('names a missing run directory', () => {
    const e = inputErrorOf(() => loadRun('/nonexistent/run'));
    expect(e.message).toContain('/nonexistent/run');
  });

  it('names a missing or malformed results.json', () => {
    const dir = copyRun('mmlu-topk-c8');
    writeFileSync(join(dir, 'results.json'), '{"schema": "moe-eval.results/1", ');
    expect(inputErrorOf(() => loadRun(dir)).message).toMatch(/results\.json: not valid JSON/);
    rmSync(join(dir, 'results.json'));
    expect(inputErrorOf(() => loadRun(dir)).message).toMatch(/results\.json: missing/);
  });

  it('names the field of a results document that breaks the schema', () => {
    const dir = copyRun('mmlu-topk-c8');
    editJson(join(dir, 'results.json'), (d) => {
      d.routing.summary.missRate = 'high';
    });
    const e = inputErrorOf(() => loadRun(dir));
    expect(e.code).toBe('results-invalid');
    expect(e.message).toContain('results.json');
    expect(e.message).toContain('routing.summary.missRate');
  });

  it('names the line of a malformed or invalid sample', () => {
    const dir = copyRun('mmlu-topk-c8');
    const file = join(dir, 'samples.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, [lines[0], '{oops', ...lines.slice(1)].join('\n'));
    expect(inputErrorOf(() => loadRun(dir)).message).toMatch(/samples\.jsonl: line 2 is not JSON/);
    const bad = JSON.parse(lines[2]);
    bad.values.acc = 'yes';
    writeFileSync(file, [lines[0], lines[1], JSON.stringify(bad), ...lines.slice(3)].join('\n'));
    expect(inputErrorOf(() => loadRun(dir)).message).toMatch(/samples\.jsonl: line 3: values\.acc/);
  });

  it('rejects samples that disagree with results.json', () => {
    const dir = copyRun('mmlu-topk-c8');
    const file = join(dir, 'samples.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').split('\n').slice(5).join('\n'));
    expect(inputErrorOf(() => loadRun(dir)).code).toBe('samples-count-mismatch');
  });
});

describe('expandRunDirs', () => {
  it('finds the run directories below a root, sorted', () => {
    expect(expandRunDirs([SWEEP_DIR])).toEqual(sweepRunNames().map(sweepRun));
  });

  it('is an input error for a directory without runs', () => {
    expect(inputErrorOf(() => expandRunDirs([tempDir('empty')])).code).toBe('no-runs-found');
  });
});
