// Corpus generator CLI: world -> held-out datasets (+ manifest) and the training corpus.
//   npx tsx tools/corpus/cli.ts --seed 1 --out tmp/embedded/corpus [--datasets datasets] [--train-chars N]
// Same seed and sizes -> byte-identical output.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderDatasets } from './datasets.js';
import { buildHeldOut } from './heldout.js';
import { buildTrainingText } from './training.js';
import { buildWorld } from './world.js';

function write(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      datasets: { type: 'string' },
      'train-chars': { type: 'string', default: '16000000' },
      'valid-chars': { type: 'string', default: '300000' },
      // document-mix overrides, e.g. "mcOpenBook=1.5,mcZeroShot=6"
      mix: { type: 'string', default: '' },
      // PRNG stream of the training documents; another name gives another corpus of the same world
      stream: { type: 'string', default: 'train' },
    },
  });
  if (!values.out) {
    console.error('usage: cli.ts --seed N --out DIR [--datasets DIR] [--train-chars N] [--valid-chars N] [--mix kind=w,...] [--stream NAME]');
    process.exit(2);
  }
  const seed = Number(values.seed);
  const world = buildWorld(seed);
  const held = buildHeldOut(world);
  const { files, manifest } = renderDatasets(held, seed);
  const dsRoot = values.datasets ?? join(values.out, 'datasets');
  for (const [path, content] of files) write(join(dsRoot, path), content);
  write(join(dsRoot, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

  const mix = Object.fromEntries(
    values.mix.split(',').filter(Boolean).map((kv) => {
      const [k, v] = kv.split('=');
      return [k, Number(v)];
    }),
  );
  const train = buildTrainingText(world, held, { chars: Number(values['train-chars']), stream: values.stream, mix });
  write(join(values.out, 'train.txt'), train.text);
  const valid = buildTrainingText(world, held, { chars: Number(values['valid-chars']), stream: `${values.stream === 'train' ? '' : `${values.stream}-`}valid`, mix });
  write(join(values.out, 'valid.txt'), valid.text);
  // the world itself, for inspection and for the evaluation scripts' sanity checks
  const facts = world.facts.map((f) => ({ id: f.id, subject: f.subject, entity: f.entity.name, attr: f.attr.key, value: f.value, heldOut: f.heldOut }));
  write(join(values.out, 'world.json'), JSON.stringify({ seed, facts }, null, 1) + '\n');
  const total = Object.values(train.charsByKind).reduce((a, b) => a + b, 0);
  const shares = Object.fromEntries(Object.entries(train.charsByKind).map(([k, v]) => [k, +(v / total).toFixed(3)]));
  console.log(JSON.stringify({ seed, trainChars: train.text.length, validChars: valid.text.length, shares, datasets: dsRoot }, null, 1));
}

main();
