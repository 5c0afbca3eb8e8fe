// Writes safetensors files (same layout as the reader expects): `moe-eval quantize`'s checkpoints,
// sharded copies in tests and the synthetic real-shaped checkpoints of `npm run bench`. Tensors are streamed to
// disk one at a time, so multi-GB files never sit in memory at once.

import { closeSync, openSync, writeSync } from 'node:fs';

/** A tensor from float32 values, written as F32 or BF16. */
export interface ValuesToWrite {
  name: string;
  dtype: 'F32' | 'BF16';
  shape: number[];
  /** produces the float32 values when the tensor is written (lazy, to keep memory flat) */
  values: () => Float32Array;
}

/** A tensor whose bytes are already in the file's layout (a copied tensor, packed 4-bit blocks). */
export interface BytesToWrite {
  name: string;
  dtype: 'F32' | 'BF16' | 'F16' | 'U8';
  shape: number[];
  bytes: () => Uint8Array;
}

export type TensorToWrite = ValuesToWrite | BytesToWrite;

const ITEM = { F32: 4, BF16: 2, F16: 2, U8: 1 } as const;

export function writeSafetensors(path: string, tensors: TensorToWrite[], metadata?: Record<string, string>): void {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const t of sorted) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * ITEM[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8); // data section 8-byte aligned
  const fd = openSync(path, 'w');
  try {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
    writeSync(fd, len);
    writeSync(fd, json);
    for (const t of sorted) writeAll(fd, tensorBytes(t));
  } finally {
    closeSync(fd);
  }
}

function tensorBytes(t: TensorToWrite): Uint8Array {
  const expected = t.shape.reduce((a, b) => a * b, 1) * ITEM[t.dtype];
  let raw: Uint8Array;
  if ('bytes' in t) {
    raw = t.bytes();
  } else {
    const v = t.values();
    raw = t.dtype === 'F32' ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(f32ToBf16(v).buffer);
  }
  if (raw.byteLength !== expected) throw new Error(`tensor ${t.name}: ${raw.byteLength} bytes for shape [${t.shape}] ${t.dtype} (${expected} expected)`);
  return raw;
}

function writeAll(fd: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, Math.min(1 << 30, data.length - done));
}

/** float32 -> bfloat16 bits, round to nearest even (finite values). */
export function f32ToBf16(v: Float32Array): Uint16Array {
  const u = new Uint32Array(v.buffer, v.byteOffset, v.length);
  const out = new Uint16Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = u[i];
    out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}
