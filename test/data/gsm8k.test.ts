// GSM8K loaders (src/data/gsm8k.ts): the committed sample of the real JSON Lines files (their first
// rows, byte for byte), the openai/gsm8k-style parquet fixtures, and their equality. Expected
// counts, digests and texts were read from the sample files (wc -l, sha256sum, by eye).

import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGsm8k } from '../../src/data/index.js';
import { GSM8K_ROWS } from '../fixtures/data/make-parquet-fixtures.js';
import { FIXTURES, GSM8K_DIR, inputErrorOf, withTempDir } from './helpers.js';

const GSM8K_PARQUET = join(FIXTURES, 'hf/openai-gsm8k');
const JANET = {
  question:
    'Janet’s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers\' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers\' market?',
  answer: 'Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18 every day at the farmer’s market.\n#### 18',
};

describe('GSM8K, JSON Lines (committed sample)', () => {
  it('has 10 test and 8 train rows, every answer ending in "#### N"', async () => {
    const test = await loadGsm8k(GSM8K_DIR, 'test');
    const train = await loadGsm8k(GSM8K_DIR, 'train');
    expect(test.rows).toHaveLength(10);
    expect(train.rows).toHaveLength(8);
    expect(test.layout).toBe('jsonl');
    expect([...test.rows, ...train.rows].every((r) => /\n#### -?[0-9.,]+$/.test(r.answer))).toBe(true);
    expect(test.identity.sha256).toBe('c73251ecc8da95f6a1ffb21b5904b246680dd7e2211cabb683199827c9dd62bf');
    expect(test.identity.files).toEqual([
      { path: join(GSM8K_DIR, 'test.jsonl'), format: 'jsonl', sha256: test.identity.sha256, bytes: 5721, rows: 10 },
    ]);
  });

  it('reads spot-checked rows exactly (values read from the file by hand)', async () => {
    const test = await loadGsm8k(join(GSM8K_DIR, 'test.jsonl'), 'test');
    expect(test.rows[0]).toEqual(JANET);
    // the last line of the sample
    expect(test.rows[9]!.question).toBe(
      "Eliza's rate per hour for the first 40 hours she works each week is $10. She also receives an overtime pay of 1.2 times her regular hourly rate. If Eliza worked for 45 hours this week, how much are her earnings for this week?",
    );
    expect(test.rows[9]!.answer.endsWith("Thus, Eliza will receive a total of $400 + $60 = $<<400+60=460>>460 for this week's work.\n#### 460")).toBe(true);
    expect(test.locations[9]).toEqual({ file: join(GSM8K_DIR, 'test.jsonl'), line: 10 });
  });

  it('gives the same normalised records from the openai/gsm8k parquet fixtures', async () => {
    for (const split of ['train', 'test']) {
      const jsonl = await loadGsm8k(GSM8K_DIR, split);
      const parquet = await loadGsm8k(GSM8K_PARQUET, split);
      expect(parquet.layout).toBe('hf-parquet');
      expect(parquet.rows).toEqual(jsonl.rows.slice(0, GSM8K_ROWS));
    }
  });

  it('names the missing split file of a JSON Lines folder', async () => {
    await withTempDir(async (dir) => {
      await copyFile(join(GSM8K_DIR, 'test.jsonl'), join(dir, 'test.jsonl'));
      const error = await inputErrorOf(() => loadGsm8k(dir, 'train'));
      expect(error.code).toBe('data-split-missing');
      expect(error.message).toContain(join(dir, 'train.jsonl'));
    });
  });
});

describe('GSM8K, openai/gsm8k parquet layout (committed fixtures)', () => {
  it('reads the fixture snapshot and a single shard', async () => {
    const test = await loadGsm8k(GSM8K_PARQUET, 'test');
    expect(test.rows).toHaveLength(GSM8K_ROWS);
    expect(test.rows[0]).toEqual(JANET);
    expect(test.locations[0]).toEqual({ file: join(GSM8K_PARQUET, 'main/test-00000-of-00001.parquet'), row: 0 });
    const shard = await loadGsm8k(join(GSM8K_PARQUET, 'main/test-00000-of-00001.parquet'), 'test');
    expect(shard.rows).toEqual(test.rows);
    expect(shard.layout).toBe('parquet-file');
    expect(shard.identity.sha256).toBe(test.identity.sha256);
  });

  it('rejects another config folder, and an empty file', async () => {
    const error = await inputErrorOf(() => loadGsm8k(GSM8K_PARQUET, 'test', { config: 'socratic' }));
    expect(error.code).toBe('data-layout-unknown');
    expect(error.message).toContain(GSM8K_PARQUET);
    expect(error.hint).toContain('socratic/<split>-00000-of-00001.parquet');
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'test.jsonl'), '\n');
      expect((await inputErrorOf(() => loadGsm8k(join(dir, 'test.jsonl'), 'test'))).code).toBe('data-empty');
    });
  });
});
