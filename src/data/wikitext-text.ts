// How WikiText raw text maps to the rows of Salesforce/wikitext (the HF builder, datasets/wikitext/
// wikitext.py) and to the documents of lm-eval's wikitext task (EleutherAI/wikitext_document_level).

// Python's str.isspace() set, so strip() here agrees with the Python that built the datasets
// (JS trim() differs: it strips U+FEFF and keeps U+001C-U+001F).
const PY_SPACE = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_BLANK = new RegExp(`^[${PY_SPACE}]*$`);
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');

const pyStrip = (s: string) => s.replace(PY_STRIP, '');

/**
 * Rows of Salesforce/wikitext from a raw file: the builder iterates the file in Python text
 * mode (universal newlines: "\r\n" and "\r" read as "\n") and yields each line with its "\n",
 * or "" when the line is whitespace only. wiki.test.raw (4,358 lines) gives 4,358 rows.
 */
export function wikitextRowsFromRaw(raw: string): string[] {
  const text = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
  const rows: string[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl + 1;
    const line = text.slice(start, end);
    rows.push(PY_BLANK.test(line) ? '' : line);
    start = end;
  }
  return rows;
}

/**
 * The raw file from its rows: concatenate, writing each "" row back as " \n". Exact for the
 * WikiText raw files, whose blank lines are all a single space (checked on wiki.test.raw);
 * the builder keeps no trace of other blank-line spellings.
 */
export function rawFromWikitextRows(rows: readonly string[]): string {
  return rows.map((row) => (row === '' ? ' \n' : row)).join('');
}

/**
 * lm-eval's wikitext documents (EleutherAI/wikitext_document_level, `page` field): split the raw
 * text on "\n"; a line that, after "= = =" -> "===" and "= =" -> "==" and strip(), starts with
 * "= " and ends with " =" (a top-level " = Title = " heading) starts a new page; pages are the
 * lines joined by "\n"; a page that is all whitespace is dropped, except the last, which is
 * always kept. wiki.test.raw gives 62 pages. lm-eval then scores
 * wikitext_detokenizer(page) with loglikelihood_rolling (the task's job, not this module's).
 */
export function wikitextDocuments(raw: string): string[] {
  const pages: string[] = [];
  let current: string[] = [];
  for (const line of raw.split('\n')) {
    const heading = pyStrip(line.replaceAll('= = =', '===').replaceAll('= =', '=='));
    if (heading.startsWith('= ') && heading.endsWith(' =')) {
      const page = current.join('\n');
      if (pyStrip(page) !== '') pages.push(page);
      current = [];
    }
    current.push(line);
  }
  pages.push(current.join('\n'));
  return pages;
}
