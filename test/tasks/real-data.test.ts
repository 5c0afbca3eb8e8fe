// Facts of the real benchmark files as the task adapters see them.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGsm8k } from '../../src/data/index.js';
import { loglikelihoodRolling } from '../../src/tasks/adapters/loglikelihood-rolling.js';
import { buildFilter } from '../../src/tasks/filters.js';
import { loadTask } from '../../src/tasks/task-config.js';
import { loadTaskData } from '../../src/tasks/task-data.js';
import { loadTokenizer } from '../../src/tasks/tokenizer.js';
import { normalizeForExactMatch } from '../../src/scoring/exact-match.js';
import { SHARED_DIR, SHARED_PRESENT, SHARED_SKIP_MESSAGE } from '../helpers/fixtures.js';
import { OLMOE_TOKENIZER_DIR } from '../helpers/tokenizer-model.js';

const DATA = join(SHARED_DIR, 'datasets');

describe.skipIf(!SHARED_PRESENT)(`real data${SHARED_PRESENT ? '' : ` (skipped: ${SHARED_SKIP_MESSAGE})`}`, () => {
  it('all 1,319 GSM8K test answers parse to numbers with the strict-match filter', async () => {
    const task = loadTask('gsm8k');
    const strict = buildFilter(task.filters!.find((f) => f.name === 'strict-match')!.steps, 'strict');
    const rows = (await loadGsm8k(join(DATA, 'gsm8k'), 'test')).rows;
    expect(rows).toHaveLength(1319);
    for (const r of rows) {
      const extracted = normalizeForExactMatch(strict(r.answer), task.metrics[0]);
      expect(Number.isFinite(Number(extracted)), `${r.answer.slice(-30)} -> ${extracted}`).toBe(true);
      // the reference after exact_match's normalisation is the same number
      expect(normalizeForExactMatch(r.answer, task.metrics[0])).toBe(extracted);
    }
  });

  it('WikiText-2 test with the OLMoE tokenizer makes 282 windows of 1,024 tokens', async () => {
    // "\n\n".join of the 4,358 rows is 288,730 OLMoE tokens; windows start every 1,024 tokens while
    // at least 2 tokens remain: floor((288730 - 2) / 1024) + 1 = 281 + 1 = 282, the last holding
    // 288730 - 281·1024 = 986 tokens.
    const task = loadTask('perplexity');
    const tokenizer = await loadTokenizer(OLMOE_TOKENIZER_DIR);
    const data = await loadTaskData(task, join(DATA, 'wikitext-2-raw', 'wiki.test.raw'), false);
    const settings = { protocol: 'windows', window: 1024 };
    const units = loglikelihoodRolling.units(task, data, { tokenizer, numFewshot: 0, limit: null, maxLength: 4096, settings });
    expect(units).toHaveLength(282);
  });
});
