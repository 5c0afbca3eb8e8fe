// MMLU loaders (src/data/mmlu.ts): facts of the committed Hendrycks CSV sample (real rows, byte for
// byte), the committed cais/mmlu-style parquet fixtures, and CSV == parquet equality of the
// normalised records. Expected counts and texts were read from the sample files (Python's csv
// module, and by eye), not from the loader.

import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { loadMmlu, type MmluRecord } from '../../src/data/index.js';
import { MMLU_DEV_SUBJECTS, MMLU_VALIDATION_SUBJECTS } from '../fixtures/data/make-parquet-fixtures.js';
import { FIXTURES, inputErrorOf, MMLU_DIR, once, withTempDir } from './helpers.js';

const MMLU_PARQUET = join(FIXTURES, 'hf/cais-mmlu');
const mmluTest = once(() => loadMmlu(MMLU_DIR, 'test'));
const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

describe('MMLU, Hendrycks CSV layout (committed sample)', () => {
  it('has one subject per file and 35 / 22 / 42 rows in dev / val / test', async () => {
    const dev = await loadMmlu(MMLU_DIR, 'dev');
    const val = await loadMmlu(MMLU_DIR, 'val');
    const test = await mmluTest();
    // records, not lines: college_mathematics dev, college_physics val and the history test rows span several lines
    expect([dev.rows.length, val.rows.length, test.rows.length]).toEqual([35, 22, 42]);
    const subjects = {
      dev: ['abstract_algebra', 'anatomy', 'astronomy', 'college_mathematics', 'computer_security', 'virology', 'world_religions'],
      val: ['college_physics', 'management'],
      test: ['abstract_algebra', 'anatomy', 'astronomy', 'high_school_european_history', 'virology', 'world_religions'],
    };
    for (const [source, names] of [[dev, subjects.dev], [val, subjects.val], [test, subjects.test]] as const) {
      expect([...new Set(source.rows.map((r) => r.subject))]).toEqual(names);
      expect(source.identity.files).toHaveLength(names.length);
      expect(source.layout).toBe('hendrycks-csv');
    }
    // 5 dev examples per subject (the 5-shot pool)
    const perSubject = new Map<string, number>();
    for (const r of dev.rows) perSubject.set(r.subject, (perSubject.get(r.subject) ?? 0) + 1);
    expect([...perSubject.values()].every((n) => n === 5)).toBe(true);
    expect(val.split).toBe('validation');
    expect(test.identity.rows).toBe(42);
  });

  it('orders subjects alphabetically and rows in file order', async () => {
    const test = await mmluTest();
    const subjects = [...new Set(test.rows.map((r) => r.subject))];
    expect(subjects).toEqual([...subjects].sort());
    expect(subjects[0]).toBe('abstract_algebra');
    expect(subjects.at(-1)).toBe('world_religions');
    // each subject's rows are one contiguous block: 6 subjects, 5 changes
    let changes = 0;
    for (let i = 1; i < test.rows.length; i++) if (test.rows[i]!.subject !== test.rows[i - 1]!.subject) changes++;
    expect(changes).toBe(5);
  });

  it('reads spot-checked rows exactly (values read from the files by hand)', async () => {
    const test = await mmluTest();
    expect(test.rows[0]).toEqual({
      subject: 'abstract_algebra',
      question: 'Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.',
      choices: ['0', '4', '2', '6'],
      answer: 1,
    });
    expect(test.locations[0]).toEqual({ file: join(MMLU_DIR, 'test/abstract_algebra_test.csv'), line: 1 });
    // quoted fields holding commas
    expect(test.rows[2]).toMatchObject({ choices: ['0', '1', '0,1', '0,4'], answer: 3 });
    // the last record of world_religions_test.csv: unquoted fields holding apostrophes
    expect(test.rows.at(-1)).toEqual({
      subject: 'world_religions',
      question: "What is the mi'raj?",
      choices: ["Muhammad's miraculous ascent to heaven", "Muhammad's migration to Mecca", "Muhammad's first community in Mecca", "Muhammad's revelations of the Qur'an"],
      answer: 0,
    });
    // a question with a leading space and doubled quotes inside a quoted field
    expect(test.rows.at(-2)!.question).toBe(' Guru Nanak used what term to denote the "divine word" as part of divine revelation?');
    const history = test.rows.find((r) => r.subject === 'high_school_european_history')!;
    expect(history.question.startsWith('This question refers to the following information.\nIn order to make the title of this discourse generally intelligible, I have translated the term "Protoplasm,"')).toBe(true);
    expect(history.choices[2]).toBe('merely a property of a certain kind of matter');
    expect(history.answer).toBe(2);
    // the first history record spans lines 1-4 of its file, so the second starts on line 5
    const second = test.rows.findIndex((r) => r.subject === 'high_school_european_history') + 1;
    expect(test.locations[second]).toEqual({ file: join(MMLU_DIR, 'test/high_school_european_history_test.csv'), line: 5 });
  });

  it('keeps embedded CRLF and reports the line a multi-line record starts on', async () => {
    const val = await loadMmlu(MMLU_DIR, 'validation', { subjects: ['college_physics'] });
    expect(val.rows).toHaveLength(11);
    expect(val.rows[8]!.question).toBe(
      'Which of the following statements is (are) true for a Maxwell-Boltzmann description of an ideal gas of atoms in equilibrium at temperature T?\r\n' +
        'I. The average velocity of the atoms is zero.\r\nII. The distribution of the speeds of the atoms has a maximum at v = 0.\r\n' +
        'III. The probability of finding an atom with zero kinetic energy is zero.',
    );
    expect(val.rows[8]!.choices).toEqual(['I only', 'II only', 'I and II', 'I and III']);
    expect(val.rows[8]!.answer).toBe(3);
    expect(val.locations[8]!.line).toBe(9);
    expect(val.rows[10]!.question.startsWith('Fermat’s principle of ray optics states, “A ray of light')).toBe(true);
    expect(val.locations[10]!.line).toBe(14);
  });

  it('filters subjects and records the filter and the files read in the identity', async () => {
    const dev = await loadMmlu(MMLU_DIR, 'dev', { subjects: ['virology', 'anatomy'] });
    expect(dev.rows).toHaveLength(10);
    expect(dev.rows.map((r) => r.subject)).toEqual([...Array(5).fill('anatomy'), ...Array(5).fill('virology')]);
    expect(dev.identity.subjects).toEqual(['anatomy', 'virology']);
    const anatomy = join(MMLU_DIR, 'dev/anatomy_dev.csv');
    expect(dev.identity.files.map((f) => f.path)).toEqual([anatomy, join(MMLU_DIR, 'dev/virology_dev.csv')]);
    expect(dev.identity.files[0]!.sha256).toBe(await sha256(anatomy));
    // two files: the digest of their sha256sum manifest
    const manifest = dev.identity.files.map((f) => `${f.sha256}  ${f.path.slice(MMLU_DIR.length + 1)}\n`).join('');
    expect(dev.identity.sha256).toBe(createHash('sha256').update(manifest).digest('hex'));
  });

  it('rejects an unknown subject, listing the valid ones', async () => {
    const error = await inputErrorOf(() => loadMmlu(MMLU_DIR, 'dev', { subjects: ['astrology'] }));
    expect(error.code).toBe('data-unknown-subject');
    expect(error.message).toMatch(/unknown MMLU subject astrology .*available: abstract_algebra, anatomy, astronomy/);
  });

  it('reads a split folder or a single CSV file to the same records', async () => {
    const all = await loadMmlu(MMLU_DIR, 'dev', { subjects: ['anatomy'] });
    const folder = await loadMmlu(join(MMLU_DIR, 'dev'), 'dev', { subjects: ['anatomy'] });
    const file = await loadMmlu(join(MMLU_DIR, 'dev/anatomy_dev.csv'), 'dev');
    expect(folder.rows).toEqual(all.rows);
    expect(file.rows).toEqual(all.rows);
    expect(file.identity.sha256).toBe(all.identity.sha256);
    const wrongSplit = await inputErrorOf(() => loadMmlu(join(MMLU_DIR, 'dev/anatomy_dev.csv'), 'test'));
    expect(wrongSplit.code).toBe('data-split-missing');
  });

  it('gives the same normalised records from the cais/mmlu parquet fixtures as from the CSV files', async () => {
    const fromCsvDev = await loadMmlu(MMLU_DIR, 'dev', { subjects: MMLU_DEV_SUBJECTS });
    const fromParquetDev = await loadMmlu(MMLU_PARQUET, 'dev');
    expect(fromParquetDev.rows).toEqual(fromCsvDev.rows);
    const fromCsvVal = await loadMmlu(MMLU_DIR, 'val', { subjects: MMLU_VALIDATION_SUBJECTS });
    const fromParquetVal = await loadMmlu(MMLU_PARQUET, 'validation');
    expect(fromParquetVal.rows).toEqual(fromCsvVal.rows);
    expect(JSON.stringify(fromParquetVal.rows)).toBe(JSON.stringify(fromCsvVal.rows));
  });
});

describe('MMLU, cais/mmlu parquet layout (committed fixtures)', () => {
  it('reads the fixture, sorting subjects and turning the int64 class label into an index', async () => {
    const dev = await loadMmlu(MMLU_PARQUET, 'dev');
    expect(dev.layout).toBe('hf-parquet');
    expect(dev.rows).toHaveLength(20);
    expect([...new Set(dev.rows.map((r) => r.subject))]).toEqual(['abstract_algebra', 'college_mathematics', 'computer_security', 'world_religions']);
    expect(dev.rows[0]).toEqual({
      subject: 'abstract_algebra',
      question: 'Find all c in Z_3 such that Z_3[x]/(x^2 + c) is a field.',
      choices: ['0', '1', '2', '3'],
      answer: 1,
    });
    // abstract_algebra was written third: its first row is row 10 of the file
    expect(dev.locations[0]).toEqual({ file: join(MMLU_PARQUET, 'all/dev-00000-of-00001.parquet'), row: 10 });
    const hacking = dev.rows.find((r) => r.question === 'What is ethical hacking?')!;
    expect(hacking.choices[0]).toBe('"Hacking" ethics so they justify unintended selfish behavior');
    expect(hacking.answer).toBe(1);
    expect(dev.rows.some((r) => r.subject === 'college_mathematics' && r.question.includes('\r\nI. All of the entries of A^2 are nonnegative.'))).toBe(true);
    expect(dev.identity.files).toHaveLength(1);
    expect(dev.identity.sha256).toBe(await sha256(join(MMLU_PARQUET, 'all/dev-00000-of-00001.parquet')));
  });

  it('filters subjects of an "all" file by its subject column', async () => {
    const dev = await loadMmlu(MMLU_PARQUET, 'dev', { subjects: ['world_religions'] });
    expect(dev.rows).toHaveLength(5);
    expect(dev.rows[2]!.question).toBe(' In which dynasty was the "Mandate of Heaven" developed to legitimatize the new rulers?');
    const error = await inputErrorOf(() => loadMmlu(MMLU_PARQUET, 'dev', { subjects: ['anatomy'] }));
    expect(error.message).toMatch(/available: abstract_algebra, college_mathematics, computer_security, world_religions/);
  });

  it('reads the per-subject layout (<subject>/<split>-00000-of-00001.parquet) to the same records', async () => {
    const all = await loadMmlu(MMLU_PARQUET, 'dev');
    await withTempDir(async (dir) => {
      for (const subject of ['world_religions', 'abstract_algebra']) {
        const rows = all.rows.filter((r) => r.subject === subject);
        await mkdir(join(dir, subject), { recursive: true });
        await writeFile(join(dir, subject, 'dev-00000-of-00001.parquet'), new Uint8Array(mmluParquet(rows)));
      }
      const perSubject = await loadMmlu(dir, 'dev');
      expect(perSubject.rows).toEqual(all.rows.filter((r) => r.subject === 'abstract_algebra' || r.subject === 'world_religions'));
      expect(perSubject.identity.files).toHaveLength(2);
      const one = await loadMmlu(dir, 'dev', { subjects: ['world_religions'] });
      expect(one.identity.files).toHaveLength(1);
    });
  });

  it('names the expected file when the snapshot lacks the split', async () => {
    const error = await inputErrorOf(() => loadMmlu(MMLU_PARQUET, 'test'));
    expect(error.code).toBe('data-split-missing');
    expect(error.message).toContain(join(MMLU_PARQUET, 'all/test-00000-of-00001.parquet'));
  });

  it('rejects a single parquet file passed for another split and an unknown split name', async () => {
    const error = await inputErrorOf(() => loadMmlu(join(MMLU_PARQUET, 'all/dev-00000-of-00001.parquet'), 'test'));
    expect(error.code).toBe('data-split-missing');
    expect(error.message).toMatch(/holds the dev split/);
    const usage = await inputErrorOf(() => loadMmlu(MMLU_PARQUET, 'train'));
    expect(usage.kind).toBe('usage');
    expect(usage.message).toMatch(/valid splits: test, validation, dev/);
  });
});

function mmluParquet(rows: readonly MmluRecord[]): ArrayBuffer {
  const utf8 = (name: string) => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
  return parquetWriteBuffer({
    columnData: [
      { name: 'question', data: rows.map((r) => r.question) },
      { name: 'subject', data: rows.map((r) => r.subject) },
      { name: 'choices', data: rows.map((r) => [...r.choices]) },
      { name: 'answer', data: rows.map((r) => BigInt(r.answer)) },
    ] as never,
    schema: [
      { name: 'schema', num_children: 4 },
      utf8('question'),
      utf8('subject'),
      { name: 'choices', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      utf8('element'),
      { name: 'answer', type: 'INT64', repetition_type: 'OPTIONAL' },
    ] as never,
  });
}
