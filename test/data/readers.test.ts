// The format readers behind the registry, and the malformed-input errors every loader relies on:
// an input error naming the file and the line (JSONL, CSV) or row (parquet), and what is wrong.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { formatOfPath, loadGsm8k, loadMmlu, loadRawText, readerFor, readerFormats, readTable } from '../../src/data/index.js';
import { inputErrorOf, withTempDir } from './helpers.js';

const jsonl = (...lines: string[]) => lines.join('\n') + '\n';
const good = JSON.stringify({ question: 'q', answer: 'a #### 1' });

describe('reader registry', () => {
  it('has one reader per format and picks them by file name', () => {
    expect(readerFormats().sort()).toEqual(['csv', 'jsonl', 'parquet', 'text']);
    expect(formatOfPath('x/test.jsonl')).toBe('jsonl');
    expect(formatOfPath('x/anatomy_test.csv')).toBe('csv');
    expect(formatOfPath('x/test-00000-of-00001.parquet')).toBe('parquet');
    expect(formatOfPath('x/wiki.test.raw')).toBe('text');
    expect(formatOfPath('x/unknown.bin')).toBeUndefined();
  });

  it('rejects an unknown format with the list of valid ones', () => {
    expect(() => readerFor('xml' as never)).toThrow(/valid formats: jsonl, csv, parquet, text/);
  });
});

describe('JSONL', () => {
  it('skips blank lines but keeps line numbers', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'test.jsonl');
      await writeFile(file, `${good}\n\n${good}\r\n`);
      const table = await readTable(file, 'jsonl');
      expect(table.rows.map((r) => r.at.line)).toEqual([1, 3]);
      expect(table.file.rows).toBe(2);
    });
  });

  it('names file and line of invalid JSON', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'test.jsonl');
      await writeFile(file, jsonl(good, good, '{"question": "q", "answer": '));
      const error = await inputErrorOf(() => loadGsm8k(file, 'test'));
      expect(error.kind).toBe('input');
      expect(error.code).toBe('data-malformed-row');
      expect(error.message).toContain(`${file} line 3`);
      expect(error.message).toMatch(/not valid JSON/);
    });
  });

  it('names a missing field, a wrong type and a non-object line', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'test.jsonl');
      await writeFile(file, jsonl(good, JSON.stringify({ question: 'q' })));
      expect((await inputErrorOf(() => loadGsm8k(file, 'test'))).message).toMatch(/line 2: missing field "answer"/);
      await writeFile(file, jsonl(JSON.stringify({ question: 7, answer: 'x' })));
      expect((await inputErrorOf(() => loadGsm8k(file, 'test'))).message).toMatch(/line 1: field "question" must be a string, found number 7/);
      await writeFile(file, jsonl(good, '[1,2]'));
      expect((await inputErrorOf(() => loadGsm8k(file, 'test'))).message).toMatch(/line 2: expected a JSON object, found an array/);
    });
  });

  it('rejects a file that is not UTF-8', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'test.jsonl');
      await writeFile(file, Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]));
      const error = await inputErrorOf(() => loadGsm8k(file, 'test'));
      expect(error.code).toBe('data-not-utf8');
      expect(error.message).toContain(file);
    });
  });
});

describe('Hendrycks CSV', () => {
  const row = (q: string, answer = 'A') => `${q},a,b,c,d,${answer}\n`;

  async function hendrycks(dir: string, content: string): Promise<string> {
    await mkdir(join(dir, 'test'), { recursive: true });
    const file = join(dir, 'test', 'anatomy_test.csv');
    await writeFile(file, content);
    return file;
  }

  it('names file and record-start line of an answer letter outside A-D', async () => {
    await withTempDir(async (dir) => {
      const file = await hendrycks(dir, row('q1') + '"multi\nline",a,b,c,d,B\n' + row('q3', 'E'));
      const error = await inputErrorOf(() => loadMmlu(dir, 'test'));
      expect(error.code).toBe('data-malformed-row');
      expect(error.message).toContain(`${file} line 4`);
      expect(error.message).toMatch(/answer "E" is not one of A, B, C, D/);
    });
  });

  it('names file and line of a record with the wrong column count', async () => {
    await withTempDir(async (dir) => {
      const file = await hendrycks(dir, row('q1') + row('q2') + 'q3,a,b,c,B\n');
      const error = await inputErrorOf(() => loadMmlu(dir, 'test'));
      expect(error.message).toContain(`${file} line 3`);
      expect(error.message).toMatch(/expected 6 columns \(question, A, B, C, D, answer\), found 5/);
    });
  });

  it('names file and line of a CSV syntax error', async () => {
    await withTempDir(async (dir) => {
      const file = await hendrycks(dir, row('q1') + '"never closed,a,b,c,d,A\n' + row('q3'));
      const error = await inputErrorOf(() => loadMmlu(dir, 'test'));
      expect(error.code).toBe('data-malformed-row');
      expect(error.message).toContain(`${file} line 2`);
      expect(error.message).toMatch(/unterminated quoted field/);
    });
  });
});

describe('parquet', () => {
  const str = (name: string) => ({ name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'OPTIONAL' as const });
  const listOfStrings = [
    { name: 'choices', repetition_type: 'OPTIONAL' as const, converted_type: 'LIST' as const, num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
    str('element'),
  ];

  async function writeParquet(file: string, columnData: { name: string; data: unknown[] }[], schema: object[]): Promise<void> {
    const buffer = parquetWriteBuffer({ columnData: columnData as never, schema: [{ name: 'schema', num_children: columnData.length }, ...schema] as never });
    await writeFile(file, new Uint8Array(buffer));
  }

  it('names the file and the missing column', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'test-00000-of-00001.parquet');
      await writeParquet(
        file,
        [
          { name: 'question', data: ['q'] },
          { name: 'subject', data: ['anatomy'] },
          { name: 'choices', data: [['a', 'b', 'c', 'd']] },
        ],
        [str('question'), str('subject'), ...listOfStrings],
      );
      const error = await inputErrorOf(() => loadMmlu(file, 'test'));
      expect(error.kind).toBe('input');
      expect(error.code).toBe('data-missing-column');
      expect(error.message).toContain(file);
      expect(error.message).toMatch(/missing column "answer" \(the file has question, subject, choices\)/);
    });
  });

  it('names file and 0-based row of a bad value', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'test-00000-of-00001.parquet');
      const write = (choices: string[][], answers: bigint[]) =>
        writeParquet(
          file,
          [
            { name: 'question', data: choices.map((_, k) => `q${k}`) },
            { name: 'subject', data: choices.map(() => 'anatomy') },
            { name: 'choices', data: choices },
            { name: 'answer', data: answers },
          ],
          [str('question'), str('subject'), ...listOfStrings, { name: 'answer', type: 'INT64', repetition_type: 'OPTIONAL' }],
        );
      const four = ['a', 'b', 'c', 'd'];
      await write([four, four, ['a', 'b', 'c']], [0n, 1n, 2n]);
      let error = await inputErrorOf(() => loadMmlu(file, 'test'));
      expect(error.code).toBe('data-malformed-row');
      expect(error.message).toContain(`${file} row 2`);
      expect(error.message).toMatch(/"choices" must be a list of 4 strings, found a list of 3/);
      await write([four, four], [3n, 4n]);
      error = await inputErrorOf(() => loadMmlu(file, 'test'));
      expect(error.message).toContain(`${file} row 1`);
      expect(error.message).toMatch(/"answer" must be an index 0-3/);
    });
  });

  it('names the row of a null text value', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'test-00000-of-00001.parquet');
      await writeParquet(file, [{ name: 'text', data: ['line\n', null, ''] }], [str('text')]);
      const error = await inputErrorOf(() => loadRawText(file));
      expect(error.message).toContain(`${file} row 1`);
      expect(error.message).toMatch(/field "text" must be a string, found null/);
    });
  });

  it('rejects a file that is not parquet', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'test-00000-of-00001.parquet');
      await writeFile(file, 'not parquet at all');
      const error = await inputErrorOf(() => loadGsm8k(file, 'test'));
      expect(error.code).toBe('data-parquet-unreadable');
      expect(error.message).toContain(file);
    });
  });
});
