// GSM8K answer extraction as lm-eval's strict-match and flexible-extract pipelines plus exact_match
// normalisation; expected values worked out by hand from lm-eval's regexes.

import { describe, expect, it } from 'vitest';
import { buildFilter, INVALID_ANSWER } from '../../src/tasks/filters.js';
import { loadTask } from '../../src/tasks/task-config.js';
import { exactMatch, normalizeForExactMatch } from '../../src/scoring/exact-match.js';

const task = loadTask('gsm8k');
const filter = (name: string) => buildFilter(task.filters!.find((f) => f.name === name)!.steps, name);
const strict = filter('strict-match');
const flexible = filter('flexible-extract');
const em = task.metrics[0];

describe.each([
  // [model output, strict extraction, flexible extraction]
  ['She pays 3 + 4 = 7 dollars.\n#### 7', '7', '7'],
  ['Total: 1,234 apples\n#### 1,234', '1,234', '1,234'],
  ['It drops to -5 degrees.\n#### -5', '-5', '-5'],
  ['The answer is $18.', INVALID_ANSWER, '$18.'],
  ['3 apples and 5 pears', INVALID_ANSWER, '5'],
  ['first 12 then 3.5 and finally 40.\n#### 40', '40', '40'],
  ['no numbers here', INVALID_ANSWER, INVALID_ANSWER],
  ['#### 2.50', '2.50', '2.50'],
])('%j', (output, strictExpected, flexibleExpected) => {
  it('extracts like lm-eval', () => {
    expect(strict(output)).toBe(strictExpected);
    expect(flexible(output)).toBe(flexibleExpected);
  });
});

describe('exact_match normalisation (regexes_to_ignore: ",", "\\$", "(?s).*#### ", "\\.$")', () => {
  it('reduces a reference solution to its number', () => {
    expect(normalizeForExactMatch('Natalia sold 48/2 = 24 clips.\nSo 48+24 = 72.\n#### 72', em)).toBe('72');
    expect(normalizeForExactMatch('#### 1,000', em)).toBe('1000');
  });
  it('compares extracted answers with commas, dollars and trailing dots removed', () => {
    expect(exactMatch('$1,234.', 'steps\n#### 1234', em)).toBe(1);
    expect(exactMatch('18', 'x\n#### 18', em)).toBe(1);
    expect(exactMatch('-5', 'x\n#### -5', em)).toBe(1);
    expect(exactMatch('5', 'x\n#### -5', em)).toBe(0);
    expect(exactMatch(INVALID_ANSWER, 'x\n#### 3', em)).toBe(0);
    expect(exactMatch('2.5', 'x\n#### 2.50', em)).toBe(0); // lm-eval compares strings, not numbers
  });
});
