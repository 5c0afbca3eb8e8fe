// model_type -> architecture. Adding an architecture = one file + one line here.

import { inputError } from '../../errors.js';
import type { ModelSpec } from '../spec.js';
import { storageOf } from '../stored-blocks.js';
import { deepseekV2 } from './deepseek-v2.js';
import { mixtral } from './mixtral.js';
import { olmoe } from './olmoe.js';
import { phimoe } from './phimoe.js';
import { qwen2Moe } from './qwen2-moe.js';
import { qwen3Moe } from './qwen3-moe.js';

export interface Architecture {
  /** HF config.json model_type */
  modelType: string;
  /** config.json -> normalised spec; `source` names the file in error messages */
  parse(config: Record<string, unknown>, source: string): Omit<ModelSpec, 'storage'>;
}

const ARCHITECTURES = new Map<string, Architecture>([mixtral, qwen2Moe, olmoe, qwen3Moe, deepseekV2, phimoe].map((a) => [a.modelType, a]));

export const supportedModelTypes = (): string[] => [...ARCHITECTURES.keys()];

export function parseModelSpec(config: Record<string, unknown>, source: string): ModelSpec {
  const type = config.model_type;
  const arch = typeof type === 'string' ? ARCHITECTURES.get(type) : undefined;
  if (!arch) {
    throw inputError('model-type-unsupported', `${source}: model_type ${JSON.stringify(type)} is not supported; supported: ${supportedModelTypes().join(', ')}`, 'use a checkpoint of a supported architecture');
  }
  return { ...arch.parse(config, source), storage: storageOf(config, source) };
}
