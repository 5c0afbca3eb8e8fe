// Task definitions are YAML first (docs/design.md "The seams"): lm-evaluation-harness's task keys in
// camelCase, validated here with zod and loaded through a registry of the files in tasks/. Output
// types, dataset kinds and aggregations are ids of their registries, so a new task is a YAML file
// (plus, at most, one dataset loader).

import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { usageError } from '../errors.js';
import { readYamlFile } from '../util/yaml-file.js';
import { PACKAGE_ROOT } from '../engine/model-source.js';
import { DATASET_KINDS } from '../data/types.js';
import { AGGREGATION_IDS } from '../scoring/aggregations.js';
import { OUTPUT_TYPES } from './adapters/registry.js';

const metricSchema = z.object({
  metric: z.string(),
  aggregation: z.enum(AGGREGATION_IDS),
  higherIsBetter: z.boolean(),
  ignoreCase: z.boolean().optional(),
  ignorePunctuation: z.boolean().optional(),
  regexesToIgnore: z.array(z.string()).optional(),
});

const filterSchema = z.object({
  name: z.string(),
  steps: z.array(z.looseObject({ function: z.string() })),
});

export const taskSchema = z.object({
  task: z.string().regex(/^[a-z0-9-]+$/, 'kebab-case'),
  version: z.number().int(),
  dataset: z.object({
    /** the kind of records the task reads (a loader of task-data.ts) */
    format: z.enum(DATASET_KINDS),
    /** the project's own data, relative to the package root: the default when --data is absent */
    embedded: z.string(),
    evalSplit: z.string(),
    fewshotSplit: z.string().optional(),
  }),
  outputType: z.enum(OUTPUT_TYPES),
  groupBy: z.string().optional(),
  description: z.string().default(''),
  docToText: z.string().optional(),
  docToTarget: z.string().optional(),
  docToChoice: z.array(z.string()).optional(),
  targetDelimiter: z.string().default(' '),
  fewshotDelimiter: z.string().default('\n\n'),
  numFewshot: z.number().int().min(0).default(0),
  fewshotSampler: z.enum(['first_n']).default('first_n'),
  generation: z.object({ until: z.array(z.string()), maxGenToks: z.number().int().positive() }).optional(),
  filters: z.array(filterSchema).optional(),
  perplexity: z
    .object({ protocol: z.enum(['windows', 'rolling']), window: z.number().int().min(2), bootstrapIterations: z.number().int().min(0) })
    .optional(),
  metrics: z.array(metricSchema).min(1),
});

export type TaskConfig = z.infer<typeof taskSchema>;
export type MetricConfig = z.infer<typeof metricSchema>;

export const TASKS_DIR = join(PACKAGE_ROOT, 'tasks');

export function taskNames(dir = TASKS_DIR): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => basename(f, '.yaml')).sort() : [];
}

export function loadTaskFile(path: string): TaskConfig {
  return readYamlFile(path, taskSchema, 'task-yaml-invalid', 'see tasks/*.yaml for the keys a task takes');
}

/** The built-in task `name` (tasks/<name>.yaml); an unknown name lists the valid ones. */
export function loadTask(name: string, dir = TASKS_DIR): TaskConfig {
  const path = join(dir, `${name}.yaml`);
  if (!existsSync(path)) throw usageError('task-unknown', `unknown task "${name}"; tasks: ${taskNames(dir).join(', ')}`);
  return loadTaskFile(path);
}
