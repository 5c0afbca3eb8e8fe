// RFC 4180 parsing with record-start line numbers (src/data/csv-rfc4180.ts).

import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, parseCsv } from '../../src/data/csv-rfc4180.js';

const fields = (text: string) => parseCsv(text).map((r) => r.fields);

describe('parseCsv', () => {
  it('splits plain fields and records, with or without a final line break', () => {
    expect(fields('a,b,c\n1,2,3\n')).toEqual([['a', 'b', 'c'], ['1', '2', '3']]);
    expect(fields('a,b,c\n1,2,3')).toEqual([['a', 'b', 'c'], ['1', '2', '3']]);
  });

  it('keeps commas, doubled quotes and line breaks inside quoted fields', () => {
    expect(fields('"x, y","say ""hi""","l1\nl2",""\n')).toEqual([['x, y', 'say "hi"', 'l1\nl2', '']]);
    // an embedded CRLF stays CRLF (as in the Hendrycks college_* files and cais/mmlu)
    expect(fields('"l1\r\nl2",B\r\n')).toEqual([['l1\r\nl2', 'B']]);
  });

  it('accepts CRLF, LF and lone CR record ends', () => {
    expect(fields('a,b\r\nc,d\re,f\n')).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f']]);
  });

  it('reports the line each record starts on, counting breaks inside quotes', () => {
    const records = parseCsv('q1,A\n"multi\nline\r\nquestion",B\n\nq3,C\r\n"x\ry",D');
    expect(records.map((r) => r.line)).toEqual([1, 2, 6, 7]);
    expect(records[3]!.fields).toEqual(['x\ry', 'D']);
  });

  it('skips empty lines but keeps empty fields, including a trailing one', () => {
    expect(fields('\n\na,,b,\n\n')).toEqual([['a', '', 'b', '']]);
  });

  it('keeps leading spaces and a quote inside an unquoted field literally (as Python csv does)', () => {
    expect(fields(' What is 5" long?,x\n')).toEqual([[' What is 5" long?', 'x']]);
  });

  it('rejects an unterminated quoted field, naming the line the record starts on', () => {
    let error: unknown;
    try {
      parseCsv('a,b\nc,"open\nstill open\n');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect((error as CsvSyntaxError).line).toBe(2);
    expect((error as Error).message).toMatch(/unterminated quoted field/);
  });

  it('rejects text after a closing quote', () => {
    expect(() => parseCsv('ok,fine\n"bad"x,y\n')).toThrow(/after a closing double quote/);
    try {
      parseCsv('ok,fine\n"bad"x,y\n');
    } catch (err) {
      expect((err as CsvSyntaxError).line).toBe(2);
    }
  });
});
