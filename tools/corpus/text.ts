// Plain text about the world: single statements, encyclopedia entries, comparisons, fact lists,
// short quizzes and stories that chain facts across subjects (a person's city is a country's
// capital, their pet is an animal), so documents are topical but not isolated.

import type { Rng } from './rng.js';
import { render, type Entity, type Fact, type World } from './world.js';

const INTRO: Record<string, string[]> = {
  world_geography: ['{E} is a country.', '{E} is a small country.', '{E} is a country with a long history.'],
  fictional_biology: ['{E} is an animal.', '{E} is a small animal.', '{E} is a wild animal.'],
  fictional_chemistry: ['{E} is a chemical element.', '{E} is an element.', '{E} is a metal-like element.'],
  fictional_astronomy: ['{E} is a planet.', '{E} is a distant planet.', '{E} is a planet far from here.'],
  notable_people: ['{E} is remembered in many towns.', '{E} is a well known figure.', '{E} lived long ago.'],
};

export function statement(fact: Fact, rng: Rng): string {
  return render(rng.pick(fact.attr.statements), fact.entity, fact.value);
}

/** Index facts by subject and entity once; every generator below reads from it. */
export class FactIndex {
  readonly byEntity = new Map<string, Fact[]>();
  readonly bySubjectAttr = new Map<string, Fact[]>();

  constructor(readonly world: World) {
    for (const f of world.facts) {
      const k = `${f.subject}/${f.entity.index}`;
      if (!this.byEntity.has(k)) this.byEntity.set(k, []);
      this.byEntity.get(k)!.push(f);
      const sa = `${f.subject}.${f.attr.key}`;
      if (!this.bySubjectAttr.has(sa)) this.bySubjectAttr.set(sa, []);
      this.bySubjectAttr.get(sa)!.push(f);
    }
  }

  of(entity: Entity): Fact[] {
    return this.byEntity.get(`${entity.subject}/${entity.index}`)!;
  }

  get(entity: Entity, attr: string): Fact {
    return this.of(entity).find((f) => f.attr.key === attr)!;
  }

  randomEntity(rng: Rng, subject?: string): Entity {
    const s = subject ?? rng.pick(this.world.subjects).id;
    return rng.pick(this.world.entities.get(s)!);
  }

  /** the entity whose `attr` has this value, e.g. the country whose capital is "Velmora" */
  ownerOf(subject: string, attr: string, value: string): Entity | undefined {
    return this.bySubjectAttr.get(`${subject}.${attr}`)!.find((f) => f.value === value)?.entity;
  }

  /** the biology entity behind a pet value ("the glimmerfox") */
  entityByMid(subject: string, mid: string): Entity | undefined {
    return this.world.entities.get(subject)!.find((e) => e.mid === mid);
  }
}

export function encyclopediaEntry(ix: FactIndex, entity: Entity, rng: Rng, heading = true): string {
  const subject = ix.world.subjects.find((s) => s.id === entity.subject)!;
  const sentences = [render(rng.pick(INTRO[entity.subject]), entity)];
  const facts = rng.shuffle(ix.of(entity));
  for (const f of facts) {
    sentences.push(statement(f, rng));
    if (rng.chance(0.2)) sentences.push(render(rng.pick(subject.fillers), entity));
  }
  const body = sentences.join(' ');
  return heading ? `= ${entity.name} =\n\n${body}` : body;
}

export function comparison(ix: FactIndex, rng: Rng): string {
  const subject = rng.pick(ix.world.subjects);
  const [a, b] = rng.sample(ix.world.entities.get(subject.id)!, 2);
  const attr = rng.pick(subject.attributes);
  const fa = ix.get(a, attr.key);
  const fb = ix.get(b, attr.key);
  if (fa.value === fb.value) {
    return `${statement(fa, rng)} ${statement(fb, rng)} So ${a.mid} and ${b.mid} are alike in this way.`;
  }
  return `${statement(fa, rng)} ${statement(fb, rng)} In this, ${a.mid} and ${b.mid} are different.`;
}

export function factList(ix: FactIndex, rng: Rng): string {
  const subject = rng.pick(ix.world.subjects);
  const n = rng.int(4, 8);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = ix.randomEntity(rng, subject.id);
    lines.push(`- ${statement(rng.pick(ix.of(e)), rng)}`);
  }
  return `Some facts about ${subject.id.replace(/_/g, ' ')}:\n${lines.join('\n')}`;
}

/** A short story that hops from a person to their city, its country, their pet and so on. */
export function story(ix: FactIndex, rng: Rng): string {
  const person = ix.randomEntity(rng, 'notable_people');
  const out: string[] = [];
  const prof = ix.get(person, 'profession');
  const city = ix.get(person, 'city');
  const pet = ix.get(person, 'pet');
  const instrument = ix.get(person, 'instrument');
  out.push(statement(prof, rng), statement(city, rng));
  const country = ix.ownerOf('world_geography', 'capital', city.value);
  if (country && rng.chance(0.8)) {
    out.push(`${city.value} is the capital of ${country.name}.`);
    for (const f of rng.sample(ix.of(country).filter((f) => f.attr.key !== 'capital'), rng.int(1, 2))) {
      out.push(statement(f, rng));
    }
  }
  if (rng.chance(0.6)) out.push(statement(instrument, rng));
  out.push(statement(pet, rng));
  const animal = ix.entityByMid('fictional_biology', pet.value);
  if (animal) {
    for (const f of rng.sample(ix.of(animal), rng.int(1, 2))) out.push(statement(f, rng));
  }
  const event = rng.pick([
    `One day, ${person.name} went on a long journey.`,
    `Every spring, ${person.name} visited old friends.`,
    `Late in life, ${person.name} wrote a book about home.`,
    `${person.name} often told stories to the children of the town.`,
  ]);
  out.splice(rng.int(1, out.length), 0, event);
  if (rng.chance(0.5)) {
    const far = ix.randomEntity(rng, rng.pick(['fictional_astronomy', 'fictional_chemistry']));
    const f = rng.pick(ix.of(far));
    out.push(rng.pick([`${person.name} once read that`, `A teacher told ${person.name} that`, 'It is said in that town that']) +
      ' ' + lowerFirst(statement(f, rng)));
  }
  return out.join(' ');
}

function lowerFirst(s: string): string {
  // keep proper nouns ("Zorvania ...") capitalised; only lower a leading article
  return /^(The|A|An) /.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s;
}

/** Questions with short answers about TRAINING facts only (never held-out ones). */
export function quiz(ix: FactIndex, rng: Rng, trainFacts: Fact[]): string {
  const n = rng.int(2, 5);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = rng.pick(trainFacts);
    lines.push(`Q: ${render(rng.pick(f.attr.questions), f.entity)}\nA: ${f.value.charAt(0).toUpperCase() + f.value.slice(1)}.`);
  }
  return lines.join('\n\n');
}

/** wikitext-like layout: " = Title = " headings, paragraphs separated by blank lines */
export function wikiText(ix: FactIndex, rng: Rng, chars: number): string {
  const parts: string[] = [];
  let size = 0;
  while (size < chars) {
    const r = rng.float();
    let block: string;
    if (r < 0.45) {
      const e = ix.randomEntity(rng);
      block = ` = ${e.name} = \n\n ${encyclopediaEntry(ix, e, rng, false)} \n`;
    } else if (r < 0.85) {
      block = ` ${story(ix, rng)} \n`;
    } else {
      block = ` ${comparison(ix, rng)} \n`;
    }
    parts.push(block);
    size += block.length + 1;
  }
  return parts.join('\n');
}
