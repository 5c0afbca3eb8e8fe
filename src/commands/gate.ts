// `moe-eval gate --baseline FILE --results RUN_DIR…`: the CI regression gate (exit 0 pass, 1 fail,
// 2 bad input), and `--update-baseline` to write the baseline file deliberately.

import { Flags } from '@oclif/core';
import { MoeEvalCommand } from '../cli/base-command.js';
import { usageError } from '../errors.js';
import { updateBaseline, type BaselineSummary, type UpdateBaselineResult } from '../gate/baseline-file.js';
import { runGate, type GateReport } from '../gate/run-gate.js';
import { appendStepSummary } from '../gate/step-summary.js';
import { LATENCY_SOURCES, parseThresholds, THRESHOLD_FLAGS } from '../gate/thresholds.js';
import { renderVerdictMarkdown } from '../gate/verdict-table.js';

const limitFlag = (flag: keyof typeof THRESHOLD_FLAGS, description: string) =>
  Flags.string({ description: `${description} (a number, or "off")`, default: THRESHOLD_FLAGS[flag], helpValue: 'X', helpGroup: 'THRESHOLDS' });

export default class Gate extends MoeEvalCommand {
  static override description =
    'Compare runs with a baseline, sample by sample, and fail (exit 1) on an accuracy drop beyond noise, a perplexity rise, too many cache misses, too little miss reduction or a latency regression';
  static override examples = [
    '<%= config.bin %> gate --baseline reports/baselines/mmlu-c8.json --results runs/mmlu-c8',
    '<%= config.bin %> gate --baseline reports/baselines/mmlu-c8.json --results runs/a runs/b --max-accuracy-drop 0.02 --json',
    '<%= config.bin %> gate --update-baseline --results runs/mmlu-c8 --baseline reports/baselines/mmlu-c8.json',
  ];
  static override flags = {
    baseline: Flags.string({ description: 'baseline file (moe-eval.gate-baseline/1), or a run directory to compare with', required: true, helpValue: 'FILE' }),
    results: Flags.string({ description: 'run directories to gate', required: true, multiple: true, helpValue: 'RUN_DIR' }),
    'update-baseline': Flags.boolean({ description: 'write --baseline FILE from the one --results run instead of gating (replaces an existing file, printing old and new)', default: false }),
    'max-accuracy-drop': limitFlag('max-accuracy-drop', 'largest allowed drop of accuracy / exact match, absolute'),
    'max-perplexity-rise': limitFlag('max-perplexity-rise', 'largest allowed relative rise of perplexity'),
    'max-miss-rate': limitFlag('max-miss-rate', 'largest allowed expert miss rate of the run'),
    'min-miss-reduction': limitFlag('min-miss-reduction', 'smallest required relative miss-rate reduction vs topk routing with an LRU cache of the same size'),
    'max-miss-rate-rise': limitFlag('max-miss-rate-rise', "largest allowed relative rise of the miss rate vs the baseline's"),
    'max-latency-regression': limitFlag('max-latency-regression', 'largest allowed relative rise of ms/token vs the baseline'),
    'latency-source': Flags.string({ description: 'latency compared: modeled (deterministic), measured (noisy on CI) or off', options: [...LATENCY_SOURCES], default: 'modeled', helpGroup: 'THRESHOLDS' }),
    z: Flags.string({ description: 'noise allowance: a quality change fails only if change − limit > z × paired standard error', default: '1.96', helpValue: 'Z', helpGroup: 'THRESHOLDS' }),
    metric: Flags.string({ description: "metric to judge, NAME or NAME,FILTER (default: the baseline's headline metric)", helpValue: 'METRIC' }),
  };

  async run(): Promise<GateReport | UpdateBaselineResult> {
    const { flags } = await this.parse(Gate);
    if (flags['update-baseline']) {
      if (flags.results.length !== 1) throw usageError('update-baseline-one-run', `--update-baseline takes exactly one --results RUN_DIR; got ${flags.results.length}`, 'write one baseline file per task and cache configuration');
      const result = updateBaseline(flags.baseline, flags.results[0]);
      if (!this.jsonEnabled()) this.log(describeUpdate(result));
      return result;
    }
    const thresholds = parseThresholds(flags);
    const report = runGate({ baseline: flags.baseline, results: flags.results, thresholds, metric: flags.metric });
    const markdown = renderVerdictMarkdown(report);
    if (!this.jsonEnabled()) this.log(markdown.trimEnd());
    const summary = appendStepSummary(markdown);
    if ('failed' in summary) this.note(`warning: could not append to GITHUB_STEP_SUMMARY ${summary.failed}: ${summary.reason}`);
    process.exitCode = report.exitCode;
    return report;
  }
}

const line = (s: BaselineSummary) =>
  `${s.metric} ${s.value.toFixed(4)}${s.stderr !== null ? ` ± ${s.stderr.toFixed(4)}` : ''} over ${s.samples} samples${s.sampleErrors ? ` (+${s.sampleErrors} errors)` : ''}, ${s.strategy}, cache ${s.cache}, miss rate ${s.missRate === null ? '—' : s.missRate.toFixed(4)}`;

function describeUpdate(r: UpdateBaselineResult): string {
  const out = [`wrote baseline ${r.baseline} from ${r.run}: ${line(r.current)}`];
  if (r.replaced) out.push(r.previous ? `replaced the previous baseline: ${line(r.previous)}` : 'replaced a previous file that was not a readable baseline');
  return out.join('\n');
}
