// The training corpus: a stream of topical documents (encyclopedia entries, stories, fact lists,
// quizzes, multiple-choice sets in the MMLU format, GSM8K-style problems alone and as few-shot
// sequences). Questions are only ever asked about training facts; held-out facts appear only as
// statements. The test questions of both GSM8K-style sets are excluded by exact string.
//
// The GSM8K-style problems are mostly the multi-step kind (multistep.ts, the set the next model
// is measured on), drawn from a PRNG stream of their own ("<stream>-gsm"), plus shorter one- to
// three-step problems, the kind of the default set, as a warm-up for the arithmetic (gsmEasy).

import { gsmShot, makeDrill, makeProblem, type Problem } from './arithmetic.js';
import { makeHardProblem } from './multistep.js';
import type { HeldOut } from './heldout.js';
import { LetterCycle, LETTERS, makeMcItem, mcDocument, type McItem } from './mmlu.js';
import { Rng } from './rng.js';
import { comparison, encyclopediaEntry, FactIndex, factList, quiz, statement, story, wikiText } from './text.js';
import type { Fact, World } from './world.js';

export const EOS = '<|endoftext|>';

/** relative number of documents of each kind (character shares of the default corpus: see cli.ts's output) */
export const DOC_MIX: Record<string, number> = {
  encyclopedia: 3,
  story: 2,
  comparison: 1,
  factList: 1.2,
  quiz: 0.8,
  article: 0.25,
  mcZeroShot: 5,
  mcFewShot: 1.5,
  mcOpenBook: 1.5,
  copy: 1,
  match: 1.5,
  drill: 2,
  gsmEasy: 0.6,
  gsmSingle: 1.7,
  gsmFewShot: 0.5,
};

export interface TrainingOptions {
  /** overrides of DOC_MIX weights, e.g. { mcOpenBook: 1.5 } */
  mix?: Record<string, number>;
  /** stop once this many characters are written */
  chars: number;
  /** stream label: "train" for the corpus, "valid" for a same-distribution validation file */
  stream: string;
}

export class TrainingDocs {
  private readonly ix: FactIndex;
  private readonly trainFacts: Fact[];
  private readonly bySubject = new Map<string, Fact[]>();
  private readonly letters: LetterCycle;
  private readonly kinds: string[];
  private readonly weights: number[];

  constructor(private readonly world: World, private readonly held: HeldOut, private readonly rng: Rng, mix: Record<string, number> = {},
    private readonly gsmRng: Rng = rng) {
    for (const k of Object.keys(mix)) if (!(k in DOC_MIX)) throw new Error(`unknown document kind ${k} (valid: ${Object.keys(DOC_MIX).join(', ')})`);
    const merged = { ...DOC_MIX, ...mix };
    this.kinds = Object.keys(merged);
    this.weights = Object.values(merged);
    this.ix = new FactIndex(world);
    this.trainFacts = world.facts.filter((f) => !f.heldOut);
    for (const s of world.subjects) this.bySubject.set(s.id, this.trainFacts.filter((f) => f.subject === s.id));
    this.letters = new LetterCycle(rng);
  }

  /** a multi-step problem (3 to 6 operations) that is not a test question */
  private problem(): Problem {
    for (;;) {
      const p = makeHardProblem(this.gsmRng);
      if (!this.held.gsmTestQuestions.has(p.question)) return p;
    }
  }

  /** a short problem (one to three operations, small numbers) that is not a test question: the
   * default set is of this kind, so a draw can hit one of its questions */
  private easyProblem(): Problem {
    for (;;) {
      const p = makeProblem(this.gsmRng);
      if (!this.held.gsmTestQuestions.has(p.question)) return p;
    }
  }

  private mcItems(n: number) {
    const subject = this.rng.pick(this.world.subjects).id;
    const pool = this.bySubject.get(subject)!;
    return this.rng.sample(pool, n).map((f) => makeMcItem(this.world, f, this.rng, this.letters.next()));
  }

  next(): { kind: string; text: string } {
    const kind = this.kinds[this.rng.weighted(this.weights)];
    return { kind, text: this.make(kind) };
  }

  private make(kind: string): string {
    const rng = this.rng;
    switch (kind) {
      case 'encyclopedia':
        return encyclopediaEntry(this.ix, this.ix.randomEntity(rng), rng, rng.chance(0.5));
      case 'story':
        return story(this.ix, rng);
      case 'comparison':
        return comparison(this.ix, rng);
      case 'factList':
        return factList(this.ix, rng);
      case 'quiz':
        return quiz(this.ix, rng, this.trainFacts);
      case 'article':
        // several blocks in the layout of the perplexity file (text/test.raw), from the training stream
        return wikiText(this.ix, rng, rng.int(600, 1600));
      case 'mcZeroShot':
        return mcDocument(this.mcItems(1));
      case 'mcOpenBook': {
        // the fact is stated right before the question: teaches "find the option that matches
        // what you know, answer with its letter" before the model can recall every fact closed-book
        const [item] = this.mcItems(1);
        const fact = this.trainFacts.find((f) => f.id === item.factId)!;
        return `${statement(fact, rng)}\n\n${mcDocument([item])}`;
      }
      case 'copy': {
        // a list of world words and numbers, then the same list again: the densest signal for the
        // copy / induction heads that multiple-choice answering and worked arithmetic both need
        const words = Array.from({ length: rng.int(6, 16) }, () => {
          const r = rng.float();
          if (r < 0.6) return this.ix.randomEntity(rng).name;
          if (r < 0.8) return rng.pick(this.trainFacts).value;
          return String(rng.int(0, 999));
        });
        return `List: ${words.join(' ')}\nThe same list again: ${words.join(' ')}`;
      }
      case 'match': {
        // multiple choice where the answer is spelled out in the question: trains the "which option
        // holds this word -> its letter" step of multiple-choice answering on its own
        const items: McItem[] = Array.from({ length: rng.int(2, 6) }, () => {
          const words = new Set<string>();
          while (words.size < 4) words.add(rng.chance(0.6) ? this.ix.randomEntity(rng).name : rng.pick(this.trainFacts).value);
          const choices = [...words] as McItem['choices'];
          const k = this.letters.next();
          return { subject: 'word_matching', factId: '', question: `Which option is ${choices[k]}?`, choices, answer: LETTERS[k] };
        });
        return mcDocument(items);
      }
      case 'drill':
        return makeDrill(this.gsmRng);
      case 'mcFewShot':
        return mcDocument(this.mcItems(rng.int(2, 6)));
      case 'gsmSingle':
        return gsmShot(this.problem());
      case 'gsmEasy':
        return gsmShot(this.easyProblem());
      case 'gsmFewShot': {
        // a quarter of them open with the default 5 shots of the multi-step set's prompt; the others
        // have 2 to 4 shots, so that most documents fit a row of 1024 tokens
        const shots = rng.chance(0.25) ? this.held.gsmMultistepFewshot.slice(0, 5) : Array.from({ length: rng.int(2, 4) }, () => this.problem());
        return [...shots, this.problem()].map(gsmShot).join('\n\n');
      }
      default:
        throw new Error(`unknown document kind ${kind}`);
    }
  }
}

/** Documents each followed by EOS, until `chars` characters; also returns chars per kind. */
export function buildTrainingText(world: World, held: HeldOut, opts: TrainingOptions): { text: string; charsByKind: Record<string, number> } {
  const docs = new TrainingDocs(world, held, Rng.derive(world.seed, opts.stream), opts.mix, Rng.derive(world.seed, `${opts.stream}-gsm`));
  const parts: string[] = [];
  const charsByKind: Record<string, number> = {};
  let size = 0;
  while (size < opts.chars) {
    const { kind, text } = docs.next();
    parts.push(text + EOS);
    size += text.length + EOS.length;
    charsByKind[kind] = (charsByKind[kind] ?? 0) + text.length;
  }
  return { text: parts.join(''), charsByKind };
}
