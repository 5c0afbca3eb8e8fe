// Converts a moe-eval checkpoint (HF layout, safetensors) to GGUF, so llama.cpp's llama-bench can
// time the very same weights. llama.cpp's own convert_hf_to_gguf.py needs torch and transformers
// (not installable offline here), and the bench needs no tokenizer: the file says
// tokenizer.ggml.model = "none" with `<arch>.vocab_size`, and llama-bench feeds random token ids.
// Matrices are copied as stored (F32 or BF16); vectors and routers are written F32, as llama.cpp's
// converter writes them (its CPU kernels take no BF16 norm weights); llama-quantize makes the other
// precisions.
//
// GGUF v3 layout: magic, version, tensor count, metadata count, metadata key/values, tensor infos
// (name, dims innermost first, type, offset), padding to the alignment, tensor data. A row-major HF
// weight [out, in] is ggml ne = [in, out]; routed experts are stacked into one [E, out, in] tensor.

import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { parseModelSpec } from '../../src/engine/architectures/registry.js';
import { Checkpoint } from '../../src/engine/checkpoint.js';
import type { GqaAttentionNames, GqaAttentionSpec, ModelSpec } from '../../src/engine/spec.js';

const ALIGNMENT = 32;
const GGML_TYPE: Record<string, number> = { F32: 0, F16: 1, BF16: 30 };
type Value = { u32: number } | { f32: number } | { str: string } | { bool: boolean };

/**
 * Per architecture: llama.cpp's name, the hyper-parameters it reads beyond the common ones, and what
 * its graph for that architecture does not compute (a GGUF of such a checkpoint would time, and
 * answer for, a different model than the one moe-eval runs).
 */
interface GgufArchitecture {
  name: string;
  keys(spec: ModelSpec): Record<string, Value>;
  gaps(spec: ModelSpec, attention: GqaAttentionSpec): string[];
}

const GGUF_ARCHITECTURES: Record<string, GgufArchitecture> = {
  olmoe: {
    name: 'olmoe',
    keys: (s) => ({ feed_forward_length: { u32: s.moe.intermediateSize } }),
    // llama.cpp sizes OLMoE's k norm as the whole hidden width and has no clamp
    gaps: (_, a) => [
      ...(a.numKvHeads !== a.numHeads ? [`grouped-query attention (${a.numKvHeads} kv heads for ${a.numHeads})`] : []),
      ...(a.clipQkv !== null ? [`clip_qkv ${a.clipQkv}`] : []),
    ],
  },
  qwen2_moe: {
    name: 'qwen2moe',
    keys: (s) => ({
      feed_forward_length: { u32: s.moe.shared!.intermediateSize },
      expert_feed_forward_length: { u32: s.moe.intermediateSize },
      expert_shared_feed_forward_length: { u32: s.moe.shared!.intermediateSize },
    }),
    // beyond the common gaps, none: every Qwen2-MoE has the gated shared expert llama.cpp computes
    gaps: () => [],
  },
};

/** What neither llama.cpp graph computes: both route every layer by softmax top-k without renormalising. */
function commonGaps(spec: ModelSpec, a: GqaAttentionSpec): string[] {
  const dense = spec.layers.filter((l) => l.mlp !== 'moe').length;
  return [
    ...(dense ? [`${dense} dense layer(s)`] : []),
    ...(spec.notes.norm_topk_prob === true ? ['norm_topk_prob=true'] : []),
    ...(a.slidingWindow !== null ? [`a sliding window of ${a.slidingWindow}`] : []),
    ...(a.oBias ? ['an o_proj bias'] : []),
    ...(spec.names.lmHeadBias || spec.names.finalNormBias || spec.norm.kind !== 'rms' ? ['LayerNorm or output biases'] : []),
    ...(spec.rope.kind !== 'default' || spec.rope.interleaved ? [`rope ${spec.rope.kind}${spec.rope.interleaved ? ' (interleaved)' : ''}`] : []),
  ];
}

/** One GGUF tensor: its name, ggml dims and the HF tensors whose bytes it concatenates. */
interface GgufTensor {
  name: string;
  ne: number[];
  sources: string[];
}

/** Norms, biases and routers stay F32 whatever the checkpoint stores. */
const alwaysF32 = (t: GgufTensor) => t.ne.length === 1 || /ffn_gate_inp/.test(t.name);

function tensorPlan(spec: ModelSpec): GgufTensor[] {
  const H = spec.hiddenSize;
  const V = spec.vocabSize;
  const E = spec.moe.numExperts;
  const I = spec.moe.intermediateSize;
  const out: GgufTensor[] = [
    { name: 'token_embd.weight', ne: [H, V], sources: [spec.names.embed] },
    { name: 'output_norm.weight', ne: [H], sources: [spec.names.finalNorm] },
    { name: 'output.weight', ne: [H, V], sources: [spec.tieWordEmbeddings ? spec.names.embed : spec.names.lmHead] },
  ];
  spec.layers.forEach((l, i) => {
    const n = l.names;
    const a = n.attention as GqaAttentionNames;
    const b = `blk.${i}.`;
    const t = (name: string, ne: number[], ...sources: string[]) => out.push({ name: b + name, ne, sources });
    const q = spec.attention.kind === 'gqa' ? spec.attention.numHeads * spec.attention.headDim : 0;
    const kv = spec.attention.kind === 'gqa' ? spec.attention.numKvHeads * spec.attention.headDim : 0;
    t('attn_norm.weight', [H], n.inputNorm);
    t('attn_q.weight', [H, q], a.q);
    t('attn_k.weight', [H, kv], a.k);
    t('attn_v.weight', [H, kv], a.v);
    t('attn_output.weight', [q, H], a.o);
    if (a.qBias) t('attn_q.bias', [q], a.qBias);
    if (a.kBias) t('attn_k.bias', [kv], a.kBias);
    if (a.vBias) t('attn_v.bias', [kv], a.vBias);
    if (a.qNorm) t('attn_q_norm.weight', [q], a.qNorm);
    if (a.kNorm) t('attn_k_norm.weight', [kv], a.kNorm);
    t('ffn_norm.weight', [H], n.postAttentionNorm);
    t('ffn_gate_inp.weight', [H, E], n.router!);
    const experts = Array.from({ length: E }, (_, e) => n.expert!(e));
    t('ffn_gate_exps.weight', [H, I, E], ...experts.map((x) => x.gate));
    t('ffn_up_exps.weight', [H, I, E], ...experts.map((x) => x.up));
    t('ffn_down_exps.weight', [I, H, E], ...experts.map((x) => x.down));
    if (n.shared) {
      const S = spec.moe.shared!.intermediateSize;
      t('ffn_gate_shexp.weight', [H, S], n.shared.gate);
      t('ffn_up_shexp.weight', [H, S], n.shared.up);
      t('ffn_down_shexp.weight', [S, H], n.shared.down);
    }
    if (n.sharedGate) t('ffn_gate_inp_shexp.weight', [H], n.sharedGate);
  });
  return out;
}

class ByteWriter {
  private readonly parts: Buffer[] = [];
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.parts.push(b);
    return this;
  }
  u64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.parts.push(b);
    return this;
  }
  f32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.parts.push(b);
    return this;
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.parts.push(b);
    return this;
  }
  value(v: Value): this {
    if ('u32' in v) return this.u32(4).u32(v.u32);
    if ('f32' in v) return this.u32(6).f32(v.f32);
    if ('bool' in v) {
      this.u32(7);
      this.parts.push(Buffer.of(v.bool ? 1 : 0));
      return this;
    }
    return this.u32(8).str(v.str);
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Writes `ckptDir` as one GGUF file at `outPath`, tensors in their stored dtype. Returns the file's size in bytes. */
export function writeGguf(ckptDir: string, outPath: string): number {
  const ckpt = Checkpoint.open(ckptDir);
  try {
    const spec = parseModelSpec(ckpt.config, `${ckptDir}/config.json`);
    const arch = GGUF_ARCHITECTURES[spec.modelType];
    if (!arch) throw new Error(`no GGUF mapping for model_type ${spec.modelType} (have: ${Object.keys(GGUF_ARCHITECTURES).join(', ')})`);
    if (spec.attention.kind !== 'gqa') throw new Error('GGUF conversion supports grouped-query attention only');
    const gaps = [...commonGaps(spec, spec.attention), ...arch.gaps(spec, spec.attention)];
    if (gaps.length) throw new Error(`${ckptDir}: llama.cpp's ${arch.name} graph does not compute this checkpoint's ${gaps.join(', ')}`);
    const a = arch.name;
    const kv: Record<string, Value> = {
      'general.architecture': { str: a },
      'general.name': { str: `moe-eval ${spec.modelType} ${spec.layers.length}-layer bench shape` },
      'general.alignment': { u32: ALIGNMENT },
      [`${a}.block_count`]: { u32: spec.layers.length },
      [`${a}.context_length`]: { u32: 4096 },
      [`${a}.embedding_length`]: { u32: spec.hiddenSize },
      [`${a}.attention.head_count`]: { u32: spec.attention.numHeads },
      [`${a}.attention.head_count_kv`]: { u32: spec.attention.numKvHeads },
      [`${a}.attention.layer_norm_rms_epsilon`]: { f32: spec.norm.eps },
      [`${a}.rope.freq_base`]: { f32: spec.rope.theta },
      [`${a}.expert_count`]: { u32: spec.moe.numExperts },
      [`${a}.expert_used_count`]: { u32: spec.moe.topK },
      [`${a}.vocab_size`]: { u32: spec.vocabSize },
      'tokenizer.ggml.model': { str: 'none' },
      ...Object.fromEntries(Object.entries(arch.keys(spec)).map(([k, v]) => [`${a}.${k}`, v])),
    };
    const plan = tensorPlan(spec);
    const header = new ByteWriter().u32(0x46554747).u32(3).u64(plan.length).u64(Object.keys(kv).length);
    for (const [k, v] of Object.entries(kv)) header.str(k).value(v);
    let offset = 0;
    const sizes = plan.map((t) => {
      const dtype = alwaysF32(t) ? 'F32' : ckpt.info(t.sources[0]).dtype;
      if (!(dtype in GGML_TYPE)) throw new Error(`${t.sources[0]}: dtype ${dtype} has no GGUF type here`);
      const bytes = t.ne.reduce((x, y) => x * y, 1) * (dtype === 'F32' ? 4 : 2);
      header.str(t.name).u32(t.ne.length);
      for (const d of t.ne) header.u64(d);
      header.u32(GGML_TYPE[dtype]).u64(offset);
      const start = offset;
      offset += bytes + ((ALIGNMENT - (bytes % ALIGNMENT)) % ALIGNMENT);
      return { bytes, start, widen: dtype === 'F32' && ckpt.info(t.sources[0]).dtype !== 'F32' };
    });
    const head = header.bytes();
    const fd = openSync(outPath, 'w');
    try {
      writeSync(fd, head);
      writeSync(fd, Buffer.alloc((ALIGNMENT - (head.length % ALIGNMENT)) % ALIGNMENT));
      plan.forEach((t, i) => {
        let written = 0;
        for (const src of t.sources) {
          const b = sizes[i].widen ? asBytes(ckpt.readF32(src)) : ckpt.readBytes(src);
          writeSync(fd, b);
          written += b.length;
        }
        if (written !== sizes[i].bytes) throw new Error(`${t.name}: ${written} bytes written, ${sizes[i].bytes} expected`);
        writeSync(fd, Buffer.alloc(sizes[i + 1] ? sizes[i + 1].start - sizes[i].start - written : 0));
      });
    } finally {
      closeSync(fd);
    }
    return statSync(outPath).size;
  } finally {
    ckpt.close();
  }
}

const asBytes = (v: Float32Array) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
