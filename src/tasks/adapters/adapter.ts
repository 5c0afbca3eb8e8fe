// What a task adapter (one per lm-eval output type) gives the evaluation loop: the evaluation units
// of a task, each scoring one document through the engine. Metrics are aggregated by the task's
// metric list (scoring/aggregations.ts), not by the adapter.

import type { Engine } from '../../engine/engine.js';
import { usageError, type MoeEvalError } from '../../errors.js';
import type { SampleRouting } from '../../routing/types.js';
import type { LoadedTaskData } from '../task-data.js';
import type { TaskConfig } from '../task-config.js';
import type { TextTokenizer } from '../tokenizer.js';

export interface UnitOutcome {
  /** per-sample metric values keyed "metric" or "metric,filter" */
  values: Record<string, number>;
  /** --log-samples: prompt, target, output, extracted answers */
  log: Record<string, unknown>;
  /** tokens cut from the start of the context to fit the model's positions */
  truncatedTokens?: number;
}

export interface EvalUnit {
  index: number;
  docId: string;
  group: string | null;
  run(engine: Engine, routing: SampleRouting): Promise<UnitOutcome>;
}

export interface AdapterOptions {
  tokenizer: TextTokenizer;
  numFewshot: number;
  /** --limit: documents per group (per subject for MMLU, as lm-eval limits each subtask) */
  limit: number | null;
  /** longest sequence the model takes (lm-eval max_length) */
  maxLength: number;
  /** task-specific overrides (perplexity protocol and window) */
  settings: Record<string, unknown>;
  /** questionable input found while building the units (kept in the results, shown on stderr) */
  warn(code: string, message: string): void;
}

/** Few-shot examples the task asked for but the few-shot split cannot give: the flag's error, not the engine's. */
export function tooFewShots(task: TaskConfig, have: number, want: number, group: string | null): MoeEvalError {
  return usageError(
    'fewshot-too-few',
    `--num-fewshot ${want}: the ${task.dataset.fewshotSplit ?? 'few-shot'} split has only ${have} example${have === 1 ? '' : 's'}${group ? ` for ${group}` : ''}`,
    `pass --num-fewshot ${have} or less, or --data with a larger ${task.dataset.fewshotSplit ?? 'few-shot'} split`,
  );
}

export interface TaskAdapter {
  units(task: TaskConfig, data: LoadedTaskData, opts: AdapterOptions): EvalUnit[];
}

/** first `limit` items of each group, keeping order (lm-eval applies --limit per subtask) */
export function limitPerGroup<T>(items: T[], groupOf: (t: T) => string | null, limit: number | null): T[] {
  if (limit === null) return items;
  const seen = new Map<string | null, number>();
  return items.filter((t) => {
    const g = groupOf(t);
    const n = seen.get(g) ?? 0;
    seen.set(g, n + 1);
    return n < limit;
  });
}
