// `moe-eval calibrate`: measures the per-layer Δavg (mean of max(z) − min(z) of the router logits)
// of the model's own routing on a task, and writes it for --delta-avg, so that sharded runs of
// cache-prior share one fixed Δavg instead of each estimating its own.

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { MoeEvalCommand } from '../cli/base-command.js';
import { modelFlag, threadsFlag } from '../cli/flags.js';
import { createProgress } from '../cli/progress.js';
import { usageError } from '../errors.js';
import { DELTA_AVG_SCHEMA, type DeltaAvgFile } from '../routing/delta-avg-file.js';
import { runConfig } from '../run/config.js';
import { ensureWritableDir } from '../util/writable-dir.js';
import { taskNames } from '../tasks/task-config.js';
import { writeJsonAtomic } from '../util/atomic-file.js';

export default class Calibrate extends MoeEvalCommand {
  static override description = 'Measure the per-layer Δavg of the model\'s own routing on a task and write it for --delta-avg (fixed cache-prior state for exact sharding)';
  static override examples = ['<%= config.bin %> calibrate mmlu --limit 5 --out delta-avg.json', '<%= config.bin %> mmlu --cache 8 --strategy cache-prior --lambda 0.25 --delta-avg delta-avg.json --shard 0/4'];
  static override args = { task: Args.string({ description: `task (${taskNames().join(', ')})`, required: true }) };
  static override flags = {
    model: modelFlag,
    data: Flags.string({ description: 'dataset (default: the task\'s embedded set)', helpValue: 'PATH|HF_ID' }),
    limit: Flags.integer({ description: 'documents to calibrate on (per subject for MMLU)', min: 1 }),
    'num-fewshot': Flags.integer({ min: 0, description: 'few-shot examples (default: the task\'s)' }),
    out: Flags.string({ description: 'calibration file to write', required: true, helpValue: 'FILE' }),
    force: Flags.boolean({ description: 'replace a file at --out that is not a calibration file', default: false }),
    quiet: Flags.boolean({ default: false, description: 'no progress output' }),
    threads: threadsFlag,
  };

  async run(): Promise<DeltaAvgFile> {
    const { args, flags } = await this.parse(Calibrate);
    // the output is checked before the calibration runs, not after
    ensureWritableDir(dirname(flags.out), '--out');
    if (existsSync(flags.out) && !flags.force && !isCalibrationFile(flags.out)) {
      throw usageError('calibrate-would-overwrite', `--out ${flags.out} exists and is not a calibration file`, 'pass another --out, or --force to replace it');
    }
    const { withModel } = await import('../run/loaded-model.js');
    const { evaluateLoaded } = await import('../run/evaluate.js');
    const engine = { threads: flags.threads ?? null, precision: null, densePrecision: null, offload: false, ioBandwidthMBps: null };
    return withModel(flags.model ?? null, engine, async (loaded) => {
      // cache-prior with λ = 0 routes exactly as topk and keeps the running Δavg of every layer
      const config = runConfig({
        task: args.task, model: flags.model ?? null, data: flags.data ?? null, limit: flags.limit ?? null, numFewshot: flags['num-fewshot'] ?? null,
        output: join(mkdtempSync(join(tmpdir(), 'moe-eval-calibrate-')), 'run'), engine,
        routing: { strategy: 'cache-prior', params: { lambda: 0 }, cache: loaded.facts.experts },
      });
      const observer = createProgress(`calibrate ${args.task}`, flags.quiet || this.jsonEnabled());
      const { results } = await this.interruptible((signal) => evaluateLoaded(loaded, config, { argv: this.recordedArgv(), observer, signal }));
      const file: DeltaAvgFile = {
        schema: DELTA_AVG_SCHEMA,
        model: { path: loaded.source.dir, configSha256: loaded.facts.configSha256 },
        task: args.task,
        samples: results.samples.evaluated,
        layers: (results.routing.strategyState ?? []).map((s) => ({ layer: s.layer, deltaAvg: Number(s.deltaAvg), events: Number(s.deltaEvents) })),
      };
      writeJsonAtomic(flags.out, file);
      if (!this.jsonEnabled()) this.log(`Δavg of ${file.layers.length} MoE layers over ${file.samples} samples written to ${flags.out}`);
      return file;
    });
  }
}

function isCalibrationFile(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { schema?: unknown }).schema === DELTA_AVG_SCHEMA;
  } catch {
    return false;
  }
}
