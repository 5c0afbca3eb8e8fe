// The run folder: results.json, samples.jsonl (appended as samples finish), the routing checkpoint
// that counts them, the routing trace segments of runs whose caches carry across samples, and the
// lock of the process that owns it. Written so that nothing computed is lost: documents are replaced
// atomically, and the order of writes after each sample (trace segments, sample, checkpoint) lets a
// resume drop a sample written after the last checkpoint and evaluate it again.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { usageError } from '../errors.js';
import type { RoutingCheckpoint, TraceSegment } from '../routing/index.js';
import { writeJsonAtomic } from '../util/atomic-file.js';
import { describeDifference, firstDifference } from '../util/first-difference.js';
import { ensureWritableDir } from '../util/writable-dir.js';
import { SampleJournal } from './journal.js';
import { loadResults } from './results/read.js';
import { RESULTS_FILE, SAMPLES_FILE, type ResultsDocument, type SampleRecord } from './results/schema.js';
import { RunLock } from './run-lock.js';

export const CHECKPOINT_FILE = 'routing-checkpoint.json';
export const TRACE_SEGMENTS_FILE = 'routing-trace-segments.jsonl';

interface CheckpointFile {
  samplesDone: number;
  routing: RoutingCheckpoint;
}

/** What makes a folder's run the same run: its task, every option, its data and its model's weights. */
export interface RunIdentity {
  task: unknown;
  config: unknown;
  dataset: unknown;
  model: { configSha256: string; weightFiles: unknown };
}

export interface ResumeState {
  done: SampleRecord[];
  doneSegments: TraceSegment[][];
  checkpoint: RoutingCheckpoint | null;
  /** the folder's results document when its run is complete */
  complete: ResultsDocument | null;
}

export class RunFolder {
  readonly dir: string;
  private readonly lock: RunLock;
  private readonly samples: SampleJournal<SampleRecord>;
  private readonly segments: SampleJournal<TraceSegment[]>;
  private keepsSegments = false;

  constructor(dir: string) {
    this.dir = ensureWritableDir(dir, '--output');
    this.lock = new RunLock(this.dir);
    this.samples = new SampleJournal(join(this.dir, SAMPLES_FILE));
    this.segments = new SampleJournal(join(this.dir, TRACE_SEGMENTS_FILE));
  }

  /** This process owns the folder until release(); another owner is a usage error naming it. */
  acquire(): void {
    this.lock.acquire();
  }

  release(): void {
    this.samples.close();
    this.segments.close();
    this.lock.release();
  }

  /** A run was started here (it has samples.jsonl). */
  holdsRun(): boolean {
    return existsSync(join(this.dir, SAMPLES_FILE));
  }

  /**
   * What a resume continues from: the finished samples up to the last checkpoint and the routing
   * state. An empty folder starts the run (so orchestrators can always pass --resume); a folder of
   * another run is refused, naming the first field that differs.
   */
  resumeState(identity: RunIdentity): ResumeState {
    const resultsPath = join(this.dir, RESULTS_FILE);
    if (!existsSync(resultsPath)) return { done: [], doneSegments: [], checkpoint: null, complete: null };
    const previous = JSON.parse(readFileSync(resultsPath, 'utf8')) as Partial<RunIdentity> & { model?: Partial<RunIdentity['model']>; run?: { status?: string } };
    const recorded: RunIdentity = {
      task: previous.task,
      config: previous.config,
      dataset: previous.dataset,
      model: { configSha256: previous.model?.configSha256 ?? '', weightFiles: previous.model?.weightFiles },
    };
    const diff = firstDifference(identity, recorded);
    if (diff) {
      throw usageError('resume-mismatch', `--resume: ${this.dir} holds another run: ${describeDifference(diff, 'now', 'in the folder')}`, 'resume with exactly the same flags, data and model, or pass another --output');
    }
    const cpPath = join(this.dir, CHECKPOINT_FILE);
    const cp = existsSync(cpPath) ? (JSON.parse(readFileSync(cpPath, 'utf8')) as CheckpointFile) : null;
    const n = cp?.samplesDone ?? 0;
    const done = this.samples.readExisting().slice(0, n);
    const doneSegments = this.segments.readExisting().slice(0, n);
    if (done.length < n) throw usageError('resume-corrupt', `--resume: ${this.dir} records ${done.length} samples but its checkpoint counts ${n}`, 'start a new run in another --output');
    // a complete run handed back as it is (a sweep's finished point) must be a valid document
    const complete = previous.run?.status === 'complete' ? loadResults(resultsPath) : null;
    return { done, doneSegments, checkpoint: cp?.routing ?? null, complete };
  }

  /** Opens the journals after the finished samples and writes the document of a partial run. */
  begin(state: Pick<ResumeState, 'done' | 'doneSegments'>, keepsSegments: boolean, partial: unknown): void {
    this.samples.open(state.done);
    this.keepsSegments = keepsSegments;
    if (keepsSegments) this.segments.open(state.doneSegments);
    writeJsonAtomic(join(this.dir, RESULTS_FILE), partial);
  }

  /** One finished sample: its trace segments, the sample, then the checkpoint that counts it. */
  append(record: SampleRecord, samplesDone: number, checkpoint: { state: RoutingCheckpoint; traceSegments: TraceSegment[] | null }): void {
    if (this.keepsSegments && checkpoint.traceSegments) this.segments.append(checkpoint.traceSegments);
    this.samples.append(record);
    writeJsonAtomic(join(this.dir, CHECKPOINT_FILE), { samplesDone, routing: checkpoint.state } satisfies CheckpointFile, false);
  }

  /** The results document, replacing the partial one. */
  writeResults(doc: unknown): void {
    this.samples.close();
    this.segments.close();
    writeJsonAtomic(join(this.dir, RESULTS_FILE), doc);
  }
}
