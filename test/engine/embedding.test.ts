// The token embedding table stays in the checkpoint: a lookup reads its one row and widens it to
// float32 exactly, whatever float dtype it is stored in.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Checkpoint } from '../../src/engine/checkpoint.js';
import { storedEmbedding } from '../../src/engine/embedding.js';
import { writeSafetensors, type BytesToWrite } from '../../src/engine/safetensors-writer.js';

// six values and their bit patterns by hand: 1.0, -1.5, 0.15625, the smallest normal (negative), 3.0, -0
const want = [1, -1.5, 0.15625, -(2 ** -126), 3, -0];
const BF16 = Uint16Array.of(0x3f80, 0xbfc0, 0x3e20, 0x8080, 0x4040, 0x8000);
// F16 has no -2^-126: its smallest subnormal, -2^-24 = 0x8001, stands in
const wantF16 = [1, -1.5, 0.15625, -(2 ** -24), 3, -0];
const F16 = Uint16Array.of(0x3c00, 0xbe00, 0x3100, 0x8001, 0x4200, 0x8000);

function checkpointWith(tensors: BytesToWrite[]): Checkpoint {
  const dir = mkdtempSync(join(tmpdir(), 'moe-eval-embed-'));
  writeSafetensors(join(dir, 'model.safetensors'), tensors);
  writeFileSync(join(dir, 'config.json'), '{}');
  return Checkpoint.open(dir);
}

const table = (dtype: BytesToWrite['dtype'], values: Uint16Array | Float32Array): BytesToWrite => ({ name: 'e', dtype, shape: [3, 2], bytes: () => new Uint8Array(values.buffer) });

/** rows 2, 0, 1 into one array after a sentinel */
function lookUp(ckpt: Checkpoint): number[] {
  const embed = storedEmbedding(ckpt, 'e', 3, 2);
  const out = new Float32Array(7).fill(9);
  embed.lookup(2, out, 1);
  embed.lookup(0, out, 3);
  embed.lookup(1, out, 5);
  return Array.from(out);
}

describe('the embedding table', () => {
  it('looks BF16, F16 and F32 rows up exactly as float32, negative zero and later rows included', () => {
    const rows = (w: number[]) => [9, w[4], w[5], w[0], w[1], w[2], w[3]];
    for (const [dtype, values, expected] of [['BF16', BF16, want], ['F16', F16, wantF16], ['F32', Float32Array.from(want), want]] as const) {
      const ckpt = checkpointWith([table(dtype, values)]);
      const out = lookUp(ckpt);
      expect(out, dtype).toEqual(rows(expected));
      expect(Object.is(out[2], -0), dtype).toBe(true);
      ckpt.close();
    }
  });

  it('reads one row per lookup from the checkpoint, none at load', () => {
    const ckpt = checkpointWith([table('BF16', BF16)]);
    const reads = vi.spyOn(ckpt, 'readSlice');
    const embed = storedEmbedding(ckpt, 'e', 3, 2);
    expect(reads).not.toHaveBeenCalled();
    embed.lookup(1, new Float32Array(2), 0);
    // row 1 of a [3, 2] BF16 table: 4 bytes from byte 4
    expect(reads.mock.calls.map(([name, start, out]) => [name, start, out.length])).toEqual([['e', 4, 4]]);
    ckpt.close();
  });

  it('refuses a table of the wrong shape or of a non-float dtype when the model loads, naming the tensor', () => {
    const ckpt = checkpointWith([table('BF16', BF16), { name: 'ids', dtype: 'U8', shape: [3, 2], bytes: () => new Uint8Array(6) }]);
    expect(() => storedEmbedding(ckpt, 'e', 2, 3)).toThrow(/tensor e has shape \[3,2\], expected \[2,3\]/);
    expect(() => storedEmbedding(ckpt, 'ids', 3, 2)).toThrow(/tensor ids has dtype U8; only F32, BF16 and F16 weights are supported/);
    ckpt.close();
  });
});
