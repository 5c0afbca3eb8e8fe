// multiple_choice (lm-eval): each choice is a continuation (target_delimiter + choice) of the same
// context; acc = the gold choice has the highest log-likelihood (first maximum wins, as numpy's
// argmax). The context runs once and all choices are scored from its KV cache (Engine.loglikelihood).

import { docToTargetText, docToText, encodePair, fewshotContext, type Doc } from '../prompt.js';
import { renderTemplate } from '../template.js';
import { limitPerGroup, tooFewShots, type EvalUnit, type TaskAdapter } from './adapter.js';

export const multipleChoice: TaskAdapter = {

  units(task, data, opts) {
    const choices = task.docToChoice ?? [];
    const groupOf = (d: Doc) => (task.groupBy ? String(d[task.groupBy]) : null);
    const counters = new Map<string | null, number>();
    const docs = limitPerGroup(data.docs, groupOf, opts.limit);
    return docs.map((doc, index): EvalUnit => {
      const group = groupOf(doc);
      const n = counters.get(group) ?? 0;
      counters.set(group, n + 1);
      const shots = opts.numFewshot > 0 ? data.fewshotDocs.filter((d) => groupOf(d) === group).slice(0, opts.numFewshot) : [];
      if (shots.length < opts.numFewshot) throw tooFewShots(task, shots.length, opts.numFewshot, group);
      return {
        index,
        docId: `${group ?? task.task}/${task.dataset.evalSplit}/${n}`,
        group,
        async run(engine, routing) {
          const context = fewshotContext(task, doc, shots);
          const gold = Number(renderTemplate(task.docToTarget ?? '', doc, `task ${task.task} docToTarget`));
          const pairs = choices.map((c) => encodePair(opts.tokenizer, context, task.targetDelimiter + c));
          // every pair shares the context encoding here; lm-eval's left truncation keeps the end
          const ctx = truncateLeft(pairs[0].context, opts.maxLength + 1 - Math.max(...pairs.map((p) => p.continuation.length)));
          const truncatedTokens = pairs[0].context.length - ctx.length;
          const scores = await engine.loglikelihood(ctx, pairs.map((p) => p.continuation), routing);
          const lls = scores.map((s) => s.logprob);
          const predicted = lls.indexOf(Math.max(...lls));
          return {
            values: { acc: predicted === gold ? 1 : 0 },
            log: { prompt: context, question: docToText(task, doc), target: docToTargetText(task, doc), gold, predicted, loglikelihoods: lls, contextTokens: ctx.length },
            ...(truncatedTokens > 0 ? { truncatedTokens } : {}),
          };
        },
      };
    });
  },
};

function truncateLeft(ids: number[], keep: number): number[] {
  return ids.length > keep ? ids.slice(ids.length - keep) : ids;
}
