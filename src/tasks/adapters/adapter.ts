// What a task adapter (one per lm-eval output type) gives the evaluation loop: the evaluation units
// of a task, each scoring one document through the engine. Metrics are aggregated by the task's
// metric list (scoring/aggregations.ts), not by the adapter.

import type { Engine } from '../../engine/engine.js';
import type { SampleRouting } from '../../routing/types.js';
import type { LoadedTaskData } from '../task-data.js';
import type { TaskConfig } from '../task-config.js';
import type { TextTokenizer } from '../tokenizer.js';

export interface UnitOutcome {
  /** per-sample metric values keyed "metric" or "metric,filter" */
  values: Record<string, number>;
  /** --log-samples: prompt, target, output, extracted answers */
  log: Record<string, unknown>;
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
