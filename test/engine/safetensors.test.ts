// The safetensors reader: dtype widening against hand-computed values, header validation, and
// sharded checkpoints loading exactly like single files.

import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MoeEvalError } from '../../src/errors.js';
import { Checkpoint } from '../../src/engine/checkpoint.js';
import { MoeModel } from '../../src/engine/model.js';
import { OwnTopKRouting } from '../../src/engine/own-routing.js';
import { bf16ToF32, f16ToF32, SafetensorsFile } from '../../src/engine/safetensors.js';
import { writeSafetensors } from '../../src/engine/safetensors-writer.js';
import { goldenDir, loadGolden, maxAbsDiff } from '../helpers/fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'moe-eval-st-'));

function rawFile(header: string, data = Buffer.alloc(0), declaredLength?: number): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(declaredLength ?? Buffer.byteLength(header)));
  return Buffer.concat([len, Buffer.from(header), data]);
}

function expectInputError(fn: () => unknown, code: string, mentions: string[]): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MoeEvalError);
    expect((e as MoeEvalError).code).toBe(code);
    expect((e as MoeEvalError).exitCode).toBe(2);
    for (const m of mentions) expect((e as Error).message).toContain(m);
    return;
  }
  throw new Error('expected an error');
}

describe('dtype widening', () => {
  it('bf16 is the top half of float32', () => {
    // 0x3F80 = 1.0, 0xC000 = -2.0, 0x3E20 = 0.15625, 0x7F80 = +inf
    const out = new Float32Array(4);
    bf16ToF32(Uint16Array.of(0x3f80, 0xc000, 0x3e20, 0x7f80), out);
    expect(Array.from(out)).toEqual([1, -2, 0.15625, Infinity]);
  });
  it('f16 covers normals, subnormals and specials', () => {
    // 0x3C00 = 1, 0xC100 = -2.5, 0x0001 = 2^-24 (smallest subnormal), 0x7BFF = 65504, 0xFC00 = -inf
    const out = new Float32Array(5);
    f16ToF32(Uint16Array.of(0x3c00, 0xc100, 0x0001, 0x7bff, 0xfc00), out);
    expect(Array.from(out)).toEqual([1, -2.5, 2 ** -24, 65504, -Infinity]);
  });
  it('reads F32, BF16 and F16 tensors by name', () => {
    const dir = tmp();
    const f32 = Float32Array.of(1.5, -3, 0.25);
    const header = JSON.stringify({
      a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [12, 16] },
      c: { dtype: 'F16', shape: [1, 2], data_offsets: [16, 20] },
    });
    const data = Buffer.concat([Buffer.from(f32.buffer), Buffer.from(Uint16Array.of(0x3f80, 0xbf00).buffer), Buffer.from(Uint16Array.of(0x3800, 0x4400).buffer)]);
    writeFileSync(join(dir, 'x.safetensors'), rawFile(header, data));
    const f = SafetensorsFile.open(join(dir, 'x.safetensors'));
    expect(Array.from(f.readF32('a'))).toEqual([1.5, -3, 0.25]);
    expect(Array.from(f.readF32('b'))).toEqual([1, -0.5]);
    expect(Array.from(f.readF32('c'))).toEqual([0.5, 4]);
    f.close();
  });
});

describe('header validation names the file', () => {
  const write = (buf: Buffer) => {
    const p = join(tmp(), 'model.safetensors');
    writeFileSync(p, buf);
    return p;
  };
  it('rejects an oversized header length', () => {
    const p = write(rawFile('{}', Buffer.alloc(0), 2 ** 40));
    expectInputError(() => SafetensorsFile.open(p), 'safetensors-header-too-large', [p, 'exceeds']);
  });
  it('rejects a header that is not JSON', () => {
    const p = write(rawFile('{"a": [1, 2'));
    expectInputError(() => SafetensorsFile.open(p), 'safetensors-malformed', [p, 'not JSON']);
  });
  it('rejects a file shorter than 8 bytes', () => {
    const p = write(Buffer.from([1, 2, 3]));
    expectInputError(() => SafetensorsFile.open(p), 'safetensors-malformed', [p]);
  });
  it('rejects data offsets inconsistent with the shape', () => {
    const p = write(rawFile(JSON.stringify({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 8] } }), Buffer.alloc(8)));
    expectInputError(() => SafetensorsFile.open(p), 'safetensors-malformed', [p, 'tensor w']);
  });
  it('rejects a truncated file, naming the tensor', () => {
    const src = join(goldenDir('olmoe-e8k2-f32'), 'model.safetensors');
    const p = write(readFileSync(src).subarray(0, 50_000));
    expectInputError(() => SafetensorsFile.open(p), 'safetensors-malformed', [p, 'past the end']);
  });
});

describe('sharded checkpoints', () => {
  it('load exactly like the single file', async () => {
    const name = 'qwen2_moe-e8k2-f32';
    const single = Checkpoint.open(goldenDir(name));
    const dir = tmp();
    copyFileSync(join(goldenDir(name), 'config.json'), join(dir, 'config.json'));
    const names = single.tensorNames().sort();
    const shards = [names.slice(0, names.length / 2), names.slice(names.length / 2)];
    const weightMap: Record<string, string> = {};
    shards.forEach((part, i) => {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      writeSafetensors(join(dir, file), part.map((n) => ({ name: n, dtype: 'F32', shape: single.info(n).shape, values: () => single.readF32(n) })));
      for (const n of part) weightMap[n] = file;
    });
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    single.close();

    const g = loadGolden(name);
    const model = await MoeModel.load(dir);
    expect(model.checkpoint.weightFiles()).toHaveLength(2);
    const logits = await model.forward(g.token_ids, model.newKvCache(), new OwnTopKRouting(model.spec.moe.router), { phase: 'prefill', logitsFrom: 0 });
    expect(maxAbsDiff(g.logits, logits, model.spec.vocabSize)).toBeLessThan(1e-4);
    await model.release();
  });
});
