// Prompts equal lm-evaluation-harness's byte for byte on real rows (the committed samples of MMLU and
// GSM8K): the expected strings are written out here from lm-eval's task definitions (mmlu/default,
// gsm8k), not produced by our code.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGsm8k, loadMmlu } from '../../src/data/index.js';
import { encodePair, fewshotContext } from '../../src/tasks/prompt.js';
import { loadTask } from '../../src/tasks/task-config.js';
import { loadTokenizer } from '../../src/tasks/tokenizer.js';
import { SAMPLE_DATASETS } from '../helpers/fixtures.js';
import { OLMOE_TOKENIZER_DIR } from '../helpers/tokenizer-model.js';

const MMLU = join(SAMPLE_DATASETS, 'mmlu-hendrycks');
const GSM8K = join(SAMPLE_DATASETS, 'gsm8k');

describe('prompts on real data', () => {
  it('MMLU 0-shot, abstract_algebra test row 0', async () => {
    const task = loadTask('mmlu');
    const doc = (await loadMmlu(MMLU, 'test', { subjects: ['abstract_algebra'] })).rows[0];
    expect(fewshotContext(task, { ...doc }, [])).toBe(
      'The following are multiple choice questions (with answers) about abstract algebra.\n\n' +
        'Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.\nA. 0\nB. 4\nC. 2\nD. 6\nAnswer:',
    );
  });

  it('MMLU 5-shot takes the first five dev rows of the subject, answers as " X\\n\\n"', async () => {
    const task = loadTask('mmlu');
    const doc = (await loadMmlu(MMLU, 'test', { subjects: ['abstract_algebra'] })).rows[1];
    const dev = (await loadMmlu(MMLU, 'dev', { subjects: ['abstract_algebra'] })).rows.slice(0, 5);
    const expected =
      'The following are multiple choice questions (with answers) about abstract algebra.\n\n' +
      'Find all c in Z_3 such that Z_3[x]/(x^2 + c) is a field.\nA. 0\nB. 1\nC. 2\nD. 3\nAnswer: B\n\n' +
      'Statement 1 | If aH is an element of a factor group, then |aH| divides |a|. Statement 2 | If H and K are subgroups of G then HK is a subgroup of G.\nA. True, True\nB. False, False\nC. True, False\nD. False, True\nAnswer: B\n\n' +
      'Statement 1 | Every element of a group generates a cyclic subgroup of the group. Statement 2 | The symmetric group S_10 has 10 elements.\nA. True, True\nB. False, False\nC. True, False\nD. False, True\nAnswer: C\n\n' +
      'Statement 1| Every function from a finite set onto itself must be one to one. Statement 2 | Every subgroup of an abelian group is abelian.\nA. True, True\nB. False, False\nC. True, False\nD. False, True\nAnswer: A\n\n' +
      'Find the characteristic of the ring 2Z.\nA. 0\nB. 3\nC. 12\nD. 30\nAnswer: A\n\n' +
      'Let p = (1, 2, 5, 4)(2, 3) in S_5 . Find the index of <p> in S_5.\nA. 8\nB. 2\nC. 24\nD. 120\nAnswer:';
    expect(fewshotContext(task, { ...doc }, dev.map((d) => ({ ...d })))).toBe(expected);
  });

  it('GSM8K 5-shot: the first five train problems, then the question', async () => {
    const task = loadTask('gsm8k');
    const train = readFileSync(join(GSM8K, 'train.jsonl'), 'utf8').trim().split('\n').slice(0, 5).map((l) => JSON.parse(l));
    const test0 = JSON.parse(readFileSync(join(GSM8K, 'test.jsonl'), 'utf8').split('\n')[0]);
    const expected = train.map((d) => `Question: ${d.question}\nAnswer: ${d.answer}\n\n`).join('') + `Question: ${test0.question}\nAnswer:`;
    const shots = (await loadGsm8k(GSM8K, 'train')).rows.slice(0, 5);
    const doc = (await loadGsm8k(GSM8K, 'test')).rows[0];
    expect(fewshotContext(task, { ...doc }, shots.map((d) => ({ ...d })))).toBe(expected);
  });
});

describe('context / continuation tokenisation (lm-eval _encode_pair)', () => {
  it('" A" after "Answer:" is one token and the context keeps its own encoding', async () => {
    const tok = await loadTokenizer(OLMOE_TOKENIZER_DIR);
    const pair = encodePair(tok, 'Question?\nAnswer:', ' A');
    expect(pair.continuation).toEqual(tok.encode(' A'));
    expect(pair.continuation).toHaveLength(1);
    expect(pair.context).toEqual(tok.encode('Question?\nAnswer:'));
  });
  it('trailing whitespace of the context moves to the continuation', async () => {
    const tok = await loadTokenizer(OLMOE_TOKENIZER_DIR);
    const pair = encodePair(tok, 'Answer: ', 'A');
    expect(pair.context).toEqual(tok.encode('Answer:'));
    expect([...pair.context, ...pair.continuation]).toEqual(tok.encode('Answer: A'));
  });
});
