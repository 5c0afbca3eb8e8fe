// `moe-eval report` through the built CLI: writes the markdown, CSV, JSON and charts beside each
// other (same content as the library renders), and exits 2 naming a malformed results document.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../e2e/cli.js';
import { copyRun, SWEEP_DIR, tempDir } from './helpers.js';

describe('moe-eval report (CLI)', () => {
  it('writes the leaderboard, its data and its linked charts', () => {
    const out = join(tempDir('report'), 'reports', 'leaderboard.md');
    const r = runCli(['report', SWEEP_DIR, '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.runs).toBe(16);
    const md = readFileSync(out, 'utf8');
    expect(md).toContain('# moe-eval leaderboard');
    for (const f of ['leaderboard.csv', 'leaderboard.json']) expect(existsSync(join(out, '..', f))).toBe(true);
    const links = [...md.matchAll(/\]\((leaderboard-charts\/[^)]+\.svg)\)/g)].map((m) => m[1]);
    expect(links.length).toBe(result.charts);
    for (const link of links) expect(existsSync(join(out, '..', link)), link).toBe(true);
  });

  it('exits 2 naming the file and field of a malformed run', () => {
    const dir = copyRun('mmlu-topk-c8');
    const doc = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    delete doc.latency.decode;
    writeFileSync(join(dir, 'results.json'), JSON.stringify(doc));
    const r = runCli(['report', dir, '--out', join(tempDir('report-bad'), 'lb.md')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(join(dir, 'results.json'));
    expect(r.stderr).toContain('latency.decode');
  });
});
