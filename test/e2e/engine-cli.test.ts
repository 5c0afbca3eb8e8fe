// `inspect` and `logits` end to end: the documented JSON, and exit code 2 with a message naming the
// file, tensor or flag for every kind of bad input.

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goldenDir, loadGolden } from '../helpers/fixtures.js';
import { runCli } from './cli.js';

const FIXTURE = 'olmoe-e8k2-f32';

/** a copy of the fixture whose files can be broken */
function brokenCopy(edit: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'moe-eval-cli-'));
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(goldenDir(FIXTURE), f), join(dir, f));
  edit(dir);
  return dir;
}

function expectUsageFailure(args: string[], mentions: string[]): void {
  const r = runCli(args);
  expect(r.status, r.stderr).toBe(2);
  for (const m of mentions) expect(r.stderr).toContain(m);
}

describe('logits', () => {
  it('prints the documented JSON, matching the golden fixture', () => {
    const g = loadGolden(FIXTURE);
    const r = runCli(['logits', '--model', goldenDir(FIXTURE), '--tokens', g.token_ids.join(','), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.logits).toHaveLength(g.token_ids.length);
    let maxDiff = 0;
    g.logits.forEach((row, t) => row.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - out.logits[t][i])))));
    expect(maxDiff).toBeLessThan(1e-4);
    // one routing entry per (token, MoE layer) with the contract's fields
    expect(out.routing).toHaveLength(g.token_ids.length * g.routing.length);
    const first = out.routing.find((x: { layer: number; token: number }) => x.layer === 1 && x.token === 5);
    expect(Object.keys(first).sort()).toEqual(['layer', 'selected', 'token', 'weights']);
    expect(first.selected).toEqual(g.routing[1].selected_experts[5]);
  });
});

describe('inspect', () => {
  it('reports the architecture and hand-computed sizes', () => {
    const r = runCli(['inspect', '--model', goldenDir(FIXTURE), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const f = JSON.parse(r.stdout);
    // olmoe-e8k2-f32: hidden 64, 3 layers, 8 experts of 48, top-2, F32
    expect(f).toMatchObject({ modelType: 'olmoe', layers: 3, moeLayers: [0, 1, 2], experts: 8, topK: 2, hiddenSize: 64, sharedExperts: null, storedDtypes: ['F32'] });
    expect(f.bytesPerExpert).toBe(3 * 64 * 48 * 4);
    // total = embed + head (256·64 each) + final norm + per layer: ln×2, q,k,v,o (64·64, 32·64, 32·64, 64·64), q_norm 64, k_norm 32, router 8·64, experts 8·3·64·48
    const perLayer = 2 * 64 + (64 * 64 + 2 * 32 * 64 + 64 * 64) + 64 + 32 + 8 * 64 + 8 * 3 * 64 * 48;
    expect(f.totalParameters).toBe(2 * 256 * 64 + 64 + 3 * perLayer);
    expect(f.activeParameters).toBe(f.totalParameters - 3 * 6 * 3 * 64 * 48);
  });
});

describe('bad input exits 2 and names what is wrong', () => {
  it('missing model directory', () => expectUsageFailure(['logits', '--model', '/no/such/dir', '--tokens', '1'], ['/no/such/dir']));
  it('token id beyond the vocabulary names --tokens', () => expectUsageFailure(['logits', '--model', goldenDir(FIXTURE), '--tokens', '1,256'], ['--tokens', '256']));
  it('malformed token list', () => expectUsageFailure(['logits', '--model', goldenDir(FIXTURE), '--tokens', '1,x'], ['--tokens']));
  it('unknown flag', () => expectUsageFailure(['logits', '--model', goldenDir(FIXTURE), '--tokens', '1', '--bogus'], ['--bogus']));
  it('unknown model_type lists the supported ones', () => {
    const dir = brokenCopy((d) => {
      const cfg = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
      writeFileSync(join(d, 'config.json'), JSON.stringify({ ...cfg, model_type: 'llama4' }));
    });
    expectUsageFailure(['inspect', '--model', dir], ['llama4', 'mixtral, qwen2_moe, olmoe, qwen3_moe', 'config.json']);
  });
  it('missing tensor names the tensor', () => {
    const dir = brokenCopy((d) => {
      const cfg = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
      writeFileSync(join(d, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 4 }));
    });
    expectUsageFailure(['logits', '--model', dir, '--tokens', '1,2'], ['model.layers.3.', dir]);
  });
  it('truncated weights file names the file', () => {
    const dir = brokenCopy((d) => writeFileSync(join(d, 'model.safetensors'), readFileSync(join(d, 'model.safetensors')).subarray(0, 100_000)));
    expectUsageFailure(['logits', '--model', dir, '--tokens', '1'], [join(dir, 'model.safetensors'), 'past the end']);
  });
  it('malformed header names the file', () => {
    const dir = brokenCopy((d) => {
      const buf = readFileSync(join(d, 'model.safetensors'));
      buf.write('#', 8); // first header byte: no longer JSON
      writeFileSync(join(d, 'model.safetensors'), buf);
    });
    expectUsageFailure(['logits', '--model', dir, '--tokens', '1'], [join(dir, 'model.safetensors'), 'not JSON']);
  });
  it('oversized header names the file', () => {
    const dir = brokenCopy((d) => {
      const buf = readFileSync(join(d, 'model.safetensors'));
      buf.writeBigUInt64LE(2n ** 50n, 0);
      writeFileSync(join(d, 'model.safetensors'), buf);
    });
    expectUsageFailure(['logits', '--model', dir, '--tokens', '1'], [join(dir, 'model.safetensors'), 'header length']);
  });
  it('shape mismatch between config and weights names the tensor', () => {
    const dir = brokenCopy((d) => {
      const cfg = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
      writeFileSync(join(d, 'config.json'), JSON.stringify({ ...cfg, intermediate_size: 40 }));
    });
    expectUsageFailure(['logits', '--model', dir, '--tokens', '1'], ['experts.0.gate_proj.weight', 'expected [40,64]']);
  });
});

describe('hub ids resolve inside the local Hugging Face cache only', () => {
  it('finds models--ORG--NAME/snapshots/<refs/main>', () => {
    const cache = mkdtempSync(join(tmpdir(), 'moe-eval-hub-'));
    const commit = 'a'.repeat(40);
    const snap = join(cache, 'models--acme--tiny-moe', 'snapshots', commit);
    mkdirSync(snap, { recursive: true });
    mkdirSync(join(cache, 'models--acme--tiny-moe', 'refs'));
    writeFileSync(join(cache, 'models--acme--tiny-moe', 'refs', 'main'), commit);
    for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(goldenDir(FIXTURE), f), join(snap, f));
    const r = runCli(['inspect', '--model', 'acme/tiny-moe', '--json'], { env: { HF_HUB_CACHE: cache } });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).path).toBe(snap);
  });
  it('a hub id missing from the cache lists the places searched', () => {
    const cache = mkdtempSync(join(tmpdir(), 'moe-eval-hub-'));
    const r = runCli(['inspect', '--model', 'acme/absent'], { env: { HF_HUB_CACHE: cache } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(join(cache, 'models--acme--absent'));
  });
});
