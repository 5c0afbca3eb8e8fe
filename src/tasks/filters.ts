// Answer filters of generate-until tasks, as lm-evaluation-harness's filters/extraction.py
// (RegexFilter) and filters/selection.py (TakeFirstFilter), in a registry by name. A filter
// pipeline maps the model's raw output to the extracted answer that metrics compare.

import { usageError } from '../errors.js';

export interface FilterStep {
  function: string;
  [option: string]: unknown;
}

type Filter = (response: string) => string;
type FilterFactory = (opts: FilterStep) => Filter;

/** lm-eval's fallback when the regex finds nothing */
export const INVALID_ANSWER = '[invalid]';

const FILTERS: Record<string, FilterFactory> = {
  /**
   * re.findall(pattern, response)[group_select] as lm-eval's RegexFilter; no match -> fallback.
   */
  regex: (o) => {
    const pattern = new RegExp(String(o.pattern), 'g');
    const groupSelect = Number(o.groupSelect ?? 0);
    const fallback = String(o.fallback ?? INVALID_ANSWER);
    return (response) => {
      const matches = [...response.matchAll(pattern)];
      if (matches.length === 0) return fallback;
      const i = groupSelect < 0 ? matches.length + groupSelect : groupSelect;
      const m = matches[i];
      if (!m) return fallback;
      // Python's findall: no group -> the match, one group -> that group, several -> a tuple
      // of which lm-eval keeps the first non-empty one (else the fallback); then .strip()
      if (m.length === 1) return m[0].trim();
      if (m.length === 2) return (m[1] ?? '').trim();
      const nonEmpty = m.slice(1).find((g) => g !== undefined && g !== '');
      return nonEmpty === undefined ? fallback : nonEmpty.trim();
    };
  },
  /** one response per request here, so take_first is the identity */
  take_first: () => (r) => r,
  strip: () => (r) => r.trim(),
  lowercase: () => (r) => r.toLowerCase(),
};

export const filterNames = () => Object.keys(FILTERS);

export function buildFilter(steps: FilterStep[], where: string): Filter {
  const fns = steps.map((s) => {
    const factory = FILTERS[s.function];
    if (!factory) throw usageError('filter-unknown', `${where}: unknown filter "${s.function}"; known: ${filterNames().join(', ')}`);
    return factory(s);
  });
  return (response) => fns.reduce((r, f) => f(r), response);
}
