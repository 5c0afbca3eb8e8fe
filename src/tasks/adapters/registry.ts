// Task adapters by lm-eval output type: the one list of output types a task file may name.

import type { TaskAdapter } from './adapter.js';
import { generateUntil } from './generate-until.js';
import { loglikelihoodRolling } from './loglikelihood-rolling.js';
import { multipleChoice } from './multiple-choice.js';

export const OUTPUT_TYPES = ['multiple_choice', 'generate_until', 'loglikelihood_rolling'] as const;
export type OutputType = (typeof OUTPUT_TYPES)[number];

const ADAPTERS: Record<OutputType, TaskAdapter> = {
  multiple_choice: multipleChoice,
  generate_until: generateUntil,
  loglikelihood_rolling: loglikelihoodRolling,
};

export const adapterFor = (outputType: OutputType): TaskAdapter => ADAPTERS[outputType];
