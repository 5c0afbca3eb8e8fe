// Builds the small ONNX graphs the engine runs through onnxruntime-node (ONNX IR 8, opset 17), with
// the protobuf types of the onnx-proto package. Weights are graph inputs, never initializers, so the
// engine's own Float32Arrays are passed zero-copy and one session serves every layer and expert.

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
}

export interface ConstantTensor {
  name: string;
  dims: number[];
  data: Uint8Array | Float32Array;
  /** handed to onnxruntime as in-memory external data instead of being copied into the model bytes (large weights) */
  external?: boolean;
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

/**
 * A session of `def`; its external tensors reach onnxruntime as in-memory files, which skips
 * encoding hundreds of MB into protobuf (measured ~0.65 s per 250 MB layer of 4-bit experts).
 */
export function createSession(def: GraphDef, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  const externalData = (def.tensors ?? []).filter((t) => t.external).map((t) => ({ path: t.name, data: bytesOf(t.data) }));
  return ort.InferenceSession.create(buildModel(def), externalData.length ? { ...options, externalData } : options);
}

/** Serialised ONNX model bytes for onnxruntime's InferenceSession.create. */
export function buildModel(def: GraphDef): Uint8Array {
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
        ...(def.tensors ?? []).map((t) => ({
          name: t.name,
          dataType: t.data instanceof Uint8Array ? onnx.TensorProto.DataType.UINT8 : FLOAT,
          dims: t.dims,
          ...(t.external
            ? { dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: [{ key: 'location', value: t.name }, { key: 'offset', value: '0' }, { key: 'length', value: String(t.data.byteLength) }] }
            : { rawData: bytesOf(t.data) }),
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
