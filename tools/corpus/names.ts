// Invented names for the synthetic world. Every kind has its own suffixes so a name hints at
// what it names (like real words do), and a registry keeps all names distinct across kinds.

import type { Rng } from './rng.js';

const ONSETS = ['b', 'br', 'd', 'dr', 'f', 'g', 'gr', 'k', 'kr', 'l', 'm', 'n', 'p', 'r', 's', 'st', 't', 'th', 'v', 'z', 'sh', 'qu'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'o', 'a', 'e'];
const CODAS = ['', '', '', 'n', 'r', 'l', 's', 'th', 'm', 'k'];

export type NameKind =
  | 'country' | 'city' | 'river' | 'language' | 'currency'
  | 'animal' | 'element' | 'symbol' | 'planet' | 'star' | 'first' | 'last';

const SUFFIXES: Record<NameKind, string[]> = {
  country: ['ia', 'land', 'ora', 'istan', 'ar', 'ova'],
  city: ['ton', 'by', 'mere', 'holt', 'ford', 'ven', 'ara'],
  river: ['', 'a', 'el'],
  language: ['ic', 'ish', 'ese', 'ian'],
  currency: ['', 'et', 'o'],
  animal: ['fox', 'moth', 'hound', 'finch', 'toad', 'crab', 'bat', 'newt', 'owl', 'mole', 'eel', 'lynx'],
  element: ['ium', 'on', 'ite', 'um'],
  symbol: [''],
  planet: ['is', 'on', 'a', 'us', 'ea'],
  star: ['', 'ar', 'ion', 'el'],
  first: ['a', 'o', 'en', 'is', 'el', ''],
  last: ['', 'er', 'son', 'wick', 'ley', 'in'],
};

const SYLLABLES: Record<NameKind, [number, number]> = {
  country: [1, 2], city: [1, 2], river: [1, 2], language: [1, 2], currency: [1, 1],
  animal: [1, 2], element: [1, 2], symbol: [0, 0], planet: [1, 2], star: [1, 2], first: [1, 2], last: [1, 2],
};

function syllable(rng: Rng): string {
  return rng.pick(ONSETS) + rng.pick(VOWELS) + rng.pick(CODAS);
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Hands out distinct names; `taken` also blocks ordinary words the templates use. */
export class NameRegistry {
  private readonly taken = new Set<string>();

  constructor(private readonly rng: Rng, reserved: Iterable<string> = []) {
    for (const r of reserved) this.taken.add(r.toLowerCase());
  }

  make(kind: NameKind): string {
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const name = this.draw(kind);
      const key = name.toLowerCase();
      // distinct across kinds, so an option string never names two things
      if (this.taken.has(key) || (kind !== 'symbol' && name.length < 3)) continue;
      this.taken.add(key);
      return name;
    }
    throw new Error(`NameRegistry: could not draw a fresh ${kind} name`);
  }

  many(kind: NameKind, n: number): string[] {
    return Array.from({ length: n }, () => this.make(kind));
  }

  private draw(kind: NameKind): string {
    if (kind === 'symbol') {
      const up = 'ABCDEFGHKLMNPRSTVZ';
      const lo = 'abdeghiklmnorstuxz';
      return up.charAt(this.rng.int(0, up.length - 1)) + lo.charAt(this.rng.int(0, lo.length - 1));
    }
    const [lo, hi] = SYLLABLES[kind];
    let stem = '';
    const n = this.rng.int(lo, hi);
    for (let i = 0; i < n; i++) stem += syllable(this.rng);
    const word = stem + this.rng.pick(SUFFIXES[kind]);
    // animals and elements are common nouns (lower case), the rest proper nouns
    return kind === 'animal' || kind === 'element' || kind === 'currency' ? word : capitalise(word);
  }
}
