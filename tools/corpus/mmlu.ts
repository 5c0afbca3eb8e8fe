// Multiple-choice questions about the world, in lm-evaluation-harness's MMLU prompt format
// (description line, "question\nA. ..\nB. ..\nC. ..\nD. ..\nAnswer:", target " X", few-shot
// examples joined by "\n\n") and in the Hendrycks CSV row layout.

import type { Rng } from './rng.js';
import { subjectTitle } from './subjects.js';
import { render, type Fact, type World } from './world.js';

export const LETTERS = ['A', 'B', 'C', 'D'] as const;
export type Letter = (typeof LETTERS)[number];

export interface McItem {
  subject: string;
  factId: string;
  question: string;
  choices: [string, string, string, string];
  answer: Letter;
}

/** One question about `fact` with the correct option at position `answerIndex` (0..3). */
export function makeMcItem(world: World, fact: Fact, rng: Rng, answerIndex: number): McItem {
  const domain = world.domains.get(`${fact.subject}.${fact.attr.key}`)!;
  const distractors = rng.sample(domain.filter((v) => v !== fact.value), 3);
  const choices = distractors.slice();
  choices.splice(answerIndex, 0, fact.value);
  return {
    subject: fact.subject,
    factId: fact.id,
    question: render(rng.pick(fact.attr.questions), fact.entity),
    choices: choices as McItem['choices'],
    answer: LETTERS[answerIndex],
  };
}

/** Answer positions that cycle through A-D in shuffled blocks of four: balanced letters. */
export class LetterCycle {
  private block: number[] = [];
  constructor(private readonly rng: Rng) {}
  next(): number {
    if (this.block.length === 0) this.block = this.rng.shuffle([0, 1, 2, 3]);
    return this.block.pop()!;
  }
}

export function description(subject: string): string {
  return `The following are multiple choice questions (with answers) about ${subjectTitle(subject)}.\n\n`;
}

/** lm-eval mmlu doc_to_text: ends in "Answer:" (the continuation is " A" .. " D"). */
export function promptOf(item: McItem): string {
  const opts = item.choices.map((c, i) => `${LETTERS[i]}. ${c}`).join('\n');
  return `${item.question.trim()}\n${opts}\nAnswer:`;
}

/** A training document: description, shots and the final question, all answered. */
export function mcDocument(items: McItem[]): string {
  return description(items[0].subject) + items.map((it) => `${promptOf(it)} ${it.answer}`).join('\n\n');
}

export function csvRow(item: McItem): string[] {
  return [item.question, ...item.choices, item.answer];
}
