// The leaderboard as GitHub markdown: the table (one row per run), the notes that define every
// column, the charts (linked SVG files) and the list of runs. Only document data, no clock.

import { describeSort } from '../leaderboard/sort-keys.js';
import { MISSING, deltaCell, fixed, metricCell, metricName, milliseconds, percent, speedupText } from '../leaderboard/format.js';
import type { LeaderboardRow } from '../leaderboard/leaderboard-row.js';
import { getChart } from '../charts/chart-registry.js';
import type { ReportContext, ReporterDefinition } from './reporter.js';

const LRU_REPLAY_MARK = '†';
const PREFILL_MARK = 'ᵖ';
const MEASURED_MARK = 'ᵐ';

const escapeCell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

interface Column {
  header: string;
  align: 'left' | 'right' | 'center';
  cell: (r: LeaderboardRow) => string;
  /** shown only when some row has data for it */
  when?: (rows: readonly LeaderboardRow[]) => boolean;
}

const COLUMNS: readonly Column[] = [
  { header: '#', align: 'right', cell: (r) => String(r.rank) },
  { header: 'model', align: 'left', cell: (r) => r.model },
  { header: 'task', align: 'left', cell: (r) => r.task },
  { header: 'metric', align: 'left', cell: (r) => metricName(r) },
  { header: 'strategy', align: 'left', cell: (r) => r.strategy },
  { header: 'params', align: 'left', cell: (r) => r.paramsLabel || MISSING },
  { header: 'cache', align: 'left', cell: (r) => (r.cache ? `${r.cache.capacity} ${r.cache.policy}` : 'none') },
  { header: 'value ± stderr', align: 'right', cell: metricCell },
  { header: 'Δ vs topk', align: 'right', cell: deltaCell },
  { header: 'miss rate', align: 'right', cell: (r) => fixed(r.missRate, 3) },
  { header: 'Δ vs LRU', align: 'right', cell: (r) => (r.deltaVsLru === null ? MISSING : `${percent(r.deltaVsLru)}${r.lruReference?.source === 'own-replay' ? LRU_REPLAY_MARK : ''}`) },
  { header: 'Belady', align: 'right', cell: (r) => fixed(r.beladyMissRate, 3) },
  { header: 'ms/token measured', align: 'right', cell: (r) => (r.measured ? `${milliseconds(r.measured.msPerToken)}${r.measured.source === 'prefill' ? PREFILL_MARK : ''}` : MISSING) },
  { header: 'ms/token modeled', align: 'right', cell: (r) => (r.modeled ? milliseconds(r.modeled.msPerToken) : MISSING), when: (rows) => rows.some((r) => r.modeled !== null) },
  { header: 'speed-up', align: 'right', cell: (r) => (r.speedup ? `${speedupText(r.speedup.value)}${r.speedup.source === 'measured' ? MEASURED_MARK : ''}` : MISSING) },
  { header: 'Pareto', align: 'center', cell: (r) => (r.pareto ? '★' : '') },
];

const ALIGN = { left: ':--', right: '--:', center: ':-:' } as const;

function table(headers: readonly string[], aligns: readonly Column['align'][], body: readonly string[][]): string[] {
  return [`| ${headers.join(' | ')} |`, `|${aligns.map((a) => ALIGN[a]).join('|')}|`, ...body.map((cells) => `| ${cells.map(escapeCell).join(' | ')} |`)];
}

function notes(rows: readonly LeaderboardRow[]): string[] {
  const devices = [...new Set(rows.flatMap((r) => (r.modeled ? [r.modeled.device] : [])))].sort();
  const out = [
    'value ± stderr: the run’s headline metric from results.json (multiple choice: acc; generation: exact_match, strict-match; perplexity: word_perplexity) with its standard error.',
    'Δ vs topk: against the `topk` run of the same model, task, dataset, cache size and cache options (an LRU one when given; "baseline" marks it): accuracy as run − topk, perplexity as run / topk − 1; ± the paired standard error of the per-document differences over the documents both runs evaluated (matched by docId); — where no topk run was given.',
    `Δ vs LRU: miss rate relative to topk routing with an LRU cache of the same size, i.e. the live miss rate of that topk run; ${LRU_REPLAY_MARK} where no such run was given: relative to this run’s own LRU replay of its original top-k trace.`,
    'Belady: offline-optimal miss rate on this run’s own original top-k trace (no cache does better on that trace; cache-aware routing can, by changing the trace).',
    `ms/token measured: decode p50; ${PREFILL_MARK} prefill ms/token for tasks that generate nothing (multiple choice, perplexity). Wall-clock on the evaluating machine: expert loads are in it only for runs with --offload.`,
  ];
  if (devices.length > 0) out.push(`ms/token modeled: modeled latency on ${devices.map((d) => `\`${d}\``).join(', ')} (compute plus the expert loads of the misses).`);
  out.push(`speed-up: modeled speed-up over topk routing with an LRU cache of the same size on the same device (modeled.speedupVsTopkLru, whose reference is the LRU replay of the run’s original top-k trace); ${MEASURED_MARK} where the run has no modeled latency: the topk baseline’s measured ms/token ÷ this run’s.`);
  out.push('Pareto (★): no other run of the same task × cache size (same dataset and cache options) has a better or equal metric and a lower or equal miss rate, one of them strictly.');
  return out.map((n, i) => `${i + 1}. ${n}`);
}

function chartsSection(ctx: ReportContext): string[] {
  if (ctx.charts.length === 0) return [];
  const out = ['## Charts', ''];
  let current = '';
  for (const c of ctx.charts) {
    if (c.chart !== current) {
      current = c.chart;
      const def = getChart(c.chart);
      out.push(`### ${def.title}`, '', `${def.summary[0].toUpperCase()}${def.summary.slice(1)}.`, '');
    }
    out.push(`#### ${c.heading}`, '', `![${c.title}](${encodeURI(`${ctx.chartsDir}/${c.file}`)})`, '');
  }
  return out;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The memory block's headline (evaluator.ts memoryReport): peak RSS, and what --offload read. */
function memoryText(memory: Record<string, unknown> | null): string {
  if (!memory) return MISSING;
  const parts: string[] = [];
  if (typeof memory.peakRssBytes === 'number') parts.push(`peak RSS ${mib(memory.peakRssBytes)}`);
  if (memory.offload === true) parts.push(typeof memory.bytesRead === 'number' ? `offload, read ${mib(memory.bytesRead)}` : 'offload');
  const io = memory.ioBandwidth as { mbps?: number; label?: string } | null | undefined;
  if (memory.offload === true && io && typeof io.mbps === 'number') parts.push(`storage ${io.label ?? 'emulated'} at ${io.mbps} MB/s`);
  return parts.length ? parts.join('; ') : MISSING;
}

function runsSection(rows: readonly LeaderboardRow[]): string[] {
  const withMemory = rows.some((r) => r.memory !== null);
  const headers = ['#', 'run', 'status', 'samples', 'errors', 'model type', 'moe-eval', 'created', ...(withMemory ? ['memory'] : [])];
  const aligns: Column['align'][] = ['right', 'left', 'left', 'right', 'right', 'left', 'left', 'left', ...(withMemory ? (['left'] as const) : [])];
  const body = rows.map((r) => [
    String(r.rank),
    `[${r.run}](${encodeURI(`${r.run}/results.json`)})`,
    r.status,
    `${r.samples.evaluated}/${r.samples.total}`,
    String(r.samples.errors),
    r.modelType,
    r.toolVersion,
    r.createdAt,
    ...(withMemory ? [memoryText(r.memory)] : []),
  ]);
  return ['## Runs', '', ...table(headers, aligns, body), ''];
}

function render(ctx: ReportContext): string {
  const rows = ctx.leaderboard.rows;
  const columns = COLUMNS.filter((c) => !c.when || c.when(rows));
  const tasks = [...new Set(rows.map((r) => r.task))];
  const data = ['csv', 'json'].filter((id) => ctx.files[id]).map((id) => `[${id.toUpperCase()}](${encodeURI(ctx.files[id])})`);
  const lines = [
    '# moe-eval leaderboard',
    '',
    `${rows.length} run${rows.length === 1 ? '' : 's'} of ${tasks.join(', ')}, sorted by ${describeSort(ctx.leaderboard.sort)}, then run path. ★ marks the Pareto-optimal runs (metric vs miss rate, per task × cache size).${data.length ? ` The same data: ${data.join(', ')}.` : ''}`,
    '',
    ...table(
      columns.map((c) => c.header),
      columns.map((c) => c.align),
      rows.map((r) => columns.map((c) => c.cell(r))),
    ),
    '',
    ...notes(rows),
    '',
    ...chartsSection(ctx),
    ...runsSection(rows),
  ];
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

export const markdownReporter: ReporterDefinition = { id: 'markdown', extension: 'md', signature: '# moe-eval leaderboard\n', render };
