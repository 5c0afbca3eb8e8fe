// `moe-eval perplexity`: token / word perplexity and bits per byte of raw text (tasks/perplexity.yaml)
// with the run's routing strategy and expert cache.

import { Flags } from '@oclif/core';
import { TaskCommand, taskFlags } from '../cli/task-command.js';
import type { ResultsDocument } from '../run/results/schema.js';

export default class Perplexity extends TaskCommand {
  static override description = 'Perplexity of raw text (WikiText-2 raw or the embedded text): the paper\'s non-overlapping windows, or lm-eval\'s rolling windows';
  static override examples = ['<%= config.bin %> perplexity --cache 8', '<%= config.bin %> perplexity --model ./OLMoE-1B-7B-0924 --data ./wikitext-2-raw/wiki.test.raw --window 1024 --cache 32'];
  static override flags = {
    ...taskFlags,
    protocol: Flags.string({ description: 'windows: non-overlapping windows scored on their own (the paper); rolling: lm-eval\'s rolling windows per document', options: ['windows', 'rolling'] }),
    window: Flags.integer({ description: 'tokens per window (default 1024); at most the model\'s positions', min: 2 }),
    'allow-long-window': Flags.boolean({ description: 'score windows longer than the model\'s positions (max_position_embeddings), with a warning', default: false }),
  };

  async run(): Promise<ResultsDocument> {
    const { flags } = await this.parse(Perplexity);
    const settings: Record<string, unknown> = {};
    if (flags.protocol) settings.protocol = flags.protocol;
    if (flags.window) settings.window = flags.window;
    if (flags['allow-long-window']) settings.allowLongWindow = true;
    return this.runTask('perplexity', flags, settings);
  }
}
