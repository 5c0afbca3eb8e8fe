// JSON encoding that keeps typed arrays (resume checkpoints hold Float64Array / Uint8Array state):
// a typed array becomes {"$typed": "Float64Array", "values": [...]}; everything else is plain JSON.

const TYPED = { Float64Array, Float32Array, Int32Array, Uint8Array, Uint16Array } as const;
type TypedName = keyof typeof TYPED;

export function toTypedJson(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name as TypedName;
    if (!(name in TYPED)) throw new Error(`toTypedJson: unsupported ${name}`);
    return { $typed: name, values: Array.from(value as unknown as ArrayLike<number>) };
  }
  if (Array.isArray(value)) return value.map(toTypedJson);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toTypedJson(v)]));
  return value;
}

export function fromTypedJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromTypedJson);
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.$typed === 'string' && Array.isArray(o.values)) {
      const ctor = TYPED[o.$typed as TypedName];
      if (!ctor) throw new Error(`fromTypedJson: unsupported ${o.$typed}`);
      return ctor.from(o.values as number[]);
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, fromTypedJson(v)]));
  }
  return value;
}
