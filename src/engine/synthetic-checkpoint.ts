// Random checkpoints in exact Hugging Face layout (config.json + sharded safetensors + index), for
// `npm run bench` (real-model shapes, few layers) and for tests that need a model of a given
// vocabulary. Weights ~ N(0, 0.02²) from a seeded generator, norms 1, as make_shaped.py does.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModelSpec } from './architectures/registry.js';
import { attentionModule } from './attention/registry.js';
import { writeSafetensors, type TensorToWrite } from './safetensors-writer.js';

/** Sizes and the exact config.json of a checkpoint to create. */
export interface SyntheticConfig {
  config: Record<string, unknown>;
  dtype: 'F32' | 'BF16';
  seed: number;
  /** split the tensors into shards of about this many bytes (default: one file) */
  shardBytes?: number;
}

/** xorshift-based normal generator (Box-Muller), seeded per tensor so output does not depend on order. */
function normals(n: number, seed: number, std: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next()));
    const t = 2 * Math.PI * next();
    out[i] = r * Math.cos(t) * std;
    if (i + 1 < n) out[i + 1] = r * Math.sin(t) * std;
  }
  return out;
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Every tensor name and shape the engine reads for this config. */
export function expectedTensors(config: Record<string, unknown>): [string, number[]][] {
  const spec = parseModelSpec(config, 'synthetic config');
  const H = spec.hiddenSize;
  const attention = attentionModule(spec.attention.kind);
  const out: [string, number[]][] = [[spec.names.embed, [spec.vocabSize, H]], [spec.names.finalNorm, [H]]];
  if (spec.names.finalNormBias) out.push([spec.names.finalNormBias, [H]]);
  if (!spec.tieWordEmbeddings) out.push([spec.names.lmHead, [spec.vocabSize, H]]);
  if (spec.names.lmHeadBias) out.push([spec.names.lmHeadBias, [spec.vocabSize]]);
  const mlp = (n: { gate: string; up: string; down: string }, I: number) => out.push([n.gate, [I, H]], [n.up, [I, H]], [n.down, [H, I]]);
  spec.layers.forEach((l) => {
    const n = l.names;
    out.push([n.inputNorm, [H]], [n.postAttentionNorm, [H]]);
    if (n.inputNormBias) out.push([n.inputNormBias, [H]]);
    if (n.postAttentionNormBias) out.push([n.postAttentionNormBias, [H]]);
    out.push(...attention.tensors(spec, n.attention));
    if (l.mlp === 'dense') mlp(n.dense!, spec.denseIntermediateSize!);
    else {
      out.push([n.router!, [spec.moe.numExperts, H]]);
      for (let e = 0; e < spec.moe.numExperts; e++) mlp(n.expert!(e), spec.moe.intermediateSize);
      if (n.shared) mlp(n.shared, spec.moe.shared!.intermediateSize);
      if (n.sharedGate) out.push([n.sharedGate, [1, H]]);
    }
  });
  return out;
}

export function writeSyntheticCheckpoint(dir: string, s: SyntheticConfig): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(s.config, null, 2)}\n`);
  const itemBytes = s.dtype === 'F32' ? 4 : 2;
  const tensors: TensorToWrite[] = expectedTensors(s.config).map(([name, shape]) => ({
    name,
    dtype: s.dtype,
    shape,
    values: () => {
      const n = shape.reduce((a, b) => a * b, 1);
      return /norm\.weight$|layernorm\.weight$/.test(name) ? new Float32Array(n).fill(1) : normals(n, hash(name) ^ s.seed, 0.02);
    },
  }));
  const shards: TensorToWrite[][] = [[]];
  let bytes = 0;
  for (const t of tensors) {
    const b = t.shape.reduce((x, y) => x * y, 1) * itemBytes;
    if (s.shardBytes && bytes > 0 && bytes + b > s.shardBytes) {
      shards.push([]);
      bytes = 0;
    }
    shards[shards.length - 1].push(t);
    bytes += b;
  }
  if (shards.length === 1) {
    writeSafetensors(join(dir, 'model.safetensors'), shards[0]);
    return;
  }
  const weightMap: Record<string, string> = {};
  shards.forEach((shard, i) => {
    const file = `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
    writeSafetensors(join(dir, file), shard);
    for (const t of shard) weightMap[t.name] = file;
  });
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }, null, 2));
}
