// Loads and validates a run folder (results.json + samples.jsonl, schema.ts) for reports, gates and
// merges. Every defect is an input error (exit 2) that names the file, the line and the field.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { inputError } from '../../errors.js';
import { describeIssues, RESULTS_FILE, resultsDocumentSchema, RUN_STATUSES, SAMPLES_FILE, sampleRecordSchema, type ResultsDocument, type RunStatus, type SampleRecord } from './schema.js';

export interface LoadedRun {
  /** absolute path of the run directory */
  dir: string;
  results: ResultsDocument;
  /** samples.jsonl in file order */
  samples: SampleRecord[];
}

const RUN_HINT = `a run directory holds ${RESULTS_FILE} and ${SAMPLES_FILE}, written by \`moe-eval mmlu|gsm8k|perplexity --output DIR\``;

/** The run directory of `path`: the directory itself, or the directory of a results.json file. */
function runDirOf(path: string): string {
  const abs = resolve(path);
  if (!existsSync(abs)) throw inputError('run-missing', `${path}: no such run directory`, RUN_HINT);
  return statSync(abs).isFile() && basename(abs) === RESULTS_FILE ? dirname(abs) : abs;
}

function readJsonFile(file: string): unknown {
  if (!existsSync(file)) throw inputError('results-missing', `${file}: missing (not a run directory?)`, RUN_HINT);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw inputError('results-malformed', `${file}: not valid JSON (${(err as Error).message})`, 'the file is damaged; re-run the evaluation');
  }
}

export function loadResults(file: string): ResultsDocument {
  const doc = readJsonFile(file);
  const status = runStatusOf(doc);
  // a running, killed or interrupted run has only its header: say so instead of a schema error
  if (status !== null && status !== 'complete') {
    const samples = (doc as { samples?: { evaluated?: number; total?: number } }).samples;
    const progress = samples?.evaluated !== undefined ? ` (${samples.evaluated} of ${samples.total} samples)` : '';
    throw inputError('run-incomplete', `${dirname(file)}: the run is ${status}${progress}, not complete`, 'finish it with the same flags and --resume, or leave it out');
  }
  const parsed = resultsDocumentSchema.safeParse(doc);
  if (!parsed.success) {
    throw inputError(
      'results-invalid',
      `${file}: ${describeIssues(parsed.error)}`,
      'the document does not follow the results schema moe-eval.results/1; was it written by another moe-eval version or edited by hand?',
    );
  }
  return parsed.data;
}

/** run.status of a results document, null when there is none. */
function runStatusOf(doc: unknown): RunStatus | null {
  const status = (doc as { run?: { status?: unknown } } | null)?.run?.status;
  return (RUN_STATUSES as readonly unknown[]).includes(status) ? (status as RunStatus) : null;
}

/**
 * samples.jsonl, validated line by line. A torn last line (a killed writer, as SampleJournal
 * tolerates) is dropped; the count check against results.json then decides whether it mattered.
 */
export function loadSamples(file: string): SampleRecord[] {
  if (!existsSync(file)) throw inputError('samples-missing', `${file}: missing`, RUN_HINT);
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: SampleRecord[] = [];
  const seen = new Map<string, number>();
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (lines.slice(i + 1).every((l) => l.trim() === '')) return;
      throw inputError('samples-malformed', `${file}: line ${i + 1} is not JSON`, 'the run directory is damaged; re-run the evaluation');
    }
    const parsed = sampleRecordSchema.safeParse(value);
    if (!parsed.success) throw inputError('samples-invalid', `${file}: line ${i + 1}: ${describeIssues(parsed.error)}`, 'each line must be one sample record of moe-eval.results/1');
    const rec = parsed.data;
    const prev = seen.get(rec.docId);
    if (prev !== undefined) throw inputError('samples-duplicate', `${file}: line ${i + 1}: docId "${rec.docId}" repeats line ${prev}`, 'a docId may appear once per run');
    seen.set(rec.docId, i + 1);
    out.push(rec);
  });
  return out;
}

export function loadRun(path: string): LoadedRun {
  const dir = runDirOf(path);
  const resultsFile = join(dir, RESULTS_FILE);
  const results = loadResults(resultsFile);
  const samplesFile = join(dir, results.samples.file);
  const samples = loadSamples(samplesFile);
  const errors = samples.filter((s) => s.error !== null).length;
  if (samples.length !== results.samples.evaluated || errors !== results.samples.errors) {
    throw inputError(
      'samples-count-mismatch',
      `${samplesFile}: ${samples.length} records (${errors} with errors) but ${resultsFile} samples.evaluated is ${results.samples.evaluated} (errors ${results.samples.errors})`,
      'the two files come from different runs or the run was interrupted; re-run (with --resume) to finish it',
    );
  }
  return { dir, results, samples };
}

const SKIP_DIRS = new Set(['node_modules', '.git']);

function findRunDirs(root: string): string[] {
  if (existsSync(join(root, RESULTS_FILE))) return [root];
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.isDirectory() && !SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) out.push(...findRunDirs(join(root, entry.name)));
  }
  return out;
}

/**
 * Run directories named by `paths`: a run directory or results.json as is; any other directory is
 * searched (recursively, sorted by name) for run directories, so a sweep's output root works.
 */
export function expandRunDirs(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    const dir = runDirOf(path);
    const found = statSync(dir).isDirectory() ? findRunDirs(dir) : [dir];
    if (found.length === 0) throw inputError('no-runs-found', `${path}: no ${RESULTS_FILE} in it or below it`, RUN_HINT);
    for (const d of found) if (!out.includes(d)) out.push(d);
  }
  return out;
}
