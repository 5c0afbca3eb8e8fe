// Writes a checkpoint whose matrices are stored pre-quantized (stored-blocks.ts): the routed experts
// at `experts`, every matrix --precision holds (held-matrices.ts) at `matrices`, each quantized once
// with exactly the arithmetic a run applies at load, so the two give identical logits. Every other
// tensor (embeddings, norms, routers) is copied byte for byte, and the original of a stored matrix is
// dropped (a tied LM head's embedding stays: tokens look it up). config.json gains the marker that
// says what is stored; the tokenizer and other small files come along. Tensors are streamed one at a time.

import { copyFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { usageError } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic-file.js';
import { parseModelSpec } from './architectures/registry.js';
import { Checkpoint } from './checkpoint.js';
import { BLOCK_BITS, blockBytes, BLOCK_SIZE, type BlockMatrix } from './block-quant.js';
import { heldMatrices, swigluMatrices, type HeldMatrix } from './held-matrices.js';
import { writeSafetensors, type BytesToWrite } from './safetensors-writer.js';
import { moeLayerIndices } from './spec.js';
import { blocksAt, QUANTIZATION_KEY, quantizationMarker, storedBlockNames, type CheckpointStorage, type StoredPrecision } from './stored-blocks.js';

export interface QuantizeResult {
  out: string;
  storage: CheckpointStorage;
  /** routed experts stored in blocks (0 when they are copied) */
  routedExperts: number;
  /** other matrices stored in blocks (0 when they are copied) */
  matrices: number;
  bytesBefore: number;
  bytesAfter: number;
}

const COPYABLE = new Set(['F32', 'BF16', 'F16', 'U8']);

type ToStore = HeldMatrix & { precision: StoredPrecision; expert: boolean };

export function quantizeCheckpoint(modelDir: string, outDir: string, storage: CheckpointStorage, onExpertLayer?: (done: number, total: number) => void): QuantizeResult {
  const ckpt = Checkpoint.open(modelDir);
  try {
    const spec = parseModelSpec(ckpt.config, join(modelDir, 'config.json'));
    if (spec.storage.experts !== 'weights' || spec.storage.matrices !== 'weights') throw usageError('already-quantized', `${modelDir} is already quantized (${JSON.stringify(ckpt.config[QUANTIZATION_KEY])})`, 'quantize the original checkpoint');
    const H = spec.hiddenSize;
    const I = spec.moe.intermediateSize;
    const layers = moeLayerIndices(spec);
    const stored = new Map<string, ToStore>();
    if (storage.experts !== 'weights') {
      for (const l of layers) {
        for (let e = 0; e < spec.moe.numExperts; e++) {
          const n = spec.layers[l].names.expert!(e);
          for (const m of swigluMatrices(n, I, H)) stored.set(m.name, { ...m, precision: storage.experts, expert: true });
        }
      }
    }
    const held = storage.matrices !== 'weights' ? heldMatrices(spec) : [];
    for (const m of held) stored.set(m.name, { ...m, precision: storage.matrices as StoredPrecision, expert: false });
    const tensors: BytesToWrite[] = [];
    for (const name of ckpt.tensorNames()) {
      // a tied LM head is the embedding, which tokens still look up as stored
      if (stored.has(name) && name !== spec.names.embed) continue;
      const info = ckpt.info(name);
      if (!COPYABLE.has(info.dtype)) throw usageError('quantize-dtype', `${modelDir}: tensor ${name} is ${info.dtype}, which quantize does not copy`, `supported: ${[...COPYABLE].join(', ')}`);
      tensors.push({ name, dtype: info.dtype as BytesToWrite['dtype'], shape: info.shape, bytes: () => ckpt.readBytes(name) });
    }
    // the writer asks for N.q4 and then N.q4_scales (sorted names): one quantization serves both
    let last: { name: string; q: BlockMatrix } | null = null;
    let expertMatrices = 0;
    const perLayer = 3 * spec.moe.numExperts;
    const quantized = (m: ToStore): BlockMatrix => {
      if (last?.name !== m.name) {
        // the quantization a run of the original does at load (blocksAt), so the logits are the same
        last = { name: m.name, q: blocksAt(ckpt, [[m.name, m.rows]], m.cols, m.precision, 'weights') };
        if (m.expert && ++expertMatrices % perLayer === 0) onExpertLayer?.(expertMatrices / perLayer, layers.length);
      }
      return last.q;
    };
    for (const m of stored.values()) {
      const names = storedBlockNames(m.name, m.precision);
      const blocks = Math.ceil(m.cols / BLOCK_SIZE);
      tensors.push({ name: names.packed, dtype: 'U8', shape: [m.rows, blocks, blockBytes(BLOCK_BITS[m.precision])], bytes: () => quantized(m).packed });
      tensors.push({ name: names.scales, dtype: 'F32', shape: [m.rows, blocks], bytes: () => { const s = quantized(m).scales; return new Uint8Array(s.buffer, s.byteOffset, s.byteLength); } });
    }
    writeSafetensors(join(outDir, 'model.safetensors'), tensors, { format: 'pt', quantized_by: 'moe-eval quantize' });
    writeJsonAtomic(join(outDir, 'config.json'), { ...ckpt.config, [QUANTIZATION_KEY]: quantizationMarker(storage) });
    for (const f of readdirSync(modelDir)) {
      const path = join(modelDir, f);
      if (f === 'config.json' || f.endsWith('.safetensors') || f === 'model.safetensors.index.json' || !statSync(path).isFile()) continue;
      copyFileSync(path, join(outDir, f));
    }
    const bytesBefore = ckpt.weightFiles().reduce((s, w) => s + w.sizeBytes, 0);
    return {
      out: outDir,
      storage,
      routedExperts: storage.experts !== 'weights' ? layers.length * spec.moe.numExperts : 0,
      matrices: held.length,
      bytesBefore,
      bytesAfter: statSync(join(outDir, 'model.safetensors')).size,
    };
  } finally {
    ckpt.close();
  }
}
