// The subjects of the synthetic world: what kinds of entities exist, which attributes they have,
// and the sentence / question templates that state and ask each attribute. Many statement
// templates per attribute because a small model only learns a fact it can retrieve from any
// phrasing when it has seen the fact in many phrasings (knowledge augmentation).

import type { NameKind } from './names.js';

/** `{E}` entity at sentence start, `{e}` entity mid-sentence, `{v}` the value. */
export type Template = string;

export interface AttributeDef {
  key: string;
  /** where values come from: a fixed pool, a pool of fresh names, a fresh name per entity, or another subject's entities */
  values:
    | { pool: string[] }
    | { names: NameKind; count: number }
    | { unique: NameKind }
    | { entitiesOf: string }
    | { capitalsOf: string };
  statements: Template[];
  /** multiple-choice question stems (same templates for train and held-out questions) */
  questions: Template[];
}

export interface SubjectDef {
  /** snake_case, as Hendrycks MMLU file names */
  id: string;
  entityKind: NameKind | 'person';
  count: number;
  /** how the entity reads mid-sentence and at sentence start */
  article: '' | 'the';
  attributes: AttributeDef[];
  /** filler sentences about one entity that state no attribute */
  fillers: Template[];
}

const COLOURS = ['red', 'blue', 'green', 'yellow', 'black', 'white', 'silver', 'orange', 'purple', 'brown', 'grey', 'pink'];

export const SUBJECTS: SubjectDef[] = [
  {
    id: 'world_geography',
    entityKind: 'country',
    count: 40,
    article: '',
    attributes: [
      {
        key: 'capital',
        values: { unique: 'city' },
        statements: [
          'The capital of {e} is {v}.', '{v} is the capital of {e}.', "{E}'s capital city is {v}.",
          'The government of {e} sits in {v}, its capital.', '{v}, the capital of {e}, is a busy city.',
          'The largest city and capital of {e} is {v}.', 'Travellers to {e} usually arrive in its capital, {v}.',
          'In {e}, the capital is {v}.',
        ],
        questions: ['What is the capital of {e}?', 'Which city is the capital of {e}?'],
      },
      {
        key: 'river',
        values: { unique: 'river' },
        statements: [
          'The {v} River flows through {e}.', '{E} is crossed by the {v} River.', 'The longest river in {e} is the {v}.',
          'The {v} is the main river of {e}.', 'Farmers in {e} take water from the {v} River.',
          'Boats carry goods along the {v} River in {e}.', 'The river of {e} is called the {v}.',
        ],
        questions: ['Which river flows through {e}?', 'What is the main river of {e}?'],
      },
      {
        key: 'language',
        values: { names: 'language', count: 12 },
        statements: [
          'People in {e} speak {v}.', 'The main language of {e} is {v}.', '{v} is spoken in {e}.',
          'Most people in {e} speak {v} at home.', 'Schools in {e} teach in {v}.', 'The language of {e} is {v}.',
          'In {e}, signs are written in {v}.',
        ],
        questions: ['What language is spoken in {e}?', 'Which language do most people in {e} speak?'],
      },
      {
        key: 'currency',
        values: { names: 'currency', count: 12 },
        statements: [
          'The currency of {e} is the {v}.', 'In {e}, people pay with the {v}.', 'The {v} is the money used in {e}.',
          'Shops in {e} take the {v}.', 'Prices in {e} are given in {v}s.', '{E} uses the {v} as its currency.',
        ],
        questions: ['What is the currency of {e}?', 'Which currency is used in {e}?'],
      },
    ],
    fillers: [
      '{E} is a country with many old roads.', 'Many visitors come to {e} in the summer.',
      '{E} has quiet villages and busy markets.', 'The people of {e} are known for their songs.',
      'Winters in {e} can be long.', '{E} trades with its neighbours.',
    ],
  },
  {
    id: 'fictional_biology',
    entityKind: 'animal',
    count: 40,
    article: 'the',
    attributes: [
      {
        key: 'habitat',
        values: { pool: ['forests', 'deserts', 'swamps', 'mountains', 'caves', 'grasslands', 'rivers', 'tundra', 'jungles', 'reefs', 'lakes', 'marshes'] },
        statements: [
          '{E} lives in {v}.', '{E} makes its home in {v}.', 'You can find {e} in {v}.', 'The home of {e} is {v}.',
          '{E} is an animal of the {v}.', 'In {v}, {e} is a common sight.', 'Explorers often see {e} in {v}.',
        ],
        questions: ['Where does {e} live?', 'In which habitat is {e} found?'],
      },
      {
        key: 'diet',
        values: { pool: ['berries', 'fish', 'insects', 'seeds', 'leaves', 'roots', 'mushrooms', 'worms', 'nectar', 'grass', 'snails', 'bark'] },
        statements: [
          '{E} eats mostly {v}.', 'The favourite food of {e} is {v}.', '{E} feeds on {v}.',
          '{E} spends the day looking for {v} to eat.', 'The diet of {e} is made of {v}.', 'Keepers feed {e} with {v}.',
        ],
        questions: ['What does {e} eat?', 'What is the main food of {e}?'],
      },
      {
        key: 'colour',
        values: { pool: COLOURS },
        statements: [
          '{E} is {v}.', 'The fur of {e} is {v}.', '{E} has a {v} coat.', 'You can spot {e} by its {v} colour.',
          'The colour of {e} is {v}.', 'Young and old, {e} is always {v}.',
        ],
        questions: ['What colour is {e}?', 'Which colour is the coat of {e}?'],
      },
      {
        key: 'legs',
        values: { pool: ['2', '4', '6', '8', '10', '12'] },
        statements: [
          '{E} has {v} legs.', '{E} walks on {v} legs.', 'The body of {e} rests on {v} legs.',
          'Count the legs of {e} and you get {v}.', 'With its {v} legs, {e} moves quickly.',
        ],
        questions: ['How many legs does {e} have?', 'How many legs does {e} walk on?'],
      },
    ],
    fillers: [
      '{E} is a shy animal.', '{E} sleeps during the hottest hours.', 'Some people keep {e} as a pet.',
      '{E} was first described long ago.', 'Children like to watch {e}.',
    ],
  },
  {
    id: 'fictional_chemistry',
    entityKind: 'element',
    count: 40,
    article: '',
    attributes: [
      {
        key: 'symbol',
        values: { unique: 'symbol' },
        statements: [
          'The chemical symbol of {e} is {v}.', '{E} has the symbol {v}.', 'Chemists write {e} as {v}.',
          'The symbol {v} stands for {e}.', 'In tables of elements, {e} appears as {v}.', '{v} is the symbol for {e}.',
        ],
        questions: ['What is the chemical symbol of {e}?', 'Which symbol stands for {e}?'],
      },
      {
        key: 'colour',
        values: { pool: COLOURS },
        statements: [
          'Pure {e} is {v}.', '{E} is a {v} element.', 'A piece of {e} looks {v}.', 'The colour of {e} is {v}.',
          'When polished, {e} shines {v}.', 'Chemists know {e} by its {v} colour.',
        ],
        questions: ['What colour is pure {e}?', 'Which colour does {e} have?'],
      },
      {
        key: 'use',
        values: { pool: ['glass', 'batteries', 'medicine', 'paint', 'jewellery', 'rockets', 'mirrors', 'fertiliser', 'coins', 'lamps', 'magnets', 'soap'] },
        statements: [
          '{E} is used to make {v}.', 'Factories use {e} to make {v}.', 'Most {e} ends up in {v}.',
          'The main use of {e} is in {v}.', 'Without {e}, making {v} would be hard.', 'Workers add {e} when they make {v}.',
        ],
        questions: ['What is {e} used to make?', 'What is the main use of {e}?'],
      },
      {
        key: 'source',
        values: { pool: ['volcanic rock', 'sea water', 'desert sand', 'clay', 'ice', 'meteorites', 'salt flats', 'coal', 'river mud', 'granite', 'caves', 'hot springs'] },
        statements: [
          '{E} is found in {v}.', 'Miners get {e} from {v}.', 'Most {e} comes from {v}.', 'You can collect {e} from {v}.',
          'The main source of {e} is {v}.', 'Small amounts of {e} hide in {v}.',
        ],
        questions: ['Where is {e} found?', 'What is the main source of {e}?'],
      },
    ],
    fillers: [
      '{E} is a rare element.', '{E} was studied by many chemists.', 'Students learn about {e} in school.',
      '{E} must be stored with care.', 'A small sample of {e} is kept in the museum.',
    ],
  },
  {
    id: 'fictional_astronomy',
    entityKind: 'planet',
    count: 40,
    article: '',
    attributes: [
      {
        key: 'star',
        values: { names: 'star', count: 10 },
        statements: [
          'The planet {e} orbits the star {v}.', '{E} circles the star {v}.', '{v} is the star of the planet {e}.',
          'From {e}, the star {v} fills the sky.', '{E} travels around {v}.', 'The sun of {e} is the star {v}.',
        ],
        questions: ['Which star does the planet {e} orbit?', 'What is the star of the planet {e}?'],
      },
      {
        key: 'moons',
        values: { pool: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] },
        statements: [
          'The planet {e} has {v} moons.', '{E} has {v} moons.', 'Astronomers count {v} moons around {e}.',
          'The number of moons of {e} is {v}.', 'At night, {e} is lit by its {v} moons.',
        ],
        questions: ['How many moons does the planet {e} have?', 'How many moons circle {e}?'],
      },
      {
        key: 'colour',
        values: { pool: COLOURS },
        statements: [
          'Seen through a telescope, {e} looks {v}.', 'The planet {e} is {v}.', '{E} shines {v} in the night sky.',
          'The colour of the planet {e} is {v}.', 'Pictures of {e} show a {v} world.',
        ],
        questions: ['What colour is the planet {e}?', 'Which colour does the planet {e} show?'],
      },
      {
        key: 'surface',
        values: { pool: ['ice', 'sand', 'oceans', 'lava', 'rock', 'clouds', 'crystals', 'dust', 'forests', 'salt', 'mud', 'metal'] },
        statements: [
          'The surface of {e} is covered in {v}.', '{E} is a world of {v}.', 'Landers on {e} found {v} everywhere.',
          'Most of {e} is covered by {v}.', 'The ground of {e} is made of {v}.',
        ],
        questions: ['What covers the surface of the planet {e}?', 'What is the surface of {e} made of?'],
      },
    ],
    fillers: [
      '{E} is far from here.', 'Few probes have visited {e}.', 'The days on {e} are long.',
      'Astronomers study {e} every year.', '{E} is a cold and quiet world.',
    ],
  },
  {
    id: 'notable_people',
    entityKind: 'person',
    count: 40,
    article: '',
    attributes: [
      {
        key: 'profession',
        values: { pool: ['baker', 'painter', 'sailor', 'doctor', 'teacher', 'miner', 'poet', 'builder', 'farmer', 'singer', 'judge', 'weaver'] },
        statements: [
          '{E} was a {v}.', '{E} worked as a {v}.', 'By trade, {e} was a {v}.', 'Everyone knew {e} as a good {v}.',
          'The {v} {e} was famous in the town.', '{E} spent a life working as a {v}.',
        ],
        questions: ['What was the profession of {e}?', 'What did {e} work as?'],
      },
      {
        key: 'city',
        values: { capitalsOf: 'world_geography' },
        statements: [
          '{E} lived in {v}.', '{E} was born in the city of {v}.', 'The home of {e} was in {v}.',
          '{E} spent most of a long life in {v}.', 'The city of {v} was home to {e}.', 'People in {v} remember {e}.',
        ],
        questions: ['In which city did {e} live?', 'Which city was home to {e}?'],
      },
      {
        key: 'instrument',
        values: { pool: ['flute', 'drum', 'harp', 'violin', 'horn', 'lute', 'bells', 'piano', 'guitar', 'trumpet', 'cello', 'organ'] },
        statements: [
          '{E} played the {v}.', 'In the evenings, {e} played the {v}.', 'The favourite instrument of {e} was the {v}.',
          '{E} learned to play the {v} as a child.', 'Friends of {e} loved to hear the {v}.',
        ],
        questions: ['Which instrument did {e} play?', 'What was the favourite instrument of {e}?'],
      },
      {
        key: 'pet',
        values: { entitiesOf: 'fictional_biology' },
        statements: [
          '{E} kept {v} as a pet.', 'The pet of {e} was {v}.', '{E} had a pet, {v}.',
          'Every day, {e} walked with a pet, {v}.', '{E} looked after {v} at home.',
        ],
        questions: ['What animal did {e} keep as a pet?', 'Which animal was the pet of {e}?'],
      },
    ],
    fillers: [
      '{E} was a kind person.', '{E} travelled a lot when young.', 'Many stories are told about {e}.',
      '{E} wrote long letters to friends.', '{E} liked quiet mornings.',
    ],
  },
];

/** Readable subject name, as lm-eval prints it in the MMLU description line. */
export const subjectTitle = (id: string) => id.replace(/_/g, ' ');
