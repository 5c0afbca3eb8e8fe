// Registry of gate checks, in verdict-table order. A check runs when it applies (its limit is not
// "off" and it fits the judged metric); which ones apply is stated in the table itself.

import type { GateContext } from '../gate-context.js';
import type { CheckDefinition, CheckResult } from './check.js';
import { harnessErrorsCheck } from './harness-errors-check.js';
import { latencyRegressionCheck } from './latency-check.js';
import { accuracyDropCheck, perplexityRiseCheck } from './quality-checks.js';
import { missRateCheck, missRateRiseCheck, missReductionCheck } from './routing-checks.js';

export const CHECKS: readonly CheckDefinition[] = [
  accuracyDropCheck,
  perplexityRiseCheck,
  missRateCheck,
  missReductionCheck,
  missRateRiseCheck,
  latencyRegressionCheck,
  harnessErrorsCheck,
];

export const evaluateChecks = (ctx: GateContext): CheckResult[] => CHECKS.filter((c) => c.applies(ctx)).map((c) => c.evaluate(ctx));
