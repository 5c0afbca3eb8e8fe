// `moe-eval mmlu`: the mmlu task (tasks/mmlu.yaml) with the run's routing strategy and expert cache.

import { TaskCommand, taskFlags } from '../cli/task-command.js';
import type { ResultsDocument } from '../run/results/schema.js';

export default class Mmlu extends TaskCommand {
  static override description = 'MMLU accuracy (log-likelihood of A/B/C/D, lm-eval semantics) next to per-token latency and expert-cache misses';
  static override examples = ['<%= config.bin %> mmlu --cache 8', '<%= config.bin %> mmlu --model ./OLMoE-1B-7B-0924 --data ./mmlu-hendrycks --cache 32 --strategy cache-prior --lambda 0.25 --limit 20'];
  static override flags = taskFlags;

  async run(): Promise<ResultsDocument> {
    const { flags } = await this.parse(Mmlu);
    return this.runTask('mmlu', flags);
  }
}
