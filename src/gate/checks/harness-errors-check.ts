// Harness errors: documents that failed to evaluate are excluded from the paired comparison (a
// harness failure is never scored as a wrong answer, docs/design.md), so new ones must fail the gate
// here instead of silently shrinking the sample. Always on.

import type { CheckDefinition } from './check.js';

export const harnessErrorsCheck: CheckDefinition = {
  id: 'harness-errors',
  applies: () => true,
  evaluate(ctx) {
    const b = Object.keys(ctx.baseline.doc.sampleErrors).length;
    const r = Object.keys(ctx.run.doc.sampleErrors).length;
    const fail = r > b;
    return {
      id: 'harness-errors',
      label: 'harness errors',
      baseline: String(b),
      run: String(r),
      limit: '≤ baseline',
      verdict: fail ? 'fail' : 'pass',
      withinNoise: false,
      detail: `${r} sample error${r === 1 ? '' : 's'} in the run, ${b} in the baseline${fail ? `; first: ${Object.entries(ctx.run.doc.sampleErrors)[0].join(': ')}` : ''}`,
      values: { baseline: b, run: r },
    };
  },
};
