// The one versioned results document of a run (design.md "Results are one versioned JSON document
// per run; reports and gates read only that"), and the per-sample records beside it. A run
// directory holds results.json (this document), samples.jsonl (one SampleRecord per evaluated
// document, always written: resume reads it, gates pair samples with it) and, with --trace, the
// routing trace.

import type { DatasetIdentity } from '../data/types.js';
import type { ModeledLatency } from '../latency/modeled.js';
import type { RoutingRunReport } from '../routing/run-report.js';

export const RESULTS_SCHEMA = 'moe-eval.results/1';
export const RESULTS_FILE = 'results.json';
export const SAMPLES_FILE = 'samples.jsonl';

/**
 * Fields that hold wall-clock measurements or the date. Everything else in a results document is
 * deterministic: two identical runs give identical documents once these are removed.
 */
export const TIMING_FIELDS = ['run.createdAt', 'run.finishedAt', 'latency', 'memory', 'samples[].latency'] as const;

export interface MetricResult {
  /** lm-eval metric name: acc, exact_match, token_perplexity, word_perplexity, bits_per_byte */
  name: string;
  /** filter pipeline of generate-until tasks (strict-match, flexible-extract), else null */
  filter: string | null;
  value: number;
  /** standard error: closed form for means, seeded bootstrap for perplexity-type metrics; null when undefined (n < 2) */
  stderr: number | null;
  stderrMethod: 'mean' | 'pooled' | 'bootstrap' | null;
  higherIsBetter: boolean;
  /** samples (or windows / documents) aggregated */
  n: number;
}

export interface LatencyReport {
  /** model load, excluded from everything below */
  loadMs: number;
  /** evaluation wall time, model load excluded */
  evalMs: number;
  prefill: { tokens: number; totalMs: number; msPerToken: number | null; tokensPerSecond: number | null };
  decode: { tokens: number; meanMs: number | null; p50Ms: number | null; p95Ms: number | null; tokensPerSecond: number | null };
}

export interface ResultsDocument {
  schema: typeof RESULTS_SCHEMA;
  run: {
    /** "complete" when every selected sample was evaluated */
    status: 'complete' | 'partial';
    createdAt: string;
    finishedAt: string | null;
    tool: { name: 'moe-eval'; version: string; gitSha: string | null; node: string };
    /** the command line that produced it (argv after the binary) */
    argv: string[];
    /** set by `moe-eval merge`: the shards it joined and whether the result equals one unsharded run */
    merge?: { shards: number; dirs: string[]; identicalToUnsharded: boolean; reasons: string[] };
  };
  task: {
    name: string;
    version: number;
    outputType: 'multiple_choice' | 'generate_until' | 'loglikelihood_rolling';
    numFewshot: number;
    /** --limit (per subject for grouped tasks, as lm-eval), null = all */
    limit: number | null;
    /** task-specific settings, e.g. perplexity protocol and window */
    settings: Record<string, unknown>;
  };
  model: {
    requested: string;
    source: 'embedded' | 'directory' | 'hub-cache';
    path: string;
    modelType: string;
    configSha256: string;
    weightFiles: { path: string; sizeBytes: number }[];
    experts: number;
    topK: number;
    moeLayers: number[];
    bytesPerExpert: number;
    storedDtypes: string[];
    totalParameters: number;
    activeParameters: number;
  };
  dataset: DatasetIdentity & { label: 'embedded' | 'user' };
  /** every option of the run, resolved (flags and their defaults) */
  config: Record<string, unknown>;
  metrics: MetricResult[];
  /** per-group metrics (MMLU: per subject), sorted by name */
  groups: { name: string; n: number; metrics: MetricResult[] }[];
  /** routing configuration, live cache statistics and the replays of the original trace */
  routing: RoutingRunReport;
  latency: LatencyReport;
  /** peak resident memory and, with --offload, expert reads (measured) */
  memory?: Record<string, unknown>;
  /** per-token latency modeled for a target device (--device), labelled "modeled" */
  modeled?: ModeledLatency;
  samples: { total: number; evaluated: number; errors: number; file: typeof SAMPLES_FILE };
  /** present on the result of one shard (--shard I/N): merge them with `moe-eval merge` */
  shard?: { index: number; count: number; runIdentity: string; fullRunSamples: number };
}

/** One evaluated document (one line of samples.jsonl). */
export interface SampleRecord {
  /** position in the task's document order (after --limit selection) */
  index: number;
  /** stable id within the dataset, e.g. "abstract_algebra/test/12" or "gsm8k/test/7" */
  docId: string;
  /** MMLU subject etc. */
  group: string | null;
  /** per-sample metric values keyed "metric" or "metric,filter" (lm-eval style); perplexity: loglikelihood, tokens, words, bytes */
  values: Record<string, number>;
  /** a harness failure on this sample (never scored as a wrong answer) */
  error: string | null;
  /** routing of this sample: counted events, accesses, misses (mergeable) */
  routing: { events: number; accesses: number; misses: number };
  /** wall time of this sample's forward passes */
  latency: { prefillTokens: number; prefillMs: number; decodeMs: number[] };
  /** --log-samples: prompt, target, raw output, extracted answers */
  log?: Record<string, unknown>;
}
