// `moe-eval gsm8k`: the gsm8k task (tasks/gsm8k.yaml) with the run's routing strategy and expert cache.

import { TaskCommand, taskFlags } from '../cli/task-command.js';
import type { ResultsDocument } from '../run/results/schema.js';

export default class Gsm8k extends TaskCommand {
  static override description = 'GSM8K exact match (5-shot greedy generation, strict and flexible extraction, lm-eval semantics) next to per-token latency and expert-cache misses';
  static override examples = ['<%= config.bin %> gsm8k --cache 8', '<%= config.bin %> gsm8k --model ./OLMoE-1B-7B-0924 --data ./gsm8k/test.jsonl --cache 32 --strategy cache-prior --lambda 0.25 --limit 20'];
  static override flags = taskFlags;

  async run(): Promise<ResultsDocument> {
    const { flags } = await this.parse(Gsm8k);
    return this.runTask('gsm8k', flags);
  }
}
