// lm-evaluation-harness's exact_match (metrics.py exact_match_hf_evaluate): strip every
// `regexes_to_ignore` match from prediction and reference, optionally lowercase / drop
// punctuation, then compare. Task YAML keeps lm-eval's Python patterns; pythonRegex translates
// the two Python features they use ((?s)-style inline flags, and `$` also matching before a final
// newline).

export interface ExactMatchOptions {
  regexesToIgnore?: string[];
  ignoreCase?: boolean;
  ignorePunctuation?: boolean;
}

export function pythonRegex(pattern: string, extraFlags = ''): RegExp {
  let flags = extraFlags;
  let body = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(body);
  if (inline) {
    body = body.slice(inline[0].length);
    for (const f of inline[1]) if ('ims'.includes(f) && !flags.includes(f)) flags += f;
  }
  // an unescaped `$` at the end: Python matches at the end or before a final newline
  if (/(^|[^\\])\$$/.test(body) && !flags.includes('m')) body = `${body.slice(0, -1)}(?=\\n?$)`;
  return new RegExp(body, flags);
}

// string.punctuation of Python
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

export function normalizeForExactMatch(text: string, o: ExactMatchOptions): string {
  let s = text;
  for (const p of o.regexesToIgnore ?? []) s = s.replace(pythonRegex(p, 'g'), '');
  if (o.ignoreCase) s = s.toLowerCase();
  if (o.ignorePunctuation) s = s.replace(PUNCTUATION, '');
  return s;
}

export function exactMatch(prediction: string, reference: string, o: ExactMatchOptions): number {
  return normalizeForExactMatch(prediction, o) === normalizeForExactMatch(reference, o) ? 1 : 0;
}
