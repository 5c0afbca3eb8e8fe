// `moe-eval quantize`: store a checkpoint's routed experts in 4-bit blocks once, so that loading it
// (and every offloaded miss) skips the quantization --quant q4 repeats at each start.

import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { MoeEvalCommand } from '../cli/base-command.js';
import { modelFlag } from '../cli/flags.js';
import { usageError } from '../errors.js';
import type { QuantizeResult } from '../engine/quantize-checkpoint.js';
import { resolveModel } from '../engine/model-source.js';
import { ensureWritableDir } from '../util/writable-dir.js';

export default class Quantize extends MoeEvalCommand {
  static override description = 'Write a copy of a checkpoint with its routed experts stored in 4-bit blocks (the layout --quant q4 runs), accepted everywhere --model is';
  static override examples = ['<%= config.bin %> quantize --model ./OLMoE-1B-7B-0924 --out ./OLMoE-1B-7B-0924-q4', '<%= config.bin %> mmlu --model ./OLMoE-1B-7B-0924-q4 --cache 32 --offload --memory-limit 6GiB'];
  static override flags = {
    model: modelFlag,
    out: Flags.string({ description: 'folder of the quantized checkpoint (a new folder)', required: true, helpValue: 'DIR' }),
    precision: Flags.string({ description: 'what the routed experts become: 4-bit blocks of 32 weights with one float scale each', options: ['q4'], default: 'q4' }),
    force: Flags.boolean({ description: 'write into a folder that already holds a checkpoint', default: false }),
  };

  async run(): Promise<QuantizeResult & { seconds: number }> {
    const { flags } = await this.parse(Quantize);
    const source = await resolveModel(flags.model);
    if (resolve(flags.out) === resolve(source.dir)) throw usageError('quantize-out-is-model', `--out ${flags.out} is the checkpoint being quantized`, 'pass a new folder to --out');
    const holds = existsSync(flags.out) && readdirSync(flags.out).some((f) => f === 'config.json' || f.endsWith('.safetensors'));
    if (holds && !flags.force) throw usageError('quantize-out-holds-checkpoint', `--out ${flags.out} already holds a checkpoint`, 'pass a new folder, or --force to replace it');
    const out = ensureWritableDir(flags.out, '--out');
    const { quantizeCheckpoint } = await import('../engine/quantize-checkpoint.js');
    const t0 = performance.now();
    const result = quantizeCheckpoint(source.dir, out, (done, total) => !this.jsonEnabled() && this.note(`quantized the experts of ${done} of ${total} MoE layers`));
    const seconds = (performance.now() - t0) / 1000;
    if (!this.jsonEnabled()) {
      const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
      this.log(`${result.routedExperts} routed experts in 4-bit blocks: ${gb(result.bytesBefore)} -> ${gb(result.bytesAfter)} in ${result.out} (${seconds.toFixed(1)} s)`);
    }
    return { ...result, seconds };
  }
}
