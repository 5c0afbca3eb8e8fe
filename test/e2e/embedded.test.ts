// The embedded default end to end, as a user right after `npm ci` runs it: no --model and no
// --data; and the project's CI gate (scripts/ci/gate-embedded.sh, reports/baselines/) passing the
// headline configuration and failing a deliberately degraded one.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/fixtures.js';
import { runCli } from './cli.js';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const results = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));

describe('the embedded model and datasets', () => {
  it('mmlu runs with no --model and no --data, and labels both embedded', () => {
    const out = tmp('emb-mmlu-');
    const r = runCli(['mmlu', '--cache', '8', '--limit', '2', '--output', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('on the embedded model [olmoe, 16 experts, top-2]');
    expect(r.stdout).toContain('embedded mmlu set');
    const doc = results(out);
    expect(doc.model.requested).toBe('embedded');
    expect(doc.dataset.label).toBe('embedded');
    // 5 subjects × --limit 2 (per subject, as lm-eval)
    expect(doc.metrics[0].n).toBe(10);
    expect(doc.routing.config.cache.capacityExpertsPerLayer).toBe(8);
  });
});

describe('CI gate on the embedded model (the subset of scripts/ci/gate-embedded.sh)', () => {
  // the same flags as the perplexity entry of scripts/ci/gate-embedded.sh, so the committed
  // baseline pairs sample by sample
  const subset = ['perplexity', '--limit', '8', '--cache', '8', '--strategy', 'cache-prior', '--quiet'];
  const baseline = join(ROOT, 'reports', 'baselines', 'embedded-perplexity-c8.json');

  it('passes the headline configuration (λ = 0.25)', () => {
    const out = tmp('emb-gate-ok-');
    expect(runCli([...subset, '--lambda', '0.25', '--output', out]).status).toBe(0);
    const g = runCli(['gate', '--baseline', baseline, '--results', out, '--latency-source', 'modeled']);
    expect(g.status, g.stdout + g.stderr).toBe(0);
  });

  it('fails a run whose routing over-favours cached experts (λ = 1): perplexity rises beyond noise', () => {
    const out = tmp('emb-gate-bad-');
    expect(runCli([...subset, '--lambda', '1', '--output', out]).status).toBe(0);
    const g = runCli(['gate', '--baseline', baseline, '--results', out, '--latency-source', 'modeled', '--json']);
    expect(g.status, g.stderr).toBe(1);
    const verdict = JSON.parse(g.stdout);
    const failed = verdict.runs[0].checks.filter((c: { verdict: string }) => c.verdict === 'fail').map((c: { id: string }) => c.id);
    expect(failed).toContain('perplexity-rise');
  });
});
