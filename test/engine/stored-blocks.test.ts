// The storage a config.json marker declares (what `moe-eval quantize` writes and every later run
// reads).

import { describe, expect, it } from 'vitest';
import { resolvePrecisions } from '../../src/engine/model.js';
import { quantizationMarker, storageOf, type CheckpointStorage } from '../../src/engine/stored-blocks.js';
import { MoeEvalError } from '../../src/errors.js';

const layout = { block_size: 128, layout: 'onnxruntime-matmulnbits' };

describe('the quantization marker', () => {
  it('reads what quantize writes, and the experts-only marker of earlier versions', () => {
    const all: CheckpointStorage[] = [
      { experts: 'q4', matrices: 'q4' },
      { experts: 'q4', matrices: 'q8' },
      { experts: 'q8', matrices: 'weights' },
      { experts: 'weights', matrices: 'q4' },
    ];
    for (const s of all) expect(storageOf({ moe_eval_quantization: quantizationMarker(s) }, 'config.json')).toEqual(s);
    expect(storageOf({ moe_eval_quantization: { routed_experts: 'q4', ...layout } }, 'config.json')).toEqual({ experts: 'q4', matrices: 'weights' });
    expect(storageOf({}, 'config.json')).toEqual({ experts: 'weights', matrices: 'weights' });
  });

  it.each([
    ['an unknown precision', { routed_experts: 'q3', ...layout }],
    ['f32 (never stored in blocks)', { routed_experts: 'f32', ...layout }],
    ['nothing stored', { ...layout }],
    ['another block size', { routed_experts: 'q4', block_size: 64, layout: layout.layout }],
    ['another layout', { routed_experts: 'q4', block_size: 128, layout: 'gguf' }],
    ['not an object', null],
  ])('refuses %s, naming the file', (_, marker) => {
    let error: unknown;
    try {
      storageOf({ moe_eval_quantization: marker }, '/m/config.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MoeEvalError);
    expect((error as Error).message).toContain('/m/config.json');
    expect((error as Error).message).toContain('moe_eval_quantization');
  });

  it('says how to replace a checkpoint an older moe-eval quantized in blocks of 32', () => {
    expect(() => storageOf({ moe_eval_quantization: { routed_experts: 'q4', block_size: 32, layout: layout.layout } }, '/m/config.json')).toThrow(
      expect.objectContaining({ hint: expect.stringMatching(/blocks of 32 come from an older moe-eval: run moe-eval quantize on the original checkpoint again$/) }),
    );
  });
});

describe('precisions of a pre-quantized checkpoint', () => {
  const resolve = (s: CheckpointStorage, r: { densePrecision?: 'f32' | 'q8' | 'q4'; expertPrecision?: 'f32' | 'q8' | 'q4' }) => resolvePrecisions(s, r, '/m');
  it('hold what is stored, and the request elsewhere', () => {
    expect(resolve({ experts: 'q4', matrices: 'q8' }, {})).toEqual({ precision: 'q8', expertPrecision: 'q4' });
    expect(resolve({ experts: 'q4', matrices: 'weights' }, { densePrecision: 'q8' })).toEqual({ precision: 'q8', expertPrecision: 'q4' });
    expect(resolve({ experts: 'weights', matrices: 'weights' }, { densePrecision: 'q8' })).toEqual({ precision: 'q8', expertPrecision: 'q8' });
    // experts left as weights beside stored matrices stay unquantized unless --quant says otherwise
    expect(resolve({ experts: 'weights', matrices: 'q4' }, {})).toEqual({ precision: 'q4', expertPrecision: 'f32' });
    expect(resolve({ experts: 'weights', matrices: 'q4' }, { expertPrecision: 'q8' })).toEqual({ precision: 'q4', expertPrecision: 'q8' });
  });
  it('refuse another precision for what is stored, naming the flag', () => {
    expect(() => resolve({ experts: 'q4', matrices: 'q4' }, { densePrecision: 'f32' })).toThrow(/--precision f32: \/m stores its attention, LM head and MLP matrices in 4-bit blocks/);
    expect(() => resolve({ experts: 'q8', matrices: 'weights' }, { expertPrecision: 'q4' })).toThrow(/--quant q4: \/m stores its routed experts in 8-bit blocks/);
  });
});
