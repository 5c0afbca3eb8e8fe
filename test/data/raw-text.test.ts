// Raw text loaders (src/data/raw-text.ts) and the WikiText row/document rules (wikitext-text.ts):
// facts of the committed wiki.test.raw sample (its first two articles, byte for byte), the
// Salesforce/wikitext-style parquet fixture, and lm-eval's documents. Expected digests and counts
// were computed from the sample file (sha256sum, Python), not from the loader.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRawText, rawFromWikitextRows, wikitextDocuments, wikitextRowsFromRaw } from '../../src/data/index.js';
import { WIKITEXT_LINES } from '../fixtures/data/make-parquet-fixtures.js';
import { FIXTURES, inputErrorOf, once, WIKITEXT_DIR } from './helpers.js';

const WIKITEXT_PARQUET = join(FIXTURES, 'hf/salesforce-wikitext');
const wikiTest = once(() => loadRawText(WIKITEXT_DIR));
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('WikiText rows and documents', () => {
  it('turns lines into Salesforce/wikitext rows: newline kept, blank lines as ""', () => {
    expect(wikitextRowsFromRaw(' \n = T = \n \n Body .\n')).toEqual(['', ' = T = \n', '', ' Body .\n']);
    // Python text mode reads \r\n and \r as \n; a last line without \n stays as it is
    expect(wikitextRowsFromRaw('a\r\nb\rc')).toEqual(['a\n', 'b\n', 'c']);
    expect(wikitextRowsFromRaw('\t\u3000\n')).toEqual(['']);
    expect(rawFromWikitextRows(['', ' = T = \n', '', ' Body .\n'])).toBe(' \n = T = \n \n Body .\n');
  });

  it('splits documents at top-level headings as EleutherAI/wikitext_document_level does', () => {
    const raw = ' \n = A = \n \n a text \n \n = = Sub = = \n \n more \n \n = B = \n \n b text \n';
    // the blank line before the first heading makes a whitespace-only page, which is dropped
    expect(wikitextDocuments(raw)).toEqual([' = A = \n \n a text \n \n = = Sub = = \n \n more \n ', ' = B = \n \n b text \n']);
  });
});

describe('WikiText-2 raw, wiki.test.raw (committed sample)', () => {
  it('reads wiki.test.raw byte for byte: sha256 72b4b891…a0ed779, 116 lines', async () => {
    const source = await wikiTest();
    const file = join(WIKITEXT_DIR, 'wiki.test.raw');
    expect(source.identity.sha256).toBe('72b4b89122b1d3685111fd8f579b228913c68094aa1f7355e65bc5a23a0ed779');
    expect(source.rows).toHaveLength(116);
    expect(source.text).toBe(await readFile(file, 'utf8'));
    expect(source.layout).toBe('raw-text');
    expect(source.split).toBe('test');
    expect(source.rows.slice(0, 3)).toEqual([{ text: '' }, { text: ' = Robert Boulter = \n' }, { text: '' }]);
    // lines holding only whitespace
    expect(source.rows.filter((r) => r.text === '')).toHaveLength(45);
    expect(source.locations[1]).toEqual({ file, line: 2 });
    const direct = await loadRawText(file);
    expect(direct.rows).toEqual(source.rows);
  });

  it('rebuilds the file from its rows, and joins rows as the HF perplexity recipe does', async () => {
    const source = await loadRawText(WIKITEXT_DIR, { split: 'test' });
    expect(rawFromWikitextRows(source.rows.map((r) => r.text))).toBe(source.text);
    // "\n\n".join(rows) of the sample's Salesforce/wikitext rows, computed with the HF builder's rule in
    // Python (each line of the file in text mode is a row, "" when line.strip() is empty)
    expect(sha256(source.rows.map((r) => r.text).join('\n\n'))).toBe('ac37da402e4d09e5cde2fcd1003ee46fe6e3f9270942108573cb084ffcc18c73');
  });

  it('splits into documents at the top-level headings only: the two articles of the sample', async () => {
    const docs = wikitextDocuments((await wikiTest()).text);
    expect(docs).toHaveLength(2);
    expect(docs[0]!.startsWith(' = Robert Boulter = \n \n Robert Boulter is an English film')).toBe(true);
    // Robert Boulter's second-level headings (" = = Career = = ") stay inside its document
    expect(docs[0]!).toContain('\n = = Career = = \n');
    expect(docs[1]!.startsWith(' = Du Fu = \n')).toBe(true);
    // only the file's first line (" ", a page of whitespace before the first heading) is dropped
    expect(' \n' + docs.join('\n')).toBe((await wikiTest()).text);
  });

  it('gives the same rows and text from the Salesforce/wikitext parquet fixture', async () => {
    const raw = await wikiTest();
    const parquet = await loadRawText(WIKITEXT_PARQUET);
    expect(parquet.layout).toBe('hf-parquet');
    expect(parquet.rows).toEqual(raw.rows.slice(0, WIKITEXT_LINES));
    const firstLines = raw.text.split('\n').slice(0, WIKITEXT_LINES).join('\n') + '\n';
    expect(parquet.text).toBe(firstLines);
  });

  it('names the missing split file of a raw folder', async () => {
    const error = await inputErrorOf(() => loadRawText(WIKITEXT_DIR, { split: 'validation' }));
    expect(error.code).toBe('data-split-missing');
    expect(error.message).toContain(join(WIKITEXT_DIR, 'wiki.valid.raw'));
  });
});

describe('WikiText, Salesforce/wikitext parquet layout (committed fixture)', () => {
  it('reads the fixture rows and rebuilds the raw text', async () => {
    const source = await loadRawText(WIKITEXT_PARQUET);
    expect(source.rows).toHaveLength(WIKITEXT_LINES);
    expect(source.rows[1]).toEqual({ text: ' = Robert Boulter = \n' });
    expect(source.text.startsWith(' \n = Robert Boulter = \n \n Robert Boulter is an English film , television and theatre actor .')).toBe(true);
    expect(source.locations[3]).toEqual({ file: join(WIKITEXT_PARQUET, 'wikitext-2-raw-v1/test-00000-of-00001.parquet'), row: 3 });
  });
});
