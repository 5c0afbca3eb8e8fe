// Our own safetensors reader (format: huggingface/safetensors README): an 8-byte little-endian
// header length, a JSON header with dtype/shape/data_offsets per tensor, then raw tensor bytes.
// Reads single tensors by byte range (never the whole file) and widens F32/BF16/F16 to float32.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { inputError } from '../errors.js';

export type StoredDtype = 'F32' | 'BF16' | 'F16';

const ITEM_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const FLOAT_DTYPES = new Set<string>(['F32', 'BF16', 'F16']);

/** Headers beyond this are refused: real checkpoints have a few hundred KB, a corrupt length could be anything. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;
/** fs.readSync reads at most ~2 GiB per call. */
const READ_CHUNK_BYTES = 1 << 30;

export interface TensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  /** absolute byte offset of the tensor's data in the file */
  offset: number;
  byteLength: number;
}

export class SafetensorsFile {
  readonly tensors: Map<string, TensorInfo>;
  readonly metadata: Record<string, string>;
  readonly sizeBytes: number;
  private fd: number | null;

  private constructor(readonly path: string, fd: number, sizeBytes: number, tensors: Map<string, TensorInfo>, metadata: Record<string, string>) {
    this.fd = fd;
    this.sizeBytes = sizeBytes;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  static open(path: string, maxHeaderBytes = MAX_HEADER_BYTES): SafetensorsFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw inputError('safetensors-missing', `cannot open ${path}: ${(e as Error).message}`, 'check the model directory');
    }
    try {
      const size = fstatSync(fd).size;
      const bad = (what: string) =>
        inputError('safetensors-malformed', `${path}: not a valid safetensors file: ${what}`, 'the file is corrupt or truncated; re-download or re-export it');
      if (size < 8) throw bad(`file is ${size} bytes, shorter than the 8-byte header length`);
      const lenBuf = Buffer.alloc(8);
      readExactly(fd, lenBuf, 0);
      const headerLen = Number(lenBuf.readBigUInt64LE(0));
      if (headerLen > maxHeaderBytes) {
        throw inputError(
          'safetensors-header-too-large',
          `${path}: header length ${headerLen} bytes exceeds the limit of ${maxHeaderBytes} bytes`,
          'the file is corrupt (real headers are far smaller)',
        );
      }
      if (8 + headerLen > size) throw bad(`header length ${headerLen} runs past the end of the ${size}-byte file`);
      const headerBuf = Buffer.alloc(headerLen);
      readExactly(fd, headerBuf, 8);
      let header: Record<string, unknown>;
      try {
        header = JSON.parse(headerBuf.toString('utf8'));
      } catch (e) {
        throw bad(`header is not JSON (${(e as Error).message})`);
      }
      if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad('header is not a JSON object');
      const dataStart = 8 + headerLen;
      const tensors = new Map<string, TensorInfo>();
      let metadata: Record<string, string> = {};
      for (const [name, raw] of Object.entries(header)) {
        if (name === '__metadata__') {
          metadata = (raw ?? {}) as Record<string, string>;
          continue;
        }
        const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
        if (typeof info?.dtype !== 'string' || !(info.dtype in ITEM_BYTES)) throw bad(`tensor ${name}: unknown dtype ${JSON.stringify(info?.dtype)}`);
        if (!Array.isArray(info.shape) || !info.shape.every((d) => Number.isInteger(d) && d >= 0)) throw bad(`tensor ${name}: bad shape`);
        const offs = info.data_offsets;
        if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0) || offs[1] < offs[0]) {
          throw bad(`tensor ${name}: bad data_offsets`);
        }
        const count = (info.shape as number[]).reduce((a, b) => a * b, 1);
        const byteLength = offs[1] - offs[0];
        if (byteLength !== count * ITEM_BYTES[info.dtype]) {
          throw bad(`tensor ${name}: ${byteLength} bytes do not match shape [${info.shape}] ${info.dtype}`);
        }
        if (dataStart + offs[1] > size) {
          throw bad(`tensor ${name} ends at byte ${dataStart + offs[1]}, past the end of the ${size}-byte file (truncated?)`);
        }
        tensors.set(name, { name, dtype: info.dtype, shape: info.shape as number[], offset: dataStart + offs[0], byteLength });
      }
      return new SafetensorsFile(path, fd, size, tensors, metadata);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  info(name: string): TensorInfo | undefined {
    return this.tensors.get(name);
  }

  /** One tensor's raw bytes, into `out` when given (it must be exactly as long). */
  readBytes(name: string, out?: Uint8Array): Uint8Array {
    const info = this.mustGet(name);
    if (out && out.length !== info.byteLength) throw new Error(`${this.path}: tensor ${name} has ${info.byteLength} bytes, not ${out.length}`);
    const result = out ?? new Uint8Array(info.byteLength);
    readExactly(this.descriptor(), result, info.offset);
    return result;
  }

  /** `out.length` bytes of one tensor from byte `start` of its data (a row of a table, say). */
  readSlice(name: string, start: number, out: Uint8Array): void {
    const info = this.mustGet(name);
    if (!(Number.isInteger(start) && start >= 0 && start + out.length <= info.byteLength)) {
      throw new Error(`${this.path}: bytes [${start}, ${start + out.length}) lie outside tensor ${name} (${info.byteLength} bytes)`);
    }
    readExactly(this.descriptor(), out, info.offset + start);
  }

  /** The dtype of a tensor that is read as float32 weights; any other is refused, naming the tensor. */
  floatDtype(name: string): StoredDtype {
    const { dtype } = this.mustGet(name);
    if (!FLOAT_DTYPES.has(dtype)) {
      throw inputError('safetensors-dtype', `${this.path}: tensor ${name} has dtype ${dtype}; only F32, BF16 and F16 weights are supported`);
    }
    return dtype as StoredDtype;
  }

  /** One tensor widened to float32 (F32 is read straight into the result, no second copy). */
  readF32(name: string, out?: Float32Array): Float32Array {
    const info = this.mustGet(name);
    this.floatDtype(name);
    const count = info.byteLength / ITEM_BYTES[info.dtype];
    const result = out ?? new Float32Array(count);
    if (result.length !== count) throw new Error(`readF32(${name}): output holds ${result.length}, tensor has ${count}`);
    if (info.dtype === 'F32') {
      readExactly(this.descriptor(), new Uint8Array(result.buffer, result.byteOffset, info.byteLength), info.offset);
      return result;
    }
    const raw = new Uint16Array(count);
    readExactly(this.descriptor(), new Uint8Array(raw.buffer), info.offset);
    widenHalves(info.dtype as 'BF16' | 'F16', raw, result);
    return result;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private descriptor(): number {
    if (this.fd === null) throw new Error(`${this.path} is closed`);
    return this.fd;
  }

  private mustGet(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) throw inputError('tensor-missing', `${this.path}: no tensor named ${name}`);
    return info;
  }
}

function readExactly(fd: number, target: Uint8Array, position: number): void {
  let done = 0;
  while (done < target.length) {
    const n = readSync(fd, target, done, Math.min(READ_CHUNK_BYTES, target.length - done), position + done);
    if (n === 0) throw inputError('safetensors-truncated', `unexpected end of file at byte ${position + done}`, 'the file is truncated');
    done += n;
  }
}

/** 16-bit floats of `dtype` widened to float32, exactly. */
export function widenHalves(dtype: 'BF16' | 'F16', src: Uint16Array, dst: Float32Array): void {
  if (dtype === 'BF16') bf16ToF32(src, dst);
  else f16ToF32(src, dst);
}

/** bfloat16 is the top half of a float32: widening is exact. */
export function bf16ToF32(src: Uint16Array, dst: Float32Array): void {
  const u32 = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0; i < src.length; i++) u32[i] = src[i] << 16;
}

/** IEEE half to float32, exact (subnormals, infinities and NaN included). */
export function f16ToF32(src: Uint16Array, dst: Float32Array): void {
  for (let i = 0; i < src.length; i++) {
    const h = src[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) dst[i] = sign * frac * 2 ** -24;
    else if (exp === 31) dst[i] = frac ? NaN : sign * Infinity;
    else dst[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
}
