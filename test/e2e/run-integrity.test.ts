// Run bookkeeping that must never be wrong silently: a folder's identity is its full config (sweep,
// resume and merge refuse another run, naming the field), one process owns a folder, no command
// writes over its inputs or over files it did not write, bad output paths and input problems are
// exit 2 before any work, Ctrl-C leaves a resumable, clearly marked run, and questionable input
// lands in the results as warnings. Each case failed before the run core handled it.

import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SAMPLE_DATASETS } from '../helpers/fixtures.js';
import { makeTokenizerModel } from '../helpers/tokenizer-model.js';
import { runCli } from './cli.js';

const tmp = (p = 'moe-eval-integrity-') => mkdtempSync(join(tmpdir(), p));
const readJson = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const lines = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l.trim() !== '').length : 0);
const MMLU = join(SAMPLE_DATASETS, 'mmlu-hendrycks');

/** a Hendrycks-layout copy of the sample with the given subjects' test files (and dev files) */
function mmluCopy(subjects: string[], opts: { emptyTest?: string; devRows?: number } = {}): string {
  const dir = tmp();
  for (const split of ['test', 'dev']) mkdirSync(join(dir, split));
  for (const s of subjects) {
    copyFileSync(join(MMLU, 'test', `${s}_test.csv`), join(dir, 'test', `${s}_test.csv`));
    const dev = readFileSync(join(MMLU, 'dev', `${s}_dev.csv`), 'utf8').split('\n');
    writeFileSync(join(dir, 'dev', `${s}_dev.csv`), opts.devRows === undefined ? dev.join('\n') : `${dev.slice(0, opts.devRows).join('\n')}\n`);
  }
  if (opts.emptyTest) writeFileSync(join(dir, 'test', `${opts.emptyTest}_test.csv`), '');
  return dir;
}

describe('a run folder belongs to one run', () => {
  it('sweep refuses a complete point of other flags, naming the field, and skips one of the same flags', () => {
    const out = join(tmp(), 'S');
    const base = ['sweep', '--task', 'perplexity', '--cache', '8', '--strategy', 'topk', '--output', out, '--quiet'];
    expect(runCli([...base, '--limit', '2']).status).toBe(0);
    const same = runCli([...base, '--limit', '2']);
    expect(same.status).toBe(0);
    expect(same.stderr).toContain('already complete, skipped');
    const other = runCli([...base, '--limit', '3', '--policy', 'lfu', '--seed', '99']);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/task\.limit: 3 now, 2 in the folder/);
    expect(readJson(join(out, 'perplexity', 'c8', 'topk', 'results.json')).config).toMatchObject({ limit: 2, policy: 'lru' });
  });

  it('--resume with another config names the first differing field, not the whole config', () => {
    const out = join(tmp(), 'r');
    expect(runCli(['gsm8k', '--limit', '2', '--cache', '8', '--output', out, '--quiet']).status).toBe(0);
    const r = runCli(['gsm8k', '--limit', '2', '--cache', '8', '--strategy', 'cache-prior', '--lambda', '1', '--output', out, '--resume', '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('config.strategy: "cache-prior" now, "topk" in the folder');
    expect(r.stderr.length).toBeLessThan(600);
  });

  it('a live lock refuses a second process, naming it; a stale one is taken over', () => {
    const out = join(tmp(), 'locked');
    mkdirSync(out);
    writeFileSync(join(out, 'run.lock'), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2026-12-04T10:00:00Z' }));
    const busy = runCli(['mmlu', '--limit', '1', '--cache', '8', '--output', out, '--quiet']);
    expect(busy.status).toBe(2);
    expect(busy.stderr).toContain(`in use by process ${process.pid}`);
    expect(existsSync(join(out, 'samples.jsonl'))).toBe(false);

    // a pid that cannot exist on this host: the owner died, the lock is stale
    writeFileSync(join(out, 'run.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), startedAt: '2026-12-04T10:00:00Z' }));
    const r = runCli(['mmlu', '--limit', '1', '--cache', '8', '--output', out, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
  });

  it('two processes started together on one folder: one runs, the other exits 2, and the folder holds one run', async () => {
    const out = join(tmp(), 'D');
    const start = (extra: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const p = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'gsm8k', '--limit', '6', '--cache', '8', '--output', out, '--resume', '--quiet', ...extra]);
        let stderr = '';
        p.stderr.on('data', (d) => (stderr += d));
        p.on('exit', (code) => resolve({ code, stderr }));
      });
    const [a, b] = await Promise.all([start([]), start(['--strategy', 'cache-prior', '--lambda', '1'])]);
    expect([a.code, b.code].sort()).toEqual([0, 2]);
    const loser = a.code === 2 ? a : b;
    expect(loser.stderr).toMatch(/in use by process|holds another run/);
    const doc = readJson(join(out, 'results.json'));
    const winnerStrategy = a.code === 0 ? 'topk' : 'cache-prior';
    expect(doc.config.strategy).toBe(winnerStrategy);
    expect(lines(join(out, 'samples.jsonl'))).toBe(6);
    expect(runCli(['report', out, '--out', join(tmp(), 'lb.md')]).status).toBe(0);
  });
});

describe('no command writes over its inputs or over files it did not write', () => {
  let shards: string[];
  let root: string;
  beforeAll(() => {
    root = tmp();
    shards = [0, 1].map((i) => join(root, `shard-${i}`));
    for (const [i, d] of shards.entries()) expect(runCli(['perplexity', '--limit', '4', '--cache', '8', '--shard', `${i}/2`, '--output', d, '--quiet']).status).toBe(0);
  });

  it('merge --out one of its shards exits 2 and leaves the shard intact', () => {
    const before = readFileSync(join(shards[0], 'results.json'), 'utf8');
    const r = runCli(['merge', ...shards, '--out', shards[0]]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('would destroy it');
    expect(readFileSync(join(shards[0], 'results.json'), 'utf8')).toBe(before);
    const ok = runCli(['merge', ...shards, '--out', join(root, 'merged'), '--json']);
    expect(ok.status, ok.stderr).toBe(0);
    // a second merge may replace its own output
    expect(runCli(['merge', ...shards, '--out', join(root, 'merged')]).status).toBe(0);
  });

  it('merge refuses a folder that holds another run unless --force', () => {
    const r = runCli(['merge', ...shards, '--out', join(root, 'shard-1', '..', 'shard-1-copy')]);
    expect(r.status).toBe(0);
    const other = join(tmp(), 'run');
    expect(runCli(['perplexity', '--limit', '1', '--output', other, '--quiet']).status).toBe(0);
    const refused = runCli(['merge', ...shards, '--out', other]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('already holds a run that merge did not write');
    expect(runCli(['merge', ...shards, '--out', other, '--force']).status).toBe(0);
  });

  it('merge of shards of different runs names the differing field', () => {
    const odd = join(tmp(), 'odd-1');
    expect(runCli(['perplexity', '--limit', '4', '--cache', '6', '--shard', '1/2', '--output', odd, '--quiet']).status).toBe(0);
    const r = runCli(['merge', shards[0], odd, '--out', join(tmp(), 'm')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('config.cache: 8 in');
    expect(r.stderr).toContain(`6 in ${odd}`);
  });

  it('report without --out writes beside the runs it reads, never into the working directory', () => {
    const cwd = tmp('moe-eval-cwd-');
    mkdirSync(join(cwd, 'reports'));
    writeFileSync(join(cwd, 'reports', 'leaderboard.md'), 'a committed page\n');
    const r = runCli(['report', shards[0], shards[1]], { cwd });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(root, 'leaderboard.md'))).toBe(true);
    expect(readFileSync(join(cwd, 'reports', 'leaderboard.md'), 'utf8')).toBe('a committed page\n');
    expect(readdirSync(join(cwd, 'reports'))).toEqual(['leaderboard.md']);
  });

  it('report refuses to replace a file it did not write unless --force', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'notes.md'), '# my notes\n');
    const r = runCli(['report', shards[0], '--out', join(dir, 'notes.md')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('was not written by moe-eval report');
    expect(readFileSync(join(dir, 'notes.md'), 'utf8')).toBe('# my notes\n');
    expect(runCli(['report', shards[0], '--out', join(dir, 'notes.md'), '--force']).status).toBe(0);
    // its own page it replaces without asking
    expect(runCli(['report', shards[0], '--out', join(dir, 'notes.md')]).status).toBe(0);
  });
});

describe('input problems are exit 2 before any work', () => {
  it('unwritable output paths name their flag', () => {
    const cases: [string[], string][] = [
      [['mmlu', '--limit', '1', '--output', '/etc/passwd/x'], '--output /etc/passwd/x'],
      [['report', 'test/fixtures/runs/sweep/mmlu-topk-c8', '--out', '/etc/passwd/x.md'], '--out'],
      [['merge', 'test/fixtures/runs/sweep/mmlu-topk-c8', '--out', '/etc/passwd/x'], '--out /etc/passwd/x'],
      [['calibrate', 'gsm8k', '--out', '/etc/passwd/x.json'], '--out'],
    ];
    for (const [args, flag] of cases) {
      const t0 = performance.now();
      const r = runCli(args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(flag);
      expect(r.stderr).not.toContain('internal');
      expect(performance.now() - t0).toBeLessThan(20_000);
    }
  });

  it('more few-shot examples than the few-shot split holds is a usage error naming --num-fewshot', () => {
    const many = runCli(['mmlu', '--num-fewshot', '50', '--limit', '1', '--output', join(tmp(), 'r')]);
    expect(many.status).toBe(2);
    expect(many.stderr).toMatch(/--num-fewshot 50: the dev split has only 60 examples|--num-fewshot 50: the dev split has only \d+ example/);
    const data = mmluCopy(['anatomy'], { devRows: 2 });
    const two = runCli(['mmlu', '--model', makeTokenizerModel(), '--data', data, '--num-fewshot', '5', '--limit', '1', '--output', join(tmp(), 'r')]);
    expect(two.status).toBe(2);
    expect(two.stderr).toContain('--num-fewshot 5: the dev split has only 2 examples for anatomy');
  });

  it('a --delta-avg file calibrated on another model is refused', () => {
    const cal = join(tmp(), 'delta.json');
    const model = makeTokenizerModel();
    expect(runCli(['calibrate', 'mmlu', '--model', model, '--data', mmluCopy(['anatomy']), '--limit', '1', '--out', cal, '--quiet']).status).toBe(0);
    const r = runCli(['mmlu', '--limit', '1', '--cache', '8', '--strategy', 'cache-prior', '--lambda', '0.25', '--delta-avg', cal, '--output', join(tmp(), 'r')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('was calibrated on another model');
  });

  it('a tokenizer whose ids exceed the vocabulary names tokenizer.json and leaves no run folder', () => {
    const model = makeTokenizerModel({ vocab_size: 512 });
    const out = join(tmp(), 'r');
    const r = runCli(['mmlu', '--model', model, '--data', mmluCopy(['anatomy']), '--limit', '1', '--output', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(join(model, 'tokenizer.json'));
    expect(r.stderr).toContain('vocab_size 512');
    expect(existsSync(out)).toBe(false);
  });
});

describe('interrupts', () => {
  it('SIGINT finishes the sample in flight, marks the run interrupted, says how to continue; report and gate name it; --resume finishes it', async () => {
    const out = join(tmp(), 'i');
    const args = ['gsm8k', '--limit', '12', '--cache', '8', '--strategy', 'cache-prior', '--lambda', '0.25', '--output', out, '--quiet'];
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args]);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (lines(join(out, 'samples.jsonl')) >= 2) {
          clearInterval(poll);
          child.kill('SIGINT');
          resolve();
        }
      }, 20);
      child.on('exit', () => reject(new Error('the run finished before it could be interrupted')));
    });
    expect(await exit).toBe(130);
    expect(stderr).toMatch(/Interrupted: interrupted after \d+ of 12 samples/);
    expect(stderr).toContain('--resume');
    const doc = readJson(join(out, 'results.json'));
    expect(doc.run.status).toBe('interrupted');
    const done = lines(join(out, 'samples.jsonl'));
    expect(doc.samples.evaluated).toBe(done);
    expect(readJson(join(out, 'routing-checkpoint.json')).samplesDone).toBe(done);
    expect(existsSync(join(out, 'run.lock'))).toBe(false);

    const report = runCli(['report', out, 'test/fixtures/runs/sweep/mmlu-topk-c8', '--out', join(tmp(), 'lb.md')]);
    expect(report.status).toBe(0);
    expect(report.stderr).toContain(`left out: ${out}: the run is interrupted`);
    const gate = runCli(['gate', '--baseline', 'reports/baselines/embedded-gsm8k-c8.json', '--results', out]);
    expect(gate.status).toBe(2);
    expect(gate.stderr).toContain('the run is interrupted');

    const resumed = runCli([...args, '--resume']);
    expect(resumed.status, resumed.stderr).toBe(0);
    const whole = join(tmp(), 'whole');
    expect(runCli([...args.slice(0, -3), '--output', whole, '--quiet']).status).toBe(0);
    const strip = (d: any) => ({ ...d, run: null, latency: null, memory: null });
    expect(strip(readJson(join(out, 'results.json')))).toEqual(strip(readJson(join(whole, 'results.json'))));
  });
});

describe('warnings land in the results and on stderr', () => {
  let model: string;
  beforeAll(() => {
    model = makeTokenizerModel({ max_position_embeddings: 256 });
  });

  it('an empty subject file among others', () => {
    const r = runCli(['mmlu', '--model', model, '--data', mmluCopy(['anatomy', 'virology'], { emptyTest: 'astronomy' }), '--limit', '1', '--output', join(tmp(), 'r'), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.groups.map((g: { name: string }) => g.name)).toEqual(['anatomy', 'virology']);
    expect(doc.warnings).toEqual([expect.objectContaining({ code: 'data-empty-file', message: expect.stringContaining('astronomy_test.csv has no rows') })]);
    expect(r.stderr).toContain('warning:');
    expect(r.stderr).toContain('astronomy_test.csv has no rows');
  });

  it('5-shot contexts left-truncated to the model positions are counted', () => {
    const r = runCli(['mmlu', '--model', model, '--data', mmluCopy(['astronomy']), '--num-fewshot', '5', '--limit', '3', '--output', join(tmp(), 'r'), '--json', '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    const w = doc.warnings.find((x: { code: string }) => x.code === 'context-truncated');
    expect(w.message).toMatch(/^3 of 3 contexts were left-truncated/);
    expect(r.stderr).toContain('left-truncated');
  });

  it('a window beyond the model positions is refused unless --allow-long-window', () => {
    const text = join(SAMPLE_DATASETS, 'wikitext-2-raw', 'wiki.test.raw');
    const refused = runCli(['perplexity', '--model', model, '--data', text, '--window', '512', '--limit', '1', '--output', join(tmp(), 'r')]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("--window 512 is longer than the model's 256 positions");
    const allowed = runCli(['perplexity', '--model', model, '--data', text, '--window', '512', '--limit', '1', '--allow-long-window', '--output', join(tmp(), 'r'), '--json', '--quiet']);
    expect(allowed.status, allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout).warnings.map((w: { code: string }) => w.code)).toContain('window-beyond-positions');
  });

  it('whitespace-only text: the non-finite word perplexity is left out with a warning', () => {
    const file = join(tmp(), 'blank.txt');
    writeFileSync(file, ' \n \n\t\n   \n');
    const r = runCli(['perplexity', '--model', model, '--data', file, '--window', '8', '--output', join(tmp(), 'r'), '--json', '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.metrics.map((m: { name: string }) => m.name)).not.toContain('word_perplexity');
    expect(doc.warnings).toContainEqual(expect.objectContaining({ code: 'metric-not-finite', message: expect.stringContaining('word_perplexity is Infinity') }));
  });
});

describe('what commands record and print', () => {
  it('run.argv records the subcommand', () => {
    const r = runCli(['gsm8k', '--limit', '1', '--output', join(tmp(), 'r'), '--json', '--quiet']);
    expect(JSON.parse(r.stdout).run.argv.slice(0, 3)).toEqual(['gsm8k', '--limit', '1']);
  });

  it('logits without --json prints each position\'s top logits and every routing decision', () => {
    const r = runCli(['logits', '--model', 'test/fixtures/golden/olmoe-e8k2-f32', '--tokens', '1,2,3']);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(runCli(['logits', '--model', 'test/fixtures/golden/olmoe-e8k2-f32', '--tokens', '1,2,3', '--json']).stdout);
    for (const rec of json.routing) expect(r.stdout).toContain(`  layer ${rec.layer}: experts ${rec.selected.map((e: number, i: number) => `${e} (${rec.weights[i].toFixed(4)})`).join(', ')}`);
    const row0: number[] = json.logits[0];
    expect(r.stdout).toContain(`position 0 token 1: argmax ${row0.indexOf(Math.max(...row0))}`);
  });
});
