// Builds the small ONNX graphs the engine runs through onnxruntime-node (ONNX IR 8, opset 17), with
// the protobuf types of the onnx-proto package. Float32 weights are graph inputs, so the engine's own
// Float32Arrays are passed zero-copy and one session serves every layer and expert; block-quantised
// weights are constants of their own session, because onnxruntime prepacks only constants.

import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** a dimension: a fixed size or a symbolic name */
export type Dim = number | string;

export interface GraphNode {
  op: string;
  /** operator domain: '' (ONNX) or 'com.microsoft' (onnxruntime contrib ops such as MatMulNBits) */
  domain?: string;
  inputs: string[];
  outputs: string[];
  /** integers, integer lists, { float } (explicit, since 1.0 and 1 are the same JS number) or { string } */
  attrs?: Record<string, number | number[] | { float: number } | { string: string }>;
}

export interface GraphDef {
  name: string;
  inputs: [string, Dim[]][];
  outputs: [string, Dim[]][];
  nodes: GraphNode[];
  /** constant float scalars and int64 vectors */
  constants?: Record<string, number | { int64: number[] }>;
  /** constant tensors baked into the model (e.g. 4-bit expert weights, which MatMulNBits prepacks) */
  tensors?: ConstantTensor[];
  /** constant tensors already written to the session's WeightsFile (see WeightsFile.session); createSession moves large ones there */
  placed?: PlacedTensor[];
}

export interface PlacedTensor {
  name: string;
  dims: number[];
  dtype: 'uint8' | 'float32';
}

export interface ConstantTensor {
  name: string;
  dims: number[];
  data: Uint8Array | Float32Array;
}

const valueInfo = (name: string, dims: Dim[]) => ({
  name,
  type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
});

function attribute(name: string, value: number | number[] | { float: number } | { string: string }) {
  const T = onnx.AttributeProto.AttributeType;
  if (Array.isArray(value)) return { name, ints: value, type: T.INTS };
  if (typeof value === 'object' && 'string' in value) return { name, s: new TextEncoder().encode(value.string), type: T.STRING };
  if (typeof value === 'object') return { name, f: value.float, type: T.FLOAT };
  return { name, i: value, type: T.INT };
}

function constant(name: string, value: number | { int64: number[] }) {
  if (typeof value === 'number') return { name, dataType: FLOAT, dims: [], floatData: [value] };
  return { name, dataType: INT64, dims: [value.int64.length], int64Data: value.int64 };
}

const bytesOf = (a: Uint8Array | Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Where an external tensor's bytes lie in the weights file next to the model. */
export interface ExternalPlace {
  offset: number;
  length: number;
}

const WEIGHTS_FILE = 'weights.bin';
const PAGE = 4096;

/**
 * Constant tensors from this size go to a weights file that onnxruntime maps instead of inside the
 * model bytes. Measured session builds of one 4-bit matrix here: 33.6 MB 231 ms from the file against
 * 499 ms from bytes, 51.5 MB 342 against 762 ms; at 2–8 MB the file was no faster (9–24 ms either
 * way), so small expert sessions (offloaded misses) stay on bytes.
 */
const FILE_TENSOR_BYTES = 16 * 2 ** 20;

/**
 * A session of `def`, its large constant tensors (FILE_TENSOR_BYTES) in a scratch weights file next
 * to the model, removed once the session exists.
 */
export async function createSession(def: GraphDef, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  const large = (def.tensors ?? []).filter((t) => t.data.byteLength >= FILE_TENSOR_BYTES);
  if (large.length === 0) return ort.InferenceSession.create(buildModel(def), options);
  const file = WeightsFile.open();
  try {
    const places = new Map<string, ExternalPlace>();
    for (const t of large) {
      const place = file.reserve(t.data.byteLength);
      file.write(t.data, place.offset);
      places.set(t.name, place);
    }
    const placed = large.map(({ name, dims, data }) => ({ name, dims, dtype: data instanceof Uint8Array ? ('uint8' as const) : ('float32' as const) }));
    return await file.session({ ...def, tensors: def.tensors!.filter((t) => !places.has(t.name)), placed: [...(def.placed ?? []), ...placed] }, places, options);
  } finally {
    file.close();
  }
}

// a run stopped while loading must not leave its scratch folder (up to a layer's weights) behind
const OPEN_FOLDERS = new Set<string>();
process.once('exit', () => {
  for (const dir of OPEN_FOLDERS) rmSync(dir, { recursive: true, force: true });
});

/**
 * A scratch weights file for constant tensors, written piecewise at reserved places (a caller may
 * assemble a tensor from parts without holding it whole) and turned into sessions. onnxruntime maps
 * it rather than copying: a layer of 64 OLMoE-shaped 4-bit experts (226 MB) built in 1.0–1.4 s from
 * the file against 2.2–3.7 s from protobuf bytes or in-memory external data.
 */
export class WeightsFile {
  private end = 0;
  private constructor(private readonly dir: string, private readonly fd: number) {}

  static open(): WeightsFile {
    const dir = mkdtempSync(join(tmpdir(), 'moe-eval-graph-'));
    OPEN_FOLDERS.add(dir);
    return new WeightsFile(dir, openSync(join(dir, WEIGHTS_FILE), 'w+'));
  }

  /** a place of `length` bytes; places start on a page, as mapped tensors want */
  reserve(length: number): ExternalPlace {
    const place = { offset: this.end, length };
    this.end = Math.ceil((this.end + length) / PAGE) * PAGE;
    return place;
  }

  /** Starts over at offset 0: the next tensors overwrite this file's pages instead of faulting in new ones. */
  rewind(): void {
    this.end = 0;
  }

  write(bytes: Uint8Array | Float32Array, offset: number): void {
    const b = bytesOf(bytes);
    writeSync(this.fd, b, 0, b.length, offset);
  }

  /** A session of `def` whose external tensors lie at `places` of this file. */
  session(def: GraphDef, places: ReadonlyMap<string, ExternalPlace>, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
    writeFileSync(join(this.dir, 'model.onnx'), buildModel(def, places));
    return ort.InferenceSession.create(join(this.dir, 'model.onnx'), options);
  }

  /**
   * Empties the file. onnxruntime maps external tensors from it and keeps the maps of tensors its
   * kernels did not mark as repacked for the session's life, although their copies are what it runs:
   * every map of a page counts in the resident set, so 16 OLMoE-shaped fused layers built over one
   * file showed 0.75 GiB more RSS than they held. Truncating drops those pages from every map. Only
   * for sessions that never read the file again (a read would now fault).
   */
  discard(): void {
    ftruncateSync(this.fd, 0);
    this.end = 0;
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
    OPEN_FOLDERS.delete(this.dir);
  }
}

function externalRef(place: ExternalPlace | undefined, name: string) {
  if (!place) throw new Error(`buildModel: external tensor ${name} has no place in the weights file`);
  return {
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: WEIGHTS_FILE },
      { key: 'offset', value: String(place.offset) },
      { key: 'length', value: String(place.length) },
    ],
  };
}

/** Serialised ONNX model bytes for onnxruntime's InferenceSession.create. */
export function buildModel(def: GraphDef, external?: ReadonlyMap<string, ExternalPlace>): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'moe-eval',
    opsetImport: [{ domain: '', version: 17 }, ...(def.nodes.some((n) => n.domain === 'com.microsoft') ? [{ domain: 'com.microsoft', version: 1 }] : [])],
    graph: {
      name: def.name,
      input: def.inputs.map(([n, d]) => valueInfo(n, d)),
      output: def.outputs.map(([n, d]) => valueInfo(n, d)),
      initializer: [
        ...Object.entries(def.constants ?? {}).map(([n, v]) => constant(n, v)),
        ...(def.placed ?? []).map((t) => ({
          name: t.name,
          dataType: t.dtype === 'uint8' ? onnx.TensorProto.DataType.UINT8 : FLOAT,
          dims: t.dims,
          ...externalRef(external?.get(t.name), t.name),
        })),
        ...(def.tensors ?? []).map((t) => ({
          name: t.name,
          dataType: t.data instanceof Uint8Array ? onnx.TensorProto.DataType.UINT8 : FLOAT,
          dims: t.dims,
          rawData: bytesOf(t.data),
        })),
      ],
      node: def.nodes.map((n, i) => ({
        name: `${n.op}_${i}`,
        opType: n.op,
        ...(n.domain ? { domain: n.domain } : {}),
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
