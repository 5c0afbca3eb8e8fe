// Sharded runs merged equal the unsharded run (timing and run metadata aside), for several shard
// counts; merge refuses shards of different runs, missing and duplicated shards; shard indices from
// an orchestrator's environment (three processes standing in for a Kubernetes Indexed Job).

import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runConfig, type RunConfig } from '../../src/run/config.js';
import { evaluateLoaded } from '../../src/run/evaluate.js';
import { loadModel, type LoadedModel } from '../../src/run/loaded-model.js';
import { mergeShards } from '../../src/run/merge.js';
import { MoeEvalError } from '../../src/errors.js';
import { ROOT, SAMPLE_DATASETS } from '../helpers/fixtures.js';
import { makeTokenizerModel } from '../helpers/tokenizer-model.js';
import { runCli } from './cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'moe-eval-shard-'));

/** three real MMLU subjects in the Hendrycks layout (the committed sample): enough samples for 7 shards, quick to run */
function smallMmlu(): string {
  const dir = tmp();
  mkdirSync(join(dir, 'test'));
  for (const s of ['anatomy', 'astronomy', 'virology']) copyFileSync(join(SAMPLE_DATASETS, 'mmlu-hendrycks', 'test', `${s}_test.csv`), join(dir, 'test', `${s}_test.csv`));
  return dir;
}
let DATA: string;

/** results without the fields that legitimately differ: run metadata (dates, argv, merge provenance) and measured time / memory */
function comparable(dir: string) {
  const { run, latency, memory, ...rest } = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  return rest;
}
const samples = (dir: string) => readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => { const { latency, ...r } = JSON.parse(l); return r; });

describe('sharding', () => {
  let model: string;
  let loaded: LoadedModel;
  let whole: string;
  const base = (): RunConfig => runConfig({ task: 'mmlu', data: DATA, limit: 4, routing: { strategy: 'cache-prior', params: { lambda: 0.5 }, cache: 4, deltaAvg: deltaFile } });
  let deltaFile: string;

  beforeAll(async () => {
    DATA = smallMmlu();
    model = makeTokenizerModel();
    const cal = join(tmp(), 'delta.json');
    expect(runCli(['calibrate', 'mmlu', '--model', model, '--data', DATA, '--limit', '1', '--out', cal, '--quiet']).status).toBe(0);
    deltaFile = cal;
    loaded = await loadModel(model, base().engine);
    whole = join(tmp(), 'whole');
    await evaluateLoaded(loaded, { ...base(), output: whole });
    return () => loaded.model.release();
  });

  it.each([1, 3, 7])('%i shards merge to the unsharded result', async (n) => {
    const root = tmp();
    const dirs: string[] = [];
    for (let i = 0; i < n; i++) {
      dirs.push(join(root, `s${i}`));
      await evaluateLoaded(loaded, { ...base(), output: dirs[i], shard: { index: i, count: n } });
    }
    const out = join(root, 'merged');
    const doc = mergeShards(dirs.reverse(), out, []);
    expect(doc.run.merge).toMatchObject({ shards: n, identicalToUnsharded: true });
    expect(comparable(out)).toEqual(comparable(whole));
    expect(samples(out)).toEqual(samples(whole));
  });

  it('marks cache-prior with a running Δavg as not identical', async () => {
    const root = tmp();
    const dirs = [0, 1].map((i) => join(root, `s${i}`));
    for (const [i, d] of dirs.entries()) await evaluateLoaded(loaded, { ...base(), routing: { ...base().routing, deltaAvg: null }, output: d, shard: { index: i, count: 2 } });
    const doc = mergeShards(dirs, join(root, 'merged'), []);
    expect(doc.run.merge!.identicalToUnsharded).toBe(false);
    expect(doc.run.merge!.reasons.join(' ')).toContain('Δavg');
  });

  it('refuses shards of different runs, missing and duplicated shards, naming them', async () => {
    const root = tmp();
    const a0 = join(root, 'a0');
    const a1 = join(root, 'a1');
    const b1 = join(root, 'b1');
    await evaluateLoaded(loaded, { ...base(), output: a0, shard: { index: 0, count: 2 } });
    await evaluateLoaded(loaded, { ...base(), output: a1, shard: { index: 1, count: 2 } });
    await evaluateLoaded(loaded, { ...base(), routing: { ...base().routing, params: { lambda: 0.25 } }, output: b1, shard: { index: 1, count: 2 } });
    const fails = (dirs: string[], code: string, mention: string) => {
      try {
        mergeShards(dirs, join(root, 'out'), []);
      } catch (e) {
        expect((e as MoeEvalError).code).toBe(code);
        expect((e as MoeEvalError).exitCode).toBe(2);
        expect((e as Error).message).toContain(mention);
        return;
      }
      throw new Error('merge should have failed');
    };
    fails([a0, b1], 'merge-different-runs', b1);
    fails([a0], 'merge-missing-shards', '1/2');
    fails([a0, a1, a1], 'merge-duplicate-shards', '1/2');
    // and through the CLI: exit 2
    const r = runCli(['merge', a0, '--out', join(root, 'cli')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('missing shards: 1/2');
  });

  it('three processes with JOB_COMPLETION_INDEX (an Indexed Job) merge to the unsharded result', async () => {
    const root = tmp();
    const args = ['mmlu', '--model', model, '--data', DATA, '--limit', '4', '--cache', '4', '--strategy', 'cache-prior', '--lambda', '0.5', '--delta-avg', deltaFile, '--shard', 'auto/3', '--quiet'];
    await Promise.all(
      [0, 1, 2].map(
        (i) =>
          new Promise<void>((resolve, reject) => {
            const p = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args, '--output', join(root, `s${i}`)], { env: { ...process.env, JOB_COMPLETION_INDEX: String(i) }, stdio: 'ignore' });
            p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`shard ${i} exited ${code}`))));
          }),
      ),
    );
    const r = runCli(['merge', ...[0, 1, 2].map((i) => join(root, `s${i}`)), '--out', join(root, 'merged'), '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(comparable(join(root, 'merged'))).toEqual(comparable(whole));
  });
});
