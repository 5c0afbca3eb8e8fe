// A Hugging Face checkpoint directory on local disk: config.json plus model.safetensors, or sharded
// *.safetensors with model.safetensors.index.json (transformers' modeling_utils layout). Opens only
// headers; tensors are read one at a time, by byte range, when the model asks for them.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inputError } from '../errors.js';
import { SafetensorsFile, type StoredDtype, type TensorInfo } from './safetensors.js';

export class Checkpoint {
  readonly config: Record<string, unknown>;
  private readonly files: SafetensorsFile[];
  private readonly fileOf = new Map<string, SafetensorsFile>();

  private constructor(readonly dir: string, config: Record<string, unknown>, files: SafetensorsFile[]) {
    this.config = config;
    this.files = files;
    for (const f of files) for (const name of f.tensors.keys()) this.fileOf.set(name, f);
  }

  static open(dir: string): Checkpoint {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw inputError('model-dir-missing', `model directory ${dir} does not exist`, 'pass --model with a Hugging Face checkpoint directory (config.json + *.safetensors) or a hub id present in the local cache');
    }
    const config = readConfig(dir);
    const files = shardPaths(dir).map((p) => SafetensorsFile.open(p));
    return new Checkpoint(dir, config, files);
  }

  has(name: string): boolean {
    return this.fileOf.has(name);
  }

  info(name: string): TensorInfo {
    return this.fileFor(name).info(name)!;
  }

  /** One tensor as float32, optionally checked against the expected shape, optionally into `out`. */
  readF32(name: string, shape?: readonly number[], out?: Float32Array): Float32Array {
    if (shape) this.expectShape(name, shape);
    return this.fileFor(name).readF32(name, out);
  }

  /** Refuses a tensor whose shape is not `shape`, naming its file. */
  expectShape(name: string, shape: readonly number[]): void {
    const file = this.fileFor(name);
    const actual = file.info(name)!.shape;
    if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) {
      throw inputError('tensor-shape', `${file.path}: tensor ${name} has shape [${actual}], expected [${shape}]`, 'config.json does not match the weights');
    }
  }

  /** Tensors read one after another into one array (rows of matrices, or vectors), each checked against its shape. */
  readStacked(parts: readonly (readonly [name: string, shape: readonly number[]])[], out?: Float32Array): Float32Array {
    const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
    const result = out ?? new Float32Array(parts.reduce((n, [, shape]) => n + size(shape), 0));
    let at = 0;
    for (const [name, shape] of parts) {
      this.readF32(name, shape, result.subarray(at, at + size(shape)));
      at += size(shape);
    }
    return result;
  }

  readBytes(name: string, out?: Uint8Array): Uint8Array {
    return this.fileFor(name).readBytes(name, out);
  }

  floatDtype(name: string): StoredDtype {
    return this.fileFor(name).floatDtype(name);
  }

  readSlice(name: string, start: number, out: Uint8Array): void {
    this.fileFor(name).readSlice(name, start, out);
  }

  tensorNames(): string[] {
    return [...this.fileOf.keys()];
  }

  /** Weight files with their sizes, for the model identity recorded in results. */
  weightFiles(): { path: string; sizeBytes: number }[] {
    return this.files.map((f) => ({ path: f.path, sizeBytes: f.sizeBytes }));
  }

  close(): void {
    for (const f of this.files) f.close();
  }

  private fileFor(name: string): SafetensorsFile {
    const f = this.fileOf.get(name);
    if (!f) {
      throw inputError(
        'tensor-missing',
        `${this.dir}: checkpoint has no tensor ${name} (searched ${this.files.map((x) => x.path).join(', ')})`,
        'the weights do not match config.json (model_type, layer count, experts)',
      );
    }
    return f;
  }
}

function readConfig(dir: string): Record<string, unknown> {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) throw inputError('config-missing', `${path} does not exist`, 'a Hugging Face checkpoint directory needs config.json');
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (e) {
    throw inputError('config-malformed', `${path}: ${(e as Error).message}`, 'fix or re-download config.json');
  }
}

/** model.safetensors.index.json when present (its weight_map names the shards), else model.safetensors, else every *.safetensors. */
function shardPaths(dir: string): string[] {
  const index = join(dir, 'model.safetensors.index.json');
  if (existsSync(index)) {
    let weightMap: Record<string, string>;
    try {
      weightMap = JSON.parse(readFileSync(index, 'utf8')).weight_map;
      if (!weightMap || typeof weightMap !== 'object') throw new Error('no weight_map object');
    } catch (e) {
      throw inputError('index-malformed', `${index}: ${(e as Error).message}`, 'fix or re-download the index file');
    }
    const shards = [...new Set(Object.values(weightMap))].sort();
    for (const s of shards) {
      if (!existsSync(join(dir, s))) throw inputError('shard-missing', `${index} names shard ${s}, which is not in ${dir}`, 'download every shard of the checkpoint');
    }
    return shards.map((s) => join(dir, s));
  }
  const single = join(dir, 'model.safetensors');
  if (existsSync(single)) return [single];
  const all = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();
  if (all.length === 0) throw inputError('weights-missing', `${dir} has no *.safetensors weights`, 'only safetensors checkpoints are supported (convert .bin files with transformers)');
  return all.map((f) => join(dir, f));
}
