// GSM8K loaders (src/data/gsm8k.ts): the real JSON Lines files, the openai/gsm8k-style parquet
// fixtures, and their equality.

import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGsm8k } from '../../src/data/index.js';
import { GSM8K_ROWS } from '../fixtures/data/make-parquet-fixtures.js';
import { FIXTURES, GSM8K_DIR, HAVE_SHARED, inputErrorOf, sharedNote, withTempDir } from './helpers.js';

const GSM8K_PARQUET = join(FIXTURES, 'hf/openai-gsm8k');
const JANET = {
  question:
    'Janet’s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers\' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers\' market?',
  answer: 'Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18 every day at the farmer’s market.\n#### 18',
};

describe.skipIf(!HAVE_SHARED)(`GSM8K, JSON Lines${sharedNote}`, () => {
  it('has 1,319 test and 7,473 train rows, every answer ending in "#### N"', async () => {
    const test = await loadGsm8k(GSM8K_DIR, 'test');
    const train = await loadGsm8k(GSM8K_DIR, 'train');
    expect(test.rows).toHaveLength(1319);
    expect(train.rows).toHaveLength(7473);
    expect(test.layout).toBe('jsonl');
    expect(test.rows.every((r) => /\n#### -?[0-9.,]+$/.test(r.answer))).toBe(true);
    expect(test.identity.sha256).toBe('3730d312f6e3440559ace48831e51066acaca737f6eabec99bccb9e4b3c39d14');
    expect(test.identity.files).toEqual([
      { path: join(GSM8K_DIR, 'test.jsonl'), format: 'jsonl', sha256: test.identity.sha256, bytes: test.identity.files[0]!.bytes, rows: 1319 },
    ]);
  });

  it('reads spot-checked rows exactly (values read from the file by hand)', async () => {
    const test = await loadGsm8k(join(GSM8K_DIR, 'test.jsonl'), 'test');
    expect(test.rows[0]).toEqual(JANET);
    expect(test.rows[1318]!.question).toBe(
      'Henry and 3 of his friends order 7 pizzas for lunch. Each pizza is cut into 8 slices. If Henry and his friends want to share the pizzas equally, how many slices can each of them have?',
    );
    expect(test.rows[1318]!.answer.endsWith('They can each have 56/4=<<56/4=14>>14 slices.\n#### 14')).toBe(true);
    expect(test.locations[1318]).toEqual({ file: join(GSM8K_DIR, 'test.jsonl'), line: 1319 });
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
