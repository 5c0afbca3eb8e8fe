// RFC 4180 CSV writing (CRLF-free: Hendrycks' files use "\n"), quoting only where needed. Reading
// goes through the product's parser (src/data/csv-rfc4180.ts), so the files the generator writes
// are checked by the same code that evaluates them.

export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: string[]): string {
  return fields.map(csvField).join(',');
}
