// `moe-eval quantize`: store a checkpoint's matrices in blocks once, so that loading it (and every
// offloaded miss) skips the quantization --precision / --quant repeat at each start.

import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { MoeEvalCommand } from '../cli/base-command.js';
import { modelFlag } from '../cli/flags.js';
import { usageError } from '../errors.js';
import type { QuantizeResult } from '../engine/quantize-checkpoint.js';
import { resolveModel } from '../engine/model-source.js';
import type { Storage } from '../engine/stored-blocks.js';
import { ensureWritableDir } from '../util/writable-dir.js';

const STORED_AS: Record<string, Storage> = { f32: 'weights', q8: 'q8', q4: 'q4' };

export default class Quantize extends MoeEvalCommand {
  static override description = 'Write a copy of a checkpoint with its weight matrices stored in 8- or 4-bit blocks (the layouts --precision / --quant run), accepted everywhere --model is';
  static override examples = [
    '<%= config.bin %> quantize --model ./OLMoE-1B-7B-0924 --out ./OLMoE-1B-7B-0924-q4',
    '<%= config.bin %> quantize --model ./OLMoE-1B-7B-0924 --precision f32 --quant q4 --out ./OLMoE-1B-7B-0924-experts-q4',
    '<%= config.bin %> mmlu --model ./OLMoE-1B-7B-0924-q4 --cache 32 --offload --memory-limit 6GiB',
  ];
  static override flags = {
    model: modelFlag,
    out: Flags.string({ description: 'folder of the quantized checkpoint (a new folder)', required: true, helpValue: 'DIR' }),
    precision: Flags.string({ description: 'what every weight matrix but the routers and embeddings becomes (attention projections, LM head, shared and dense MLPs, and the routed experts unless --quant says otherwise): blocks of 128 weights with one float scale each (q8, q4), or copied as stored (f32)', options: Object.keys(STORED_AS), default: 'q4' }),
    quant: Flags.string({ description: 'what the routed experts become; default: --precision', options: Object.keys(STORED_AS) }),
    force: Flags.boolean({ description: 'write into a folder that already holds a checkpoint', default: false }),
  };

  async run(): Promise<QuantizeResult & { seconds: number }> {
    const { flags } = await this.parse(Quantize);
    const storage = { matrices: STORED_AS[flags.precision], experts: STORED_AS[flags.quant ?? flags.precision] };
    if (storage.experts === 'weights' && storage.matrices === 'weights') throw usageError('quantize-nothing', `--precision f32${flags.quant ? ' --quant f32' : ''}: nothing would be quantized`, 'pass --precision q4 or q8, or --quant q4 or q8');
    const source = await resolveModel(flags.model);
    if (resolve(flags.out) === resolve(source.dir)) throw usageError('quantize-out-is-model', `--out ${flags.out} is the checkpoint being quantized`, 'pass a new folder to --out');
    const holds = existsSync(flags.out) && readdirSync(flags.out).some((f) => f === 'config.json' || f.endsWith('.safetensors'));
    if (holds && !flags.force) throw usageError('quantize-out-holds-checkpoint', `--out ${flags.out} already holds a checkpoint`, 'pass a new folder, or --force to replace it');
    const out = ensureWritableDir(flags.out, '--out');
    const { quantizeCheckpoint } = await import('../engine/quantize-checkpoint.js');
    const t0 = performance.now();
    const result = quantizeCheckpoint(source.dir, out, storage, (done, total) => !this.jsonEnabled() && this.note(`quantized the experts of ${done} of ${total} MoE layers`));
    const seconds = (performance.now() - t0) / 1000;
    if (!this.jsonEnabled()) {
      const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
      const what = [
        ...(result.routedExperts ? [`${result.routedExperts} routed experts in ${storage.experts}`] : []),
        ...(result.matrices ? [`${result.matrices} other matrices in ${storage.matrices}`] : []),
      ];
      this.log(`${what.join(', ')}: ${gb(result.bytesBefore)} -> ${gb(result.bytesAfter)} in ${result.out} (${seconds.toFixed(1)} s)`);
    }
    return { ...result, seconds };
  }
}
