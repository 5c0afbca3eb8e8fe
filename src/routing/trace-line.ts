// The exact `--trace FILE` line of one routing event (docs/routing-contract.md "What a run must record"):
// {"sample","token","layer","original","selected","weights","hits","resident_before"} in this
// order; resident_before ascending. Built by concatenation: the line is the only per-event allocation.

/** The line prefix of a sample, computed once per sample: `{"sample":<json id>,"token":` */
export function sampleLinePrefix(sampleId: string | number): string {
  return `{"sample":${JSON.stringify(sampleId)},"token":`;
}

const num = (v: number): string => (Number.isFinite(v) ? String(v) : 'null');

/**
 * @param order    original ranking [E]; its first k entries are "original"
 * @param selected experts that ran, descending weight [k]
 * @param weights  their applied weights [k]
 * @param hits     1 = selected[i] was resident before the event [k]
 * @param resident resident mask before the event [E]
 */
export function formatTraceLine(
  prefix: string,
  token: number,
  layer: number,
  order: Int32Array,
  selected: Int32Array,
  weights: Float32Array,
  hits: Uint8Array,
  resident: Uint8Array,
  topK: number,
): string {
  let s = prefix + token + ',"layer":' + layer + ',"original":[';
  for (let i = 0; i < topK; i++) s += (i ? ',' : '') + order[i];
  s += '],"selected":[';
  for (let i = 0; i < topK; i++) s += (i ? ',' : '') + selected[i];
  s += '],"weights":[';
  for (let i = 0; i < topK; i++) s += (i ? ',' : '') + num(weights[i]);
  s += '],"hits":[';
  for (let i = 0; i < topK; i++) s += (i ? ',' : '') + (hits[i] === 1 ? 'true' : 'false');
  s += '],"resident_before":[';
  let first = true;
  for (let id = 0; id < resident.length; id++) {
    if (resident[id] !== 1) continue;
    s += (first ? '' : ',') + id;
    first = false;
  }
  return s + ']}';
}
