// --precision q8 / q4: every matrix but the routers block-quantised. Measured on every golden
// fixture against the independent PyTorch reference's logits, with the reference's routing replayed
// (tools/accuracy/precision.ts), so the error is the matrices' own.
// Stated tolerances (random tiny weights are the worst case for blocks, and the fixtures' 64-wide
// rows are one zero-padded block of 128 each; observed in parentheses): float32 within the goldens'
// logits_atol (≤ 4e-6); q8 max |Δlogit| under 5 % of the largest |logit| (0.7–2.4 %) and the argmax
// of ≥ 85 % of positions kept (92–100 %); q4 under 35 % (8.7–29 %) and always above q8's error.

import { describe, expect, it } from 'vitest';
import { goldenFixtures, precisionError } from '../../tools/accuracy/precision.js';
import { loadGolden } from '../helpers/fixtures.js';

describe.each(goldenFixtures())('%s', (fixture) => {
  it('float32 stays on the reference; q8 and q4 move it by their stated bounds, q4 more than q8', async () => {
    const f32 = await precisionError(fixture, 'f32');
    const q8 = await precisionError(fixture, 'q8');
    const q4 = await precisionError(fixture, 'q4');
    expect(f32.maxAbsDiff).toBeLessThanOrEqual(loadGolden(fixture).tolerance_hint.logits_atol);
    expect(f32.top1Agreement).toBe(1);
    expect(q8.maxAbsDiff).toBeGreaterThan(1e-3); // the matrices really ran in 8 bits
    expect(q8.maxAbsDiff / q8.maxAbsLogit).toBeLessThan(0.05);
    expect(q8.top1Agreement).toBeGreaterThanOrEqual(0.85);
    expect(q4.maxAbsDiff).toBeGreaterThan(q8.maxAbsDiff);
    expect(q4.maxAbsDiff / q4.maxAbsLogit).toBeLessThan(0.35);
  });
});
