// Routing flags on `logits`, end to end: λ = 0 reproduces topk, the trace file has the contract's
// fields, cache statistics are reported, and bad routing flags exit 2 naming the flag and range.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goldenDir, loadGolden } from '../helpers/fixtures.js';
import { runCli } from './cli.js';

const FIXTURE = 'qwen3_moe-e16k4-bf16';
const tokens = loadGolden(FIXTURE).token_ids.join(',');
const base = ['logits', '--model', goldenDir(FIXTURE), '--tokens', tokens, '--json'];

describe('logits with routing flags', () => {
  it('cache-prior with lambda 0 gives exactly the topk logits and routing', () => {
    const top = runCli([...base, '--cache', '8']);
    const prior = runCli([...base, '--cache', '8', '--strategy', 'cache-prior', '--lambda', '0']);
    expect(top.status, top.stderr).toBe(0);
    expect(prior.status, prior.stderr).toBe(0);
    const a = JSON.parse(top.stdout);
    const b = JSON.parse(prior.stdout);
    expect(b.logits).toEqual(a.logits);
    expect(b.routing).toEqual(a.routing);
    expect(b.cache.summary.misses).toBe(a.cache.summary.misses);
  });

  it('writes one contract trace line per routing event and reports cache statistics', () => {
    const trace = join(mkdtempSync(join(tmpdir(), 'moe-eval-trace-')), 't.jsonl');
    const r = runCli([...base, '--cache', '6', '--strategy', 'cache-prior', '--lambda', '0.5', '--top-j', '1', '--trace', trace]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const lines = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(out.routing.length);
    for (const [i, l] of lines.entries()) {
      expect(Object.keys(l)).toEqual(['sample', 'token', 'layer', 'original', 'selected', 'weights', 'hits', 'resident_before']);
      expect(l.selected).toEqual(out.routing[i].selected);
      expect(l.selected).toContain(l.original[0]); // the original top-1 is always kept (J = 1)
      expect([...l.resident_before].sort((x: number, y: number) => x - y)).toEqual(l.resident_before);
    }
    // miss rate = misses / (tokens × MoE layers × k); hits in the trace add up to the report
    const misses = lines.reduce((s, l) => s + l.hits.filter((h: boolean) => !h).length, 0);
    expect(out.cache.summary.misses).toBe(misses);
    expect(out.cache.summary.missRate).toBeCloseTo(misses / (lines.length * 4), 12);
    expect(out.cache.replays.summary.belady.misses).toBeLessThanOrEqual(out.cache.replays.summary.lru.misses);
  });

  it.each([
    [['--cache', '3'], ['--cache', '[4, 16]']],
    [['--cache', '17'], ['--cache', '[4, 16]']],
    [['--strategy', 'cache-prior', '--lambda', '0.5'], ['--cache']],
    [['--strategy', 'cache-prior', '--cache', '8', '--lambda', '1.5'], ['--lambda', '[0, 1]']],
    [['--strategy', 'max-rank', '--cache', '8', '--max-rank', '2'], ['--max-rank']],
    [['--strategy', 'cumulative-threshold', '--cache', '8', '--threshold', '0'], ['--threshold']],
    [['--cache', '8', '--top-j', '5'], ['--top-j']],
    [['--strategy', 'nope'], ['--strategy', 'cache-prior']],
  ])('%j exits 2 naming the flag', (extra, mentions) => {
    const r = runCli(['logits', '--model', goldenDir(FIXTURE), '--tokens', '1,2', ...extra]);
    expect(r.status, r.stderr).toBe(2);
    for (const m of mentions) expect(r.stderr).toContain(m);
  });
});
