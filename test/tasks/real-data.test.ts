// Facts of the committed samples of the real benchmark files as the task adapters see them.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGsm8k } from '../../src/data/index.js';
import { loglikelihoodRolling } from '../../src/tasks/adapters/loglikelihood-rolling.js';
import { buildFilter } from '../../src/tasks/filters.js';
import { loadTask } from '../../src/tasks/task-config.js';
import { loadTaskData } from '../../src/tasks/task-data.js';
import { loadTokenizer } from '../../src/tasks/tokenizer.js';
import { normalizeForExactMatch } from '../../src/scoring/exact-match.js';
import { SAMPLE_DATASETS } from '../helpers/fixtures.js';
import { OLMOE_TOKENIZER_DIR } from '../helpers/tokenizer-model.js';

const DATA = SAMPLE_DATASETS;

describe('real data', () => {
  it('all 10 GSM8K test answers of the sample parse to numbers with the strict-match filter', async () => {
    const task = loadTask('gsm8k');
    const strict = buildFilter(task.filters!.find((f) => f.name === 'strict-match')!.steps, 'strict');
    const rows = (await loadGsm8k(join(DATA, 'gsm8k'), 'test')).rows;
    expect(rows).toHaveLength(10);
    for (const r of rows) {
      const extracted = normalizeForExactMatch(strict(r.answer), task.metrics[0]);
      expect(Number.isFinite(Number(extracted)), `${r.answer.slice(-30)} -> ${extracted}`).toBe(true);
      // the reference after exact_match's normalisation is the same number
      expect(normalizeForExactMatch(r.answer, task.metrics[0])).toBe(extracted);
    }
  });

  it('the WikiText-2 sample with the OLMoE tokenizer makes 7 windows of 1,024 tokens', async () => {
    // "\n\n".join of the sample's 116 rows is 6,785 OLMoE tokens (counted with the Rust tokenizers
    // library's Node binding on test/fixtures/tokenizers/olmoe/tokenizer.json, no special tokens; the
    // same count on the whole wiki.test.raw gives its known 288,730 tokens); windows start every
    // 1,024 tokens while at least 2 tokens remain: floor((6785 - 2) / 1024) + 1 = 6 + 1 = 7, the last
    // holding 6785 - 6·1024 = 641 tokens.
    const task = loadTask('perplexity');
    const tokenizer = await loadTokenizer(OLMOE_TOKENIZER_DIR);
    const data = await loadTaskData(task, join(DATA, 'wikitext-2-raw', 'wiki.test.raw'), false);
    const settings = { protocol: 'windows', window: 1024 };
    const units = loglikelihoodRolling.units(task, data, { tokenizer, numFewshot: 0, limit: null, maxLength: 4096, settings });
    expect(units).toHaveLength(7);
  });

  it('the rolling protocol makes one unit per article of the WikiText-2 sample', async () => {
    // the sample is cut before its third top-level heading: two whole articles (Robert Boulter, Du Fu)
    const task = loadTask('perplexity');
    const tokenizer = await loadTokenizer(OLMOE_TOKENIZER_DIR);
    const data = await loadTaskData(task, join(DATA, 'wikitext-2-raw', 'wiki.test.raw'), false);
    const settings = { protocol: 'rolling', window: 1024 };
    const units = loglikelihoodRolling.units(task, data, { tokenizer, numFewshot: 0, limit: null, maxLength: 4096, settings });
    expect(units).toHaveLength(2);
  });
});
