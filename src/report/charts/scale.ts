// Linear scales with "nice" tick steps (1, 2, 2.5, 5 × 10^k), as plotting libraries choose them,
// so axes read 0.10 0.20 0.30 rather than 0.137 0.274.

export interface NiceAxis {
  min: number;
  max: number;
  step: number;
  ticks: number[];
  /** decimals that print every tick exactly */
  decimals: number;
}

export function niceAxis(lo: number, hi: number, targetTicks = 5, opts: { includeZero?: boolean } = {}): NiceAxis {
  let a = Math.min(lo, hi);
  let b = Math.max(lo, hi);
  if (opts.includeZero) a = Math.min(a, 0);
  if (!Number.isFinite(a) || !Number.isFinite(b)) [a, b] = [0, 1];
  if (a === b) {
    const pad = a === 0 ? 1 : Math.abs(a) * 0.1;
    a -= pad;
    b += pad;
  }
  const raw = (b - a) / targetTicks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const min = Math.floor(a / step + 1e-9) * step;
  const max = Math.ceil(b / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = min; v <= max + step * 1e-6; v += step) ticks.push(Math.round(v / step) * step);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (String(step / mag).includes('.') ? 1 : 0));
  return { min, max, step, ticks, decimals };
}

/** Maps [d0, d1] onto [r0, r1]. */
export const linear = (d0: number, d1: number, r0: number, r1: number) => (v: number): number => (d1 === d0 ? (r0 + r1) / 2 : r0 + ((v - d0) / (d1 - d0)) * (r1 - r0));
