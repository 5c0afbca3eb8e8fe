// Registry of leaderboard sort keys (`--sort task,cache,accuracy:desc`) and the row order they give.
// Missing values sort last in either direction; the run path breaks every remaining tie, so the
// order is total and the output deterministic.

import { usageError } from '../../errors.js';
import type { LeaderboardRow, SortSpec } from './leaderboard-row.js';
import { quality } from './pareto.js';

export interface SortKey {
  readonly id: string;
  readonly label: string;
  readonly defaultDirection: 'asc' | 'desc';
  /** ascending comparison; null = missing */
  readonly value: (row: LeaderboardRow) => number | string | null;
}

const str = (s: string) => s;
const PARAM_ORDER = ['lambda', 'topJ', 'maxRank', 'threshold'];

const keys: readonly SortKey[] = [
  { id: 'task', label: 'task', defaultDirection: 'asc', value: (r) => str(r.task) },
  { id: 'model', label: 'model', defaultDirection: 'asc', value: (r) => str(r.model) },
  { id: 'cache', label: 'cache size', defaultDirection: 'asc', value: (r) => r.cache?.capacity ?? null },
  { id: 'policy', label: 'cache policy', defaultDirection: 'asc', value: (r) => r.cache?.policy ?? null },
  { id: 'strategy', label: 'strategy', defaultDirection: 'asc', value: (r) => str(r.strategy) },
  // parameters compare as zero-padded numbers so that λ=0.5 sorts before λ=1
  { id: 'params', label: 'parameters', defaultDirection: 'asc', value: (r) => PARAM_ORDER.map((k) => (r.params[k] ?? -1).toFixed(6).padStart(16, '0')).join('|') },
  { id: 'lambda', label: 'λ', defaultDirection: 'asc', value: (r) => r.params.lambda ?? null },
  { id: 'accuracy', label: 'accuracy (best first: perplexity ascending)', defaultDirection: 'desc', value: (r) => quality(r) },
  { id: 'delta', label: 'Δ vs topk', defaultDirection: 'desc', value: (r) => (r.deltaVsTopk === null ? null : r.metric.higherIsBetter ? r.deltaVsTopk.value : -r.deltaVsTopk.value) },
  { id: 'miss-rate', label: 'miss rate', defaultDirection: 'asc', value: (r) => r.missRate },
  { id: 'delta-lru', label: 'Δ vs LRU', defaultDirection: 'asc', value: (r) => r.deltaVsLru },
  { id: 'belady', label: 'Belady miss rate', defaultDirection: 'asc', value: (r) => r.beladyMissRate },
  { id: 'measured', label: 'measured ms/token', defaultDirection: 'asc', value: (r) => r.measured?.msPerToken ?? null },
  { id: 'modeled', label: 'modeled ms/token', defaultDirection: 'asc', value: (r) => r.modeled?.msPerToken ?? null },
  { id: 'speedup', label: 'speed-up', defaultDirection: 'desc', value: (r) => r.speedup?.value ?? null },
  { id: 'run', label: 'run', defaultDirection: 'asc', value: (r) => r.run },
];

const registry: ReadonlyMap<string, SortKey> = new Map(keys.map((k) => [k.id, k]));
export const SORT_KEY_IDS: readonly string[] = keys.map((k) => k.id);
export const DEFAULT_SORT = 'task,cache,accuracy:desc';

export function getSortKey(id: string): SortKey {
  const key = registry.get(id);
  if (!key) throw usageError('unknown-sort-key', `--sort: unknown key "${id}"; valid: ${SORT_KEY_IDS.join(', ')}`, 'pass keys separated by commas, each optionally suffixed :asc or :desc, e.g. --sort task,cache,accuracy:desc');
  return key;
}

/** "task,cache,accuracy:desc" → specs; an empty item or a bad direction is a usage error. */
export function parseSort(text: string): SortSpec[] {
  return text.split(',').map((item) => {
    const [id, direction, ...rest] = item.trim().split(':');
    const key = getSortKey(id);
    if (rest.length > 0 || (direction !== undefined && direction !== 'asc' && direction !== 'desc')) {
      throw usageError('bad-sort-direction', `--sort: "${item}" must be KEY, KEY:asc or KEY:desc`, `e.g. --sort ${DEFAULT_SORT}`);
    }
    return { key: key.id, direction: (direction as 'asc' | 'desc' | undefined) ?? key.defaultDirection };
  });
}

function compareValues(a: number | string | null, b: number | string | null, direction: 'asc' | 'desc'): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const c = a < b ? -1 : a > b ? 1 : 0;
  return direction === 'asc' ? c : -c;
}

/** Sorts in place and numbers the rows 1…n. */
export function sortRows(rows: LeaderboardRow[], specs: readonly SortSpec[]): void {
  const resolved = specs.map((s) => ({ key: getSortKey(s.key), direction: s.direction }));
  rows.sort((a, b) => {
    for (const { key, direction } of resolved) {
      const c = compareValues(key.value(a), key.value(b), direction);
      if (c !== 0) return c;
    }
    return compareValues(a.run, b.run, 'asc');
  });
  rows.forEach((r, i) => (r.rank = i + 1));
}

export const describeSort = (specs: readonly SortSpec[]): string =>
  specs.map((s) => `${getSortKey(s.key).id} ${s.direction === 'asc' ? '↑' : '↓'}`).join(', ');
