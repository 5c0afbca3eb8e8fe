// Writes a checkpoint whose routed experts are stored as 4-bit blocks (stored-q4.ts), quantized once
// with exactly the arithmetic --quant q4 applies at load, so the two give identical logits. Every
// other tensor is copied byte for byte; config.json gains the marker that says how the experts are
// stored; the tokenizer and other small files come along. Tensors are streamed one at a time.

import { copyFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { usageError } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic-file.js';
import { parseModelSpec } from './architectures/registry.js';
import { Checkpoint } from './checkpoint.js';
import { quantizeQ4, type Q4Matrix } from './block-quant.js';
import { writeSafetensors, type BytesToWrite } from './safetensors-writer.js';
import { moeLayerIndices } from './spec.js';
import { QUANTIZATION_KEY, STORED_Q4, storedQ4Names } from './stored-q4.js';

export interface QuantizeResult {
  out: string;
  routedExperts: number;
  bytesBefore: number;
  bytesAfter: number;
}

const COPYABLE = new Set(['F32', 'BF16', 'F16', 'U8']);

export function quantizeCheckpoint(modelDir: string, outDir: string, onExpertLayer?: (done: number, total: number) => void): QuantizeResult {
  const ckpt = Checkpoint.open(modelDir);
  try {
    const spec = parseModelSpec(ckpt.config, join(modelDir, 'config.json'));
    if (spec.expertStorage === 'q4') throw usageError('already-quantized', `${modelDir} already stores its routed experts in 4-bit blocks`, 'quantize the original checkpoint');
    const H = spec.hiddenSize;
    const I = spec.moe.intermediateSize;
    const layers = moeLayerIndices(spec);
    const expertWeights = new Map<string, [number, number]>(); // HF name -> [rows, cols]
    for (const l of layers) {
      for (let e = 0; e < spec.moe.numExperts; e++) {
        const n = spec.layers[l].names.expert!(e);
        expertWeights.set(n.gate, [I, H]).set(n.up, [I, H]).set(n.down, [H, I]);
      }
    }
    const tensors: BytesToWrite[] = [];
    for (const name of ckpt.tensorNames()) {
      if (expertWeights.has(name)) continue;
      const info = ckpt.info(name);
      if (!COPYABLE.has(info.dtype)) throw usageError('quantize-dtype', `${modelDir}: tensor ${name} is ${info.dtype}, which quantize does not copy`, `supported: ${[...COPYABLE].join(', ')}`);
      tensors.push({ name, dtype: info.dtype as BytesToWrite['dtype'], shape: info.shape, bytes: () => ckpt.readBytes(name) });
    }
    // the writer asks for N.q4 and then N.q4_scales (sorted names): one quantization serves both
    let last: { name: string; q: Q4Matrix } | null = null;
    let done = 0;
    const quantized = (name: string, rows: number, cols: number): Q4Matrix => {
      if (last?.name !== name) {
        last = { name, q: quantizeQ4(ckpt.readF32(name, [rows, cols]), rows, cols) };
        if (++done % (3 * spec.moe.numExperts) === 0) onExpertLayer?.(done / (3 * spec.moe.numExperts), layers.length);
      }
      return last.q;
    };
    for (const [name, [rows, cols]] of expertWeights) {
      const blocks = Math.ceil(cols / 32);
      const stored = storedQ4Names(name);
      tensors.push({ name: stored.packed, dtype: 'U8', shape: [rows, blocks, 16], bytes: () => quantized(name, rows, cols).packed });
      tensors.push({ name: stored.scales, dtype: 'F32', shape: [rows, blocks], bytes: () => { const s = quantized(name, rows, cols).scales; return new Uint8Array(s.buffer, s.byteOffset, s.byteLength); } });
    }
    writeSafetensors(join(outDir, 'model.safetensors'), tensors, { format: 'pt', quantized_by: 'moe-eval quantize' });
    writeJsonAtomic(join(outDir, 'config.json'), { ...ckpt.config, [QUANTIZATION_KEY]: STORED_Q4 });
    for (const f of readdirSync(modelDir)) {
      const path = join(modelDir, f);
      if (f === 'config.json' || f.endsWith('.safetensors') || f === 'model.safetensors.index.json' || !statSync(path).isFile()) continue;
      copyFileSync(path, join(outDir, f));
    }
    const bytesBefore = ckpt.weightFiles().reduce((s, w) => s + w.sizeBytes, 0);
    return { out: outDir, routedExperts: layers.length * spec.moe.numExperts, bytesBefore, bytesAfter: statSync(join(outDir, 'model.safetensors')).size };
  } finally {
    ckpt.close();
  }
}
