// The shape of one gate check (a registry entry) and of its verdict: the row of the verdict table
// (check, baseline, run, limit, verdict) plus the raw numbers for --json.

import type { GateContext } from '../gate-context.js';

export type Verdict = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  /** kebab-case check id */
  id: string;
  label: string;
  baseline: string;
  run: string;
  limit: string;
  verdict: Verdict;
  /** past the limit, but by no more than z paired standard errors: not a failure */
  withinNoise: boolean;
  /** the arithmetic behind the verdict, or why it was skipped */
  detail: string;
  values: Record<string, number | string | null>;
}

export interface CheckDefinition {
  readonly id: string;
  /** enabled by its flag and meaningful for the judged metric */
  applies(ctx: GateContext): boolean;
  evaluate(ctx: GateContext): CheckResult;
}

export const num = (v: number | null | undefined, digits: number): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
export const signed = (v: number, digits: number): string => `${v >= 0 ? '+' : '-'}${Math.abs(v).toFixed(digits)}`;
export const pct = (v: number, digits = 1): string => `${v >= 0 ? '+' : '-'}${Math.abs(v * 100).toFixed(digits)}%`;

export function skipped(id: string, label: string, limit: string, detail: string, cells: { baseline?: string; run?: string } = {}): CheckResult {
  return { id, label, baseline: cells.baseline ?? '—', run: cells.run ?? '—', limit, verdict: 'skip', withinNoise: false, detail, values: {} };
}
