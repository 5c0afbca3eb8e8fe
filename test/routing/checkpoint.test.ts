// Resume: a run interrupted between samples and continued from its checkpoints ends with exactly
// the statistics, replays and Δavg of an uninterrupted run, for both cache-reset modes.

import { describe, expect, it } from 'vitest';
import { softmaxTopKRule } from '../../src/engine/router-rules.js';
import { RoutingController, type RoutingCheckpoint, type TraceSegment } from '../../src/routing/index.js';
import { seededRandom } from '../../src/scoring/statistics.js';

const E = 12;
const K = 3;
const LAYERS = [0, 2];
const rule = softmaxTopKRule({ numExperts: E, topK: K, renormalize: true });

function samples(seed: number, n: number): Float32Array[][] {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, () => Array.from({ length: 5 + Math.floor(rand() * 6) }, () => Float32Array.from({ length: E }, () => 4 * rand() - 2)));
}

function controller(cacheReset: string) {
  return new RoutingController({ rule, moeLayers: LAYERS, strategy: 'cache-prior', strategyParams: { lambda: 0.4, topJ: 1 }, cache: { capacity: 5 }, cacheReset, bytesPerExpert: 100 });
}

interface Saved {
  state: RoutingCheckpoint | null;
  segments: TraceSegment[][];
}

function runSamples(c: RoutingController, data: Float32Array[][], from: number, to: number, saved: Saved): void {
  const sel = new Int32Array(K);
  const w = new Float32Array(K);
  for (let s = from; s < to; s++) {
    c.beginSample(s);
    data[s].forEach((z, t) => LAYERS.forEach((layer) => c.route(layer, t, t < 3 ? 'prefill' : 'decode', z, sel, w)));
    c.endSample();
    const cp = JSON.parse(JSON.stringify(c.checkpoint()));
    saved.state = cp.state;
    if (cp.traceSegments) saved.segments.push(cp.traceSegments);
  }
}

describe.each(['per-sample', 'never'])('cache-reset %s', (mode) => {
  it('resuming from checkpoints reproduces the uninterrupted run exactly', () => {
    const data = samples(7, 9);
    const whole = controller(mode);
    runSamples(whole, data, 0, data.length, { state: null, segments: [] });
    const expected = whole.finish();

    const first = controller(mode);
    const saved: Saved = { state: null, segments: [] };
    runSamples(first, data, 0, 4, saved); // then the process dies: `first` is never finished
    const resumed = controller(mode);
    resumed.restoreCheckpoint(saved.state!, saved.segments);
    runSamples(resumed, data, 4, data.length, saved);
    expect(resumed.finish()).toEqual(expected);
  });
});
