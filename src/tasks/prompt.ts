// Prompt construction and context/continuation tokenisation with lm-evaluation-harness's
// semantics: description + few-shot examples (doc_to_text + target_delimiter + target +
// fewshot_delimiter) + doc_to_text (api/task.py fewshot_context), and HFLM._encode_pair.

import type { TextTokenizer } from './tokenizer.js';
import { renderTemplate } from './template.js';
import type { TaskConfig } from './task-config.js';

export type Doc = Record<string, unknown>;

export function docToText(task: TaskConfig, doc: Doc): string {
  return renderTemplate(task.docToText ?? '', doc, `task ${task.task} docToText`);
}

/** The target as text: the choice named by the target index, or the rendered target template. */
export function docToTargetText(task: TaskConfig, doc: Doc): string {
  const target = renderTemplate(task.docToTarget ?? '', doc, `task ${task.task} docToTarget`);
  if (task.docToChoice) {
    const i = Number(target);
    if (!Number.isInteger(i) || i < 0 || i >= task.docToChoice.length) throw new Error(`task ${task.task}: target ${target} is not a choice index`);
    return task.docToChoice[i];
  }
  return target;
}

export function fewshotContext(task: TaskConfig, doc: Doc, examples: Doc[]): string {
  const description = task.description ? renderTemplate(task.description, doc, `task ${task.task} description`) : '';
  const shots = examples.length
    ? examples.map((ex) => docToText(task, ex) + task.targetDelimiter + docToTargetText(task, ex)).join(task.fewshotDelimiter) + task.fewshotDelimiter
    : '';
  return description + shots + docToText(task, doc);
}

/**
 * lm-eval HFLM._encode_pair: trailing whitespace of the context moves to the continuation, the
 * pair is encoded whole, and the continuation is what the whole adds to the context's encoding.
 */
export function encodePair(tok: TextTokenizer, context: string, continuation: string): { context: number[]; continuation: number[] } {
  const trimmed = context.replace(/\s+$/, '');
  const spaces = context.length - trimmed.length;
  const ctx = spaces > 0 ? trimmed : context;
  const cont = spaces > 0 ? context.slice(-spaces) + continuation : continuation;
  const whole = tok.encode(ctx + cont);
  const contextIds = tok.encode(ctx);
  return { context: contextIds, continuation: whole.slice(contextIds.length) };
}
