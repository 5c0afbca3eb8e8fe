// Builds the synthetic world from a seed: entities of every subject, one value per (entity,
// attribute) = a fact, and the train / held-out split of facts. Held-out facts are still stated
// in training text; only questions about them are kept out of training (see corpus.ts).

import { NameRegistry } from './names.js';
import { Rng } from './rng.js';
import { SUBJECTS, type AttributeDef, type SubjectDef } from './subjects.js';

export interface Entity {
  subject: string;
  index: number;
  name: string;
  /** as the entity reads mid-sentence, e.g. "the glimmerfox" */
  mid: string;
  /** as it reads at the start of a sentence, e.g. "The glimmerfox" */
  start: string;
}

export interface Fact {
  /** stable id "subject/entityIndex/attr" */
  id: string;
  subject: string;
  entity: Entity;
  attr: AttributeDef;
  value: string;
  heldOut: boolean;
}

export interface World {
  seed: number;
  subjects: SubjectDef[];
  entities: Map<string, Entity[]>;
  facts: Fact[];
  /** every value an attribute can take (distractors come from here), keyed "subject.attr" */
  domains: Map<string, string[]>;
}

/** held-out facts per subject = MMLU-style test questions per subject */
export const HELD_OUT_PER_SUBJECT = 60;

const RESERVED_WORDS = ['the', 'and', 'answer', 'question', 'river', 'city', 'star', 'planet'];

function makePerson(reg: NameRegistry): string {
  return `${reg.make('first')} ${reg.make('last')}`;
}

function makeEntities(subject: SubjectDef, reg: NameRegistry): Entity[] {
  return Array.from({ length: subject.count }, (_, index) => {
    const name = subject.entityKind === 'person' ? makePerson(reg) : reg.make(subject.entityKind);
    const mid = subject.article ? `${subject.article} ${name}` : name;
    const start = mid.charAt(0).toUpperCase() + mid.slice(1);
    return { subject: subject.id, index, name, mid, start };
  });
}

/** Which attributes of which entity are held out: balanced over attributes, 1-2 per entity. */
function heldOutSlots(rng: Rng, nEntities: number, nAttrs: number, total: number): Set<string> {
  const order = rng.shuffle(Array.from({ length: nEntities }, (_, i) => i));
  const extra = total - nEntities; // entities that get a second held-out attribute
  if (extra < 0 || extra > nEntities) throw new Error('heldOutSlots: need nEntities <= total <= 2*nEntities');
  const attrOrder = rng.shuffle(Array.from({ length: nAttrs }, (_, i) => i));
  const slots = new Set<string>();
  let j = 0;
  order.forEach((e, rank) => {
    const n = rank < extra ? 2 : 1;
    for (let t = 0; t < n; t++) slots.add(`${e}/${attrOrder[(j + t) % nAttrs]}`);
    j += n;
  });
  return slots;
}

export function buildWorld(seed: number): World {
  const rng = Rng.derive(seed, 'world');
  const reg = new NameRegistry(rng, RESERVED_WORDS);
  const entities = new Map<string, Entity[]>();
  for (const s of SUBJECTS) entities.set(s.id, makeEntities(s, reg));

  const domains = new Map<string, string[]>();
  const facts: Fact[] = [];
  // values that reference another subject need that subject's facts first
  const valueOf = new Map<string, string>();
  for (const s of SUBJECTS) {
    const ents = entities.get(s.id)!;
    const held = heldOutSlots(rng, ents.length, s.attributes.length, HELD_OUT_PER_SUBJECT);
    s.attributes.forEach((attr, ai) => {
      const src = attr.values;
      let domain: string[];
      let values: string[];
      if ('pool' in src) {
        domain = src.pool.slice();
        values = ents.map(() => rng.pick(domain));
      } else if ('names' in src) {
        domain = reg.many(src.names, src.count);
        values = ents.map(() => rng.pick(domain));
      } else if ('unique' in src) {
        values = reg.many(src.unique, ents.length);
        domain = values.slice();
      } else if ('entitiesOf' in src) {
        domain = entities.get(src.entitiesOf)!.map((e) => e.mid);
        values = ents.map(() => rng.pick(domain));
      } else {
        const owners = entities.get(src.capitalsOf)!;
        domain = owners.map((o) => valueOf.get(`${src.capitalsOf}/${o.index}/capital`)!);
        values = ents.map(() => rng.pick(domain));
      }
      domains.set(`${s.id}.${attr.key}`, domain);
      ents.forEach((entity, ei) => {
        const id = `${s.id}/${ei}/${attr.key}`;
        valueOf.set(id, values[ei]);
        facts.push({ id, subject: s.id, entity, attr, value: values[ei], heldOut: held.has(`${ei}/${ai}`) });
      });
    });
  }
  return { seed, subjects: SUBJECTS, entities, facts, domains };
}

/** Fill a template; `{E}`/`{e}` entity, `{v}` value; the first letter of the sentence is capitalised. */
export function render(template: string, entity: Entity, value = ''): string {
  const out = template.replace(/\{E\}/g, entity.start).replace(/\{e\}/g, entity.mid).replace(/\{v\}/g, value);
  return out.charAt(0).toUpperCase() + out.slice(1);
}
