// Renders lm-evaluation-harness style Jinja templates (doc_to_text, doc_to_target, description)
// with @huggingface/jinja. lm-eval renders with keep_trailing_newline=True; Jinja's default drops
// one trailing newline, so a sentinel keeps it.

import { Template } from '@huggingface/jinja';
import { inputError } from '../errors.js';

const SENTINEL = '\u0000';
const cache = new Map<string, Template>();

export function renderTemplate(source: string, doc: Record<string, unknown>, where: string): string {
  let t = cache.get(source);
  if (!t) {
    try {
      t = new Template(source + SENTINEL);
    } catch (e) {
      throw inputError('template-invalid', `${where}: cannot parse template ${JSON.stringify(source)}: ${(e as Error).message}`, 'templates use Jinja syntax, e.g. "{{question}}"');
    }
    cache.set(source, t);
  }
  let out: string;
  try {
    out = t.render(doc);
  } catch (e) {
    throw inputError('template-render', `${where}: cannot render ${JSON.stringify(source)}: ${(e as Error).message}`, 'check the field names against the dataset records');
  }
  return out.endsWith(SENTINEL) ? out.slice(0, -1) : out;
}
