// Task adapters by lm-eval output type.

import type { TaskConfig } from '../task-config.js';
import type { TaskAdapter } from './adapter.js';
import { generateUntil } from './generate-until.js';
import { loglikelihoodRolling } from './loglikelihood-rolling.js';
import { multipleChoice } from './multiple-choice.js';

const ADAPTERS = new Map<string, TaskAdapter>([multipleChoice, generateUntil, loglikelihoodRolling].map((a) => [a.outputType, a]));

export function adapterFor(outputType: TaskConfig['outputType']): TaskAdapter {
  const a = ADAPTERS.get(outputType);
  if (!a) throw new Error(`no adapter for output type ${outputType}; known: ${[...ADAPTERS.keys()].join(', ')}`);
  return a;
}
