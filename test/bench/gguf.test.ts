// The bench's GGUF conversion (tools/bench/gguf.ts) read back by a GGUF v3 reader written here from
// the format's description (llama.cpp gguf-py), independent of the writer's code.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SafetensorsFile } from '../../src/engine/safetensors.js';
import { writeSyntheticCheckpoint } from '../../src/engine/synthetic-checkpoint.js';
import { writeGguf } from '../../tools/bench/gguf.js';

interface ReadGguf {
  version: number;
  kv: Map<string, unknown>;
  tensors: Map<string, { ne: number[]; type: number; offset: number }>;
  dataStart: number;
  buf: Buffer;
}

function readGguf(path: string): ReadGguf {
  const buf = readFileSync(path);
  let p = 0;
  const u32 = () => ((p += 4), buf.readUInt32LE(p - 4));
  const u64 = () => ((p += 8), Number(buf.readBigUInt64LE(p - 8)));
  const str = () => {
    const n = u64();
    p += n;
    return buf.toString('utf8', p - n, p);
  };
  const scalar = (type: number): unknown => {
    if (type === 4) return u32();
    if (type === 6) return (p += 4), buf.readFloatLE(p - 4);
    if (type === 7) return buf[p++] === 1;
    if (type === 8) return str();
    throw new Error(`value type ${type} not expected`);
  };
  expect(buf.toString('ascii', 0, 4)).toBe('GGUF');
  p = 4;
  const version = u32();
  const nTensors = u64();
  const nKv = u64();
  const kv = new Map<string, unknown>();
  for (let i = 0; i < nKv; i++) {
    const key = str();
    kv.set(key, scalar(u32()));
  }
  const tensors = new Map<string, { ne: number[]; type: number; offset: number }>();
  for (let i = 0; i < nTensors; i++) {
    const name = str();
    const dims = u32();
    const ne = Array.from({ length: dims }, u64);
    tensors.set(name, { ne, type: u32(), offset: u64() });
  }
  const align = (kv.get('general.alignment') as number | undefined) ?? 32;
  return { version, kv, tensors, dataStart: Math.ceil(p / align) * align, buf };
}

const GOLDEN = join(import.meta.dirname, '..', 'fixtures', 'golden');
const dir = mkdtempSync(join(tmpdir(), 'moe-eval-gguf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// The olmoe-e8k2-f32 golden model with as many kv heads as heads: llama.cpp's OLMoE has no
// grouped-query attention (it sizes the k norm as the hidden width).
const FIXTURE = join(dir, 'olmoe-mha');
writeSyntheticCheckpoint(FIXTURE, {
  config: { ...JSON.parse(readFileSync(join(GOLDEN, 'olmoe-e8k2-f32', 'config.json'), 'utf8')), num_key_value_heads: 4 },
  dtype: 'F32',
  seed: 7,
});

describe('bench GGUF conversion', () => {
  it('writes an OLMoE checkpoint as llama.cpp names and lays it out, experts stacked, bytes unchanged', () => {
    const out = join(dir, 'olmoe.gguf');
    const size = writeGguf(FIXTURE, out);
    const g = readGguf(out);
    expect(size).toBe(g.buf.length);
    expect(g.version).toBe(3);
    // config.json: hidden 64, 3 layers, 4 heads / 4 kv heads, 8 experts top-2, intermediate 48
    expect(g.kv.get('general.architecture')).toBe('olmoe');
    expect(g.kv.get('olmoe.block_count')).toBe(3);
    expect(g.kv.get('olmoe.embedding_length')).toBe(64);
    expect(g.kv.get('olmoe.attention.head_count')).toBe(4);
    expect(g.kv.get('olmoe.attention.head_count_kv')).toBe(4);
    expect(g.kv.get('olmoe.expert_count')).toBe(8);
    expect(g.kv.get('olmoe.expert_used_count')).toBe(2);
    expect(g.kv.get('olmoe.feed_forward_length')).toBe(48);
    expect(g.kv.get('olmoe.attention.layer_norm_rms_epsilon')).toBeCloseTo(1e-6, 12);
    expect(g.kv.get('tokenizer.ggml.model')).toBe('none');
    // 3 global tensors + per layer: 2 norms, q k v o, q/k norms, router, 3 stacked expert tensors
    expect(g.tensors.size).toBe(3 + 3 * 12);
    const st = SafetensorsFile.open(join(FIXTURE, 'model.safetensors'));
    try {
      const V = st.info('model.embed_tokens.weight')!.shape[0];
      expect(g.kv.get('olmoe.vocab_size')).toBe(V);
      expect(g.tensors.get('token_embd.weight')!.ne).toEqual([64, V]);
      // kv heads 4 x head dim 16
      expect(g.tensors.get('blk.2.attn_k.weight')!.ne).toEqual([64, 64]);
      const down = g.tensors.get('blk.1.ffn_down_exps.weight')!;
      expect(down.ne).toEqual([48, 64, 8]);
      expect(down.type).toBe(0);
      for (const t of g.tensors.values()) expect(t.offset % 32).toBe(0);
      const expertBytes = 48 * 64 * 4;
      const at = g.dataStart + down.offset + 5 * expertBytes;
      expect(Buffer.compare(g.buf.subarray(at, at + expertBytes), Buffer.from(st.readBytes('model.layers.1.mlp.experts.5.down_proj.weight')))).toBe(0);
      const qn = g.tensors.get('blk.0.attn_q_norm.weight')!;
      expect(Buffer.compare(g.buf.subarray(g.dataStart + qn.offset, g.dataStart + qn.offset + 64 * 4), Buffer.from(st.readBytes('model.layers.0.self_attn.q_norm.weight')))).toBe(0);
    } finally {
      st.close();
    }
  });

  it('refuses an architecture it has no llama.cpp mapping for, naming the ones it has', () => {
    expect(() => writeGguf(join(GOLDEN, 'mixtral-e8k2-f32'), join(dir, 'mixtral.gguf'))).toThrow(/no GGUF mapping for model_type mixtral \(have: olmoe, qwen2_moe\)/);
  });

  // llama.cpp would load some of these and time a different model (renormalised weights dropped, a
  // dense layer's MLP missing), others it refuses only when loading; the writer names every gap.
  it.each([
    ['olmoe-e8k2-f32', /olmoe graph does not compute this checkpoint's grouped-query attention \(2 kv heads for 4\)$/],
    ['olmoe-clipqkv-f32', /grouped-query attention \(2 kv heads for 4\), clip_qkv 1$/],
    ['olmoe-e16k4-bf16', /norm_topk_prob=true, grouped-query attention/],
    ['qwen2_moe-e16k4-bf16', /qwen2moe graph does not compute this checkpoint's 1 dense layer\(s\), norm_topk_prob=true$/],
  ])('refuses %s, whose model llama.cpp does not compute', (name, message) => {
    expect(() => writeGguf(join(GOLDEN, name), join(dir, `${name}.gguf`))).toThrow(message);
  });
});
