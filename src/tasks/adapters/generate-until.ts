// generate_until (lm-eval): greedy generation from the few-shot context until a stop string or the
// end-of-sequence token, the output cut at the first stop string (HFLM.generate_until), then each
// filter pipeline extracts an answer that exact_match compares with the target.

import { exactMatch } from '../../scoring/exact-match.js';
import { buildFilter } from '../filters.js';
import { docToTargetText, fewshotContext } from '../prompt.js';
import { limitPerGroup, tooFewShots, type EvalUnit, type TaskAdapter } from './adapter.js';

export const generateUntil: TaskAdapter = {

  units(task, data, opts) {
    const gen = task.generation;
    if (!gen) throw new Error(`task ${task.task}: generate_until needs generation.until and maxGenToks`);
    const tok = opts.tokenizer;
    // lm-eval adds the tokenizer's end-of-text string to the stop strings
    const until = [...new Set([...gen.until, ...(tok.eosToken ? [tok.eosToken] : [])])];
    const filters = (task.filters ?? [{ name: 'none', steps: [] }]).map((f) => ({ name: f.name, apply: buildFilter(f.steps, `task ${task.task} filter ${f.name}`) }));
    const em = task.metrics.find((m) => m.metric === 'exact_match');
    if (!em) throw new Error(`task ${task.task}: generate_until supports the exact_match metric`);
    const shots = data.fewshotDocs.slice(0, opts.numFewshot);
    if (shots.length < opts.numFewshot) throw tooFewShots(task, shots.length, opts.numFewshot, null);
    return limitPerGroup(data.docs, () => null, opts.limit).map((doc, index): EvalUnit => ({
      index,
      docId: `${task.task}/${task.dataset.evalSplit}/${index}`,
      group: null,
      async run(engine, routing) {
        const context = fewshotContext(task, doc, shots);
        let ids = tok.encode(context);
        const room = opts.maxLength - gen.maxGenToks;
        const truncatedTokens = Math.max(0, ids.length - room);
        if (truncatedTokens > 0) ids = ids.slice(truncatedTokens);
        const out = await engine.generate(ids, { maxTokens: gen.maxGenToks, eosTokenIds: tok.eosTokenIds, stopWhen: (g) => until.some((u) => tok.decode(g).includes(u)) }, routing);
        let text = tok.decode(out.tokens);
        for (const u of until) text = text.split(u)[0];
        const target = docToTargetText(task, doc);
        const values: Record<string, number> = {};
        const extracted: Record<string, string> = {};
        for (const f of filters) {
          extracted[f.name] = f.apply(text);
          values[`exact_match,${f.name}`] = exactMatch(extracted[f.name], target, em);
        }
        return { values, log: { prompt: context, target, output: text, extracted, generatedTokens: out.tokens.length, stop: out.stop }, ...(truncatedTokens > 0 ? { truncatedTokens } : {}) };
      },
    }));
  },
};
