// The task commands end to end on real benchmark rows (the committed samples, test/fixtures/datasets) with a tiny random model
// carrying the real OLMoE tokenizer: the documented results document, identical documents for
// identical runs (timing aside), the same numbers from Hugging Face parquet copies, resume after kill -9.

import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMmlu } from '../../src/data/index.js';
import { ROOT, SAMPLE_DATASETS } from '../helpers/fixtures.js';
import { makeTokenizerModel } from '../helpers/tokenizer-model.js';
import { runCli } from './cli.js';

const DATA = SAMPLE_DATASETS;

/** a results document without its wall-clock fields (TIMING_FIELDS) and the command line */
function deterministic(doc: Record<string, any>): Record<string, unknown> {
  const { run, latency, memory, ...rest } = doc;
  const { createdAt, finishedAt, argv, ...runRest } = run;
  return { ...rest, run: runRest };
}
const samplesOf = (dir: string) => readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => { const { latency, ...r } = JSON.parse(l); return r; });
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));

describe('task commands on real data', () => {
  let model: string;
  beforeAll(() => {
    model = makeTokenizerModel();
  });

  it('mmlu --limit runs every subject and two identical runs give identical documents', () => {
    const args = ['mmlu', '--model', model, '--data', join(DATA, 'mmlu-hendrycks'), '--limit', '2', '--cache', '4', '--strategy', 'cache-prior', '--lambda', '0.5', '--json'];
    const a = runCli([...args, '--output', join(tmp('moe-eval-run-'), 'r')]);
    const b = runCli([...args, '--output', join(tmp('moe-eval-run-'), 'r')]);
    expect(a.status, a.stderr).toBe(0);
    const doc = JSON.parse(a.stdout);
    expect(doc.schema).toBe('moe-eval.results/1');
    // the sample's test split: 6 subjects, each with at least 2 of its 42 records
    expect(doc.groups).toHaveLength(6);
    expect(doc.metrics[0]).toMatchObject({ name: 'acc', n: 12, stderrMethod: 'pooled' });
    expect(doc.dataset).toMatchObject({ label: 'user', kind: 'mmlu', rows: 42 });
    expect(doc.routing.config.strategy).toMatchObject({ id: 'cache-prior', params: { lambda: 0.5, topJ: 0 } });
    expect(doc.routing.summary.missRate).toBeGreaterThan(0);
    expect(doc.latency.prefill.tokens).toBeGreaterThan(0);
    expect(deterministic(JSON.parse(b.stdout))).toEqual(deterministic(doc));
  });

  it('gsm8k --log-samples records prompt, output and extracted answers', () => {
    const out = join(tmp('moe-eval-run-'), 'g');
    const r = runCli(['gsm8k', '--model', model, '--data', join(DATA, 'gsm8k'), '--limit', '2', '--output', out, '--log-samples', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.metrics.map((m: { filter: string }) => m.filter).sort()).toEqual(['flexible-extract', 'strict-match']);
    const s = samplesOf(out);
    expect(s).toHaveLength(2);
    expect(s[0].log.prompt.startsWith('Question: Natalia sold clips')).toBe(true);
    expect(s[0].log.prompt.endsWith("at the farmers' market?\nAnswer:")).toBe(true);
    expect(Object.keys(s[0].log.extracted).sort()).toEqual(['flexible-extract', 'strict-match']);
    expect(doc.latency.decode.tokens).toBeGreaterThan(0);
  });

  it('perplexity (windows protocol) reports token/word perplexity and bits per byte', () => {
    const r = runCli(['perplexity', '--model', model, '--data', join(DATA, 'wikitext-2-raw', 'wiki.test.raw'), '--limit', '2', '--window', '128', '--json', '--output', join(tmp('moe-eval-run-'), 'p')]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.metrics.map((m: { name: string }) => m.name)).toEqual(['token_perplexity', 'word_perplexity', 'bits_per_byte']);
    // a random model is close to uniform over 50k tokens: ln(ppl) ≈ ln(50304) ≈ 10.8
    expect(Math.log(doc.metrics[0].value)).toBeGreaterThan(9);
    expect(doc.metrics[0].n).toBe(2);
  });

  it('reads a Hugging Face parquet copy of MMLU to the same numbers as the Hendrycks CSV', async () => {
    const subjects = ['anatomy', 'astronomy'];
    const csvDir = tmp('moe-eval-csv-');
    const pqDir = tmp('moe-eval-pq-');
    mkdirSync(join(csvDir, 'test'));
    mkdirSync(join(pqDir, 'all'));
    for (const s of subjects) copyFileSync(join(DATA, 'mmlu-hendrycks', 'test', `${s}_test.csv`), join(csvDir, 'test', `${s}_test.csv`));
    const rows = (await loadMmlu(join(DATA, 'mmlu-hendrycks'), 'test', { subjects })).rows;
    const utf8 = (name: string) => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }) as const;
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'question', data: rows.map((r) => r.question) },
        { name: 'subject', data: rows.map((r) => r.subject) },
        { name: 'choices', data: rows.map((r) => [...r.choices]) },
        { name: 'answer', data: rows.map((r) => BigInt(r.answer)) },
      ] as never,
      schema: [
        { name: 'schema', num_children: 4 }, utf8('question'), utf8('subject'),
        { name: 'choices', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 }, { name: 'list', repetition_type: 'REPEATED', num_children: 1 }, utf8('element'),
        { name: 'answer', type: 'INT64', repetition_type: 'OPTIONAL' },
      ] as never,
    });
    writeFileSync(join(pqDir, 'all', 'test-00000-of-00001.parquet'), new Uint8Array(buf));
    const run = (data: string) => {
      const out = join(tmp('moe-eval-run-'), 'm');
      const r = runCli(['mmlu', '--model', model, '--data', data, '--limit', '3', '--cache', '4', '--json', '--output', out]);
      expect(r.status, r.stderr).toBe(0);
      return { doc: JSON.parse(r.stdout), samples: samplesOf(out) };
    };
    const csv = run(csvDir);
    const pq = run(pqDir);
    expect(pq.doc.dataset.layout).not.toBe(csv.doc.dataset.layout);
    expect(pq.doc.metrics).toEqual(csv.doc.metrics);
    expect(pq.doc.groups).toEqual(csv.doc.groups);
    expect(pq.doc.routing).toEqual(csv.doc.routing);
    expect(pq.samples).toEqual(csv.samples);
  });

  it('kill -9 then --resume ends with the results of an uninterrupted run', async () => {
    // all 42 test records of the sample (no --limit), so that the run can be killed part-way
    const args = ['mmlu', '--model', model, '--data', join(DATA, 'mmlu-hendrycks'), '--cache', '4', '--strategy', 'cache-prior', '--lambda', '0.5', '--cache-reset', 'never', '--quiet'];
    const whole = join(tmp('moe-eval-run-'), 'whole');
    expect(runCli([...args, '--output', whole]).status).toBe(0);

    const cut = join(tmp('moe-eval-run-'), 'cut');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args, '--output', cut], { stdio: 'ignore' });
    const samplesFile = join(cut, 'samples.jsonl');
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        const n = existsSync(samplesFile) ? readFileSync(samplesFile, 'utf8').split('\n').length - 1 : 0;
        if (n >= 8) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(poll);
        reject(new Error('the run finished before it could be killed'));
      });
    });
    await new Promise((r) => child.on('exit', r));
    const interrupted = readFileSync(samplesFile, 'utf8').trim().split('\n').length;
    expect(interrupted).toBeLessThan(42);
    const resumed = runCli([...args, '--output', cut, '--resume']);
    expect(resumed.status, resumed.stderr).toBe(0);
    const read = (d: string) => deterministic(JSON.parse(readFileSync(join(d, 'results.json'), 'utf8')));
    expect(read(cut)).toEqual(read(whole));
    expect(samplesOf(cut)).toEqual(samplesOf(whole));
  });
});

describe('bad task input exits 2', () => {
  it('a missing dataset path is named', () => {
    const r = runCli(['mmlu', '--model', makeTokenizerModel(), '--data', '/no/such/mmlu']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('/no/such/mmlu');
  });
  it('a model without tokenizer.json says so', () => {
    const r = runCli(['mmlu', '--model', join(ROOT, 'test', 'fixtures', 'golden', 'olmoe-e8k2-f32'), '--data', join(DATA, 'mmlu-hendrycks'), '--limit', '1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('tokenizer.json');
  });
});
