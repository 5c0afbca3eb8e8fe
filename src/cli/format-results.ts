// The human-readable summary of a results document printed by the task commands.

import { isAbsolute, join, relative } from 'node:path';
import { REPLAY_POLICY_IDS } from '../cache/cache-registry.js';
import type { ResultsDocument } from '../run/results/schema.js';
import type { MetricResult } from '../scoring/metric-result.js';

const pct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${(100 * x).toFixed(2)}%`);
const num = (x: number | null | undefined, d = 4) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((v, c) => v.padEnd(widths[c])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

const metricRow = (name: string, m: MetricResult): string[] => [name, m.filter ?? '', m.name, num(m.value), m.stderr === null ? 'n/a' : `± ${num(m.stderr)}`, String(m.n)];

/** A path under the working directory as a relative one: shorter, and the same on every machine. */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export function formatResults(r: ResultsDocument, runDir: string): string {
  const out: string[] = [];
  const data = r.dataset.label === 'embedded' ? `embedded ${r.dataset.kind} set (${shortPath(r.dataset.path)})` : r.dataset.source;
  out.push(`${r.task.name} (${r.task.numFewshot}-shot) on ${r.model.requested === 'embedded' ? 'the embedded model' : shortPath(r.model.path)} [${r.model.modelType}, ${r.model.experts} experts, top-${r.model.topK}]`);
  out.push(`data: ${data}, ${r.samples.evaluated} samples${r.samples.errors ? `, ${r.samples.errors} errors` : ''}`);
  const c = r.routing.config;
  out.push(`routing: ${c.strategy.id}${Object.keys(c.strategy.params).length ? ` ${JSON.stringify(c.strategy.params)}` : ''}; cache: ${c.cache ? `${c.cache.policy}, ${c.cache.capacityExpertsPerLayer} experts/layer, reset ${c.cacheReset}, prefill ${c.prefillCache}` : 'none'}`);
  out.push('');
  out.push(table([['task', 'filter', 'metric', 'value', 'stderr', 'n'], ...r.metrics.map((m) => metricRow(r.task.name, m)), ...r.groups.flatMap((g) => g.metrics.map((m) => metricRow(`  ${g.name}`, m)))]));
  const s = r.routing.summary;
  if (c.cache && r.routing.replays) {
    const rep = r.routing.replays.summary;
    out.push('');
    out.push(
      table([
        ['cache', 'miss rate', 'misses/token', 'MB moved', 'routing changed', 'mean residency (events)'],
        [`live (${c.strategy.id})`, pct(s.missRate), num(s.missesPerToken, 3), num(s.bytesMoved === null ? null : s.bytesMoved / 1e6, 1), pct(s.changedFraction), num(s.meanResidencyEvents, 1)],
        ...REPLAY_POLICY_IDS.map((p) => [`${p} on the original top-k trace`, pct(rep[p].missRate), num(rep[p].missesPerToken, 3), num(rep[p].bytesMoved === null ? null : rep[p].bytesMoved! / 1e6, 1), '', '']),
      ]),
    );
  }
  const l = r.latency;
  out.push('');
  out.push(
    `latency: prefill ${num(l.prefill.msPerToken, 3)} ms/token (${l.prefill.tokens} tokens)` +
      (l.decode.tokens ? `; decode mean ${num(l.decode.meanMs, 2)} / p50 ${num(l.decode.p50Ms, 2)} / p95 ${num(l.decode.p95Ms, 2)} ms/token, ${num(l.decode.tokensPerSecond, 1)} tokens/s` : '') +
      `; model load ${(l.loadMs / 1000).toFixed(2)} s (excluded)`,
  );
  const m = r.modeled;
  if (m) out.push(
    `modeled on ${m.device}: ${num(m.msPerToken, 2)} ms/token (${num(m.tokensPerSecond, 1)} tokens/s; compute ${num(m.computeMsPerToken, 2)} + expert loads ${num(m.loadMsPerToken, 2)})` +
      (m.speedupVsTopkLru !== null ? `, ${num(m.speedupVsTopkLru, 2)}x vs topk + LRU (${num(m.topkLruMsPerToken, 2)} ms/token)` : ''),
  );
  out.push(`results: ${shortPath(join(runDir, 'results.json'))}`);
  return out.join('\n');
}
