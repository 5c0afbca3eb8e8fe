// A growable per-layer trace of routing events (k expert ids each, in cache touch order) plus a
// counted flag per event: the input of the offline replays (docs/routing-contract.md "Caches": belady
// "runs as a replay over the trace of original top-k routing"). Reused across reset units.
// With --cache-reset never a unit is the whole run, so ids are stored in the narrowest integer
// type that holds an expert id (one byte per access for E ≤ 256).

export type ExpertIdArray = Uint8Array | Uint16Array | Int32Array;

function idArray(numExperts: number, length: number): ExpertIdArray {
  if (numExperts <= 0x100) return new Uint8Array(length);
  if (numExperts <= 0x10000) return new Uint16Array(length);
  return new Int32Array(length);
}

export class AccessTrace {
  readonly k: number;
  readonly numExperts: number;
  /** [capacityEvents * k] ids of event e at [e*k, e*k + k) */
  ids: ExpertIdArray;
  /** [capacityEvents] 1 = the event is counted in the statistics (--prefill-cache) */
  counted: Uint8Array;
  private events = 0;

  constructor(k: number, numExperts: number, initialEvents = 256) {
    this.k = k;
    this.numExperts = numExperts;
    this.ids = idArray(numExperts, Math.max(1, initialEvents) * k);
    this.counted = new Uint8Array(Math.max(1, initialEvents));
  }

  /** Number of events. */
  get length(): number {
    return this.events;
  }

  /** Appends one event: ids[0..k) in touch order. Grows by doubling (amortised, not per event). */
  push(ids: Int32Array, counted: boolean): void {
    if (this.events === this.counted.length) this.grow();
    const base = this.events * this.k;
    for (let i = 0; i < this.k; i++) this.ids[base + i] = ids[i];
    this.counted[this.events] = counted ? 1 : 0;
    this.events++;
  }

  /** Events [from, length) as plain arrays (ids in touch order, counted flags). */
  segment(from: number): { ids: number[]; counted: number[] } {
    return { ids: Array.from(this.ids.subarray(from * this.k, this.events * this.k)), counted: Array.from(this.counted.subarray(from, this.events)) };
  }

  /** Appends a segment() of another trace of the same k. */
  appendSegment(seg: { ids: number[]; counted: number[] }): void {
    const row = new Int32Array(this.k);
    seg.counted.forEach((c, e) => {
      for (let i = 0; i < this.k; i++) row[i] = seg.ids[e * this.k + i];
      this.push(row, c === 1);
    });
  }

  clear(): void {
    this.events = 0;
  }

  /** Test / tooling helper: a trace from plain arrays (every event counted unless told). */
  static from(events: readonly (readonly number[])[], counted?: readonly boolean[]): AccessTrace {
    const k = events.length > 0 ? events[0].length : 1;
    const numExperts = Math.max(1, ...events.flat().map((id) => id + 1));
    const trace = new AccessTrace(k, numExperts, events.length);
    const row = new Int32Array(k);
    events.forEach((ev, e) => {
      if (ev.length !== k) throw new Error(`event ${e} has ${ev.length} ids, expected ${k}`);
      row.set(ev);
      trace.push(row, counted ? counted[e] : true);
    });
    return trace;
  }

  private grow(): void {
    const ids = idArray(this.numExperts, this.ids.length * 2);
    ids.set(this.ids);
    this.ids = ids;
    const counted = new Uint8Array(this.counted.length * 2);
    counted.set(this.counted);
    this.counted = counted;
  }
}
