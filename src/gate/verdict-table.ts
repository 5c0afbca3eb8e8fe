// The gate's verdict as GitHub markdown (stdout and $GITHUB_STEP_SUMMARY): one table per run with
// columns check, baseline, run, limit, verdict, and the exact rule under it.

import type { CheckResult } from './checks/check.js';
import type { GateReport } from './run-gate.js';

const escapeCell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function verdictCell(c: CheckResult): string {
  if (c.verdict === 'fail') return `❌ **fail**: ${c.detail}`;
  if (c.verdict === 'skip') return `⏭️ skip: ${c.detail}`;
  return c.withinNoise ? `✅ pass, ${c.detail}` : '✅ pass';
}

export function renderVerdictMarkdown(report: GateReport): string {
  const t = report.thresholds;
  const lines = [
    `## moe-eval gate: ${report.pass ? '✅ PASS' : '❌ FAIL'}`,
    '',
    `Baseline \`${report.baseline.path}\` (${report.baseline.strategy}, cache ${report.baseline.cache}). Quality changes are paired over the same documents (docId) and fail only if change − limit > z·se, z = ${t.z}; latency source: ${t.latencySource}.`,
    '',
  ];
  for (const run of report.runs) {
    lines.push(`### \`${run.run}\`: ${run.pass ? '✅ pass' : '❌ fail'}`, '');
    const facts = [`${run.pairs} paired samples on ${run.metric}`];
    if (run.excluded > 0) facts.push(`${run.excluded} excluded for harness errors`);
    lines.push(`${[...facts, ...run.notes].join('; ')}.`, '');
    lines.push('| check | baseline | run | limit | verdict |', '|:--|--:|--:|:--|:--|');
    for (const c of run.checks) lines.push(`| ${[c.label, c.baseline, c.run, c.limit, verdictCell(c)].map(escapeCell).join(' | ')} |`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
