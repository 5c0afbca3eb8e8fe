// A small RFC 4180 CSV parser (comma, double quote, CRLF/LF/CR record ends) that keeps the line
// each record starts on. Leniencies follow Python's csv "excel" dialect, which built cais/mmlu.

export interface CsvRecord {
  readonly fields: string[];
  /** 1-based line the record starts on (quoted fields may span lines) */
  readonly line: number;
}

export class CsvSyntaxError extends Error {
  constructor(
    /** 1-based line of the start of the record in error */
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

const isBreak = (c: string | undefined) => c === '\n' || c === '\r';

/** Line breaks in text[from, to): "\r\n", "\n" and a lone "\r" count once each. */
function countBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text[i];
    if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) count++;
  }
  return count;
}

/**
 * Parses the whole text. Inside quotes, commas, line breaks and doubled quotes ("") are data,
 * kept byte for byte (an embedded "\r\n" stays "\r\n", as cais/mmlu has it).
 * - Empty lines between records are skipped (pandas' read_csv, used by Hendrycks' evaluate.py,
 *   skips them too); a final line break does not start a record.
 * - A quote inside an unquoted field is literal (Python's csv does the same; RFC 4180 forbids it
 *   but rejecting it would refuse files Python reads).
 * - Errors: an unterminated quoted field, or text between a closing quote and the next comma or
 *   line break (Python's strict mode rejects this too).
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    if (isBreak(text[i])) {
      i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      continue;
    }
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q === -1) throw new CsvSyntaxError(start, 'unterminated quoted field (no closing double quote before end of file)');
          line += countBreaks(text, i, q);
          value += text.slice(i, q);
          if (text[q + 1] === '"') {
            value += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        if (i < n && text[i] !== ',' && !isBreak(text[i])) {
          const at = line === start ? '' : ` (on line ${line})`;
          throw new CsvSyntaxError(start, `unexpected character ${JSON.stringify(text[i])} after a closing double quote${at}; a quote inside a quoted field must be doubled`);
        }
      } else {
        let j = i;
        while (j < n && text[j] !== ',' && !isBreak(text[j])) j++;
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      if (i >= n) break;
      if (text[i] === ',') {
        i++;
        continue;
      }
      i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      break;
    }
    records.push({ fields, line: start });
  }
  return records;
}
