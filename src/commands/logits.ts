// `moe-eval logits`: one forward pass over given token ids, printing the logits of every position
// and every routing decision (the command-line contract in the README), with any routing strategy and cache.

import { Flags } from '@oclif/core';
import { MoeEvalCommand } from '../cli/base-command.js';
import { modelFlag, precisionFlags, precisionsFromFlags, threadsFlag } from '../cli/flags.js';
import { routingFlags, routingOptionsFromFlags } from '../cli/routing-flags.js';
import { usageError } from '../errors.js';
import { resolveModel } from '../engine/model-source.js';
import { RecordingRouting, type RoutingRecord } from '../engine/own-routing.js';
import type { RoutingRunReport } from '../routing/index.js';

export interface LogitsResult {
  logits: number[][];
  routing: RoutingRecord[];
  /** routing configuration and cache statistics of this pass */
  cache: RoutingRunReport;
}

export default class Logits extends MoeEvalCommand {
  static override description = 'Run one forward pass over token ids: the logits of every position and every routing decision (--json: all of them; text: each position\'s argmax and top logits, and the experts each layer selected with their weights)';
  static override examples = [
    '<%= config.bin %> logits --model ./tiny-olmoe --tokens 1,2,3 --json',
    '<%= config.bin %> logits --model ./tiny-olmoe --tokens 1,2,3 --strategy cache-prior --lambda 0.5 --top-j 1 --cache 4 --trace t.jsonl --json',
    '<%= config.bin %> logits --model ./tiny-olmoe --tokens 1,2,3 --precision q8 --json',
  ];
  static override flags = {
    model: modelFlag,
    tokens: Flags.string({ description: 'comma-separated token ids', required: true, helpValue: '1,2,3' }),
    threads: threadsFlag,
    ...precisionFlags,
    ...routingFlags,
  };

  async run(): Promise<LogitsResult> {
    const { flags } = await this.parse(Logits);
    const tokens = parseTokens(flags.tokens);
    const routingOptions = routingOptionsFromFlags(flags);
    const { MoeModel } = await import('../engine/model.js');
    const { inspectModel } = await import('../engine/inspect.js');
    const { createRouting } = await import('../routing/options.js');
    const dir = (await resolveModel(flags.model)).dir;
    const facts = inspectModel(dir);
    const { precision, densePrecision } = precisionsFromFlags(flags);
    const model = await MoeModel.load(dir, { threads: flags.threads, densePrecision, expertPrecision: precision });
    try {
      const V = model.spec.vocabSize;
      const outside = tokens.find((t) => t >= V);
      if (outside !== undefined) throw usageError('token-out-of-range', `--tokens: token id ${outside} is not below the model's vocab_size ${V}`, `token ids must be in [0, ${V})`);
      const controller = createRouting(routingOptions, { spec: model.spec, bytesPerExpert: facts.bytesPerExpert, configSha256: facts.configSha256 });
      controller.beginSample(0);
      const routing = new RecordingRouting(controller);
      const flat = await model.forward(tokens, model.newKvCache(tokens.length), routing, { phase: 'prefill', logitsFrom: 0 });
      const cache = controller.finish();
      const logits = tokens.map((_, t) => Array.from(flat.subarray(t * V, (t + 1) * V)));
      if (!this.jsonEnabled()) {
        for (let t = 0; t < tokens.length; t++) {
          const top = logits[t].map((v, id) => ({ id, v })).sort((a, b) => b.v - a.v || a.id - b.id).slice(0, 5);
          this.log(`position ${t} token ${tokens[t]}: argmax ${top[0].id}; top logits ${top.map((x) => `${x.id}:${x.v.toFixed(4)}`).join(' ')}`);
          for (const r of routing.records.filter((r) => r.token === t)) {
            this.log(`  layer ${r.layer}: experts ${r.selected.map((e, i) => `${e} (${r.weights[i].toFixed(4)})`).join(', ')}`);
          }
        }
        if (cache.config.cache) this.log(`miss rate ${cache.summary.missRate?.toFixed(4)} (${cache.summary.misses} misses; Belady on the original trace: ${cache.replays?.summary.belady.missRate?.toFixed(4)})`);
      }
      return { logits, routing: routing.records, cache };
    } finally {
      await model.release();
    }
  }
}

function parseTokens(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const ids = parts.map(Number);
  const bad = parts.findIndex((p, i) => p === '' || !Number.isInteger(ids[i]) || ids[i] < 0);
  if (bad >= 0) throw usageError('bad-tokens', `--tokens: item ${bad + 1} (${JSON.stringify(parts[bad])}) is not a non-negative integer`, 'pass comma-separated token ids, e.g. --tokens 1,2,3');
  return ids;
}
