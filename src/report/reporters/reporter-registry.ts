// Registry of leaderboard reporters (kebab-case ids, `--formats`): markdown, csv, json.

import { usageError } from '../../errors.js';
import { csvReporter } from './csv-reporter.js';
import { jsonReporter } from './json-reporter.js';
import { markdownReporter } from './markdown-reporter.js';
import type { ReporterDefinition } from './reporter.js';

const definitions: readonly ReporterDefinition[] = [markdownReporter, csvReporter, jsonReporter];
const registry: ReadonlyMap<string, ReporterDefinition> = new Map(definitions.map((d) => [d.id, d]));
export const REPORTER_IDS: readonly string[] = definitions.map((d) => d.id);

export function getReporter(id: string): ReporterDefinition {
  const def = registry.get(id);
  if (!def) throw usageError('unknown-format', `--formats: unknown format "${id}"; valid: ${REPORTER_IDS.join(', ')}`, 'pass formats separated by commas, e.g. --formats markdown,csv');
  return def;
}

/** Comma-separated ids, in registry order (markdown first), duplicates ignored. */
export function parseFormats(text: string): ReporterDefinition[] {
  const ids = new Set(text.split(',').map((s) => s.trim()).filter((s) => s !== ''));
  if (ids.size === 0) throw usageError('no-formats', '--formats: name at least one format', `valid: ${REPORTER_IDS.join(', ')}`);
  for (const id of ids) getReporter(id);
  return definitions.filter((d) => ids.has(d.id));
}
