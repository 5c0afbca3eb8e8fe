// The calibration file of `moe-eval calibrate` (--delta-avg): the per-layer Δavg of the model's
// own routing on a task, fixed for a cache-prior run so that no state crosses samples and the
// shards of a run equal one long run. It records the model it was measured on.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { inputError } from '../errors.js';

export const DELTA_AVG_SCHEMA = 'moe-eval.delta-avg/1';

export const deltaAvgFileSchema = z.looseObject({
  schema: z.literal(DELTA_AVG_SCHEMA),
  model: z.looseObject({ path: z.string(), configSha256: z.string() }),
  task: z.string(),
  samples: z.number().int().nonnegative(),
  layers: z.array(z.looseObject({ layer: z.number().int().nonnegative(), deltaAvg: z.number(), events: z.number() })),
});
export type DeltaAvgFile = z.infer<typeof deltaAvgFileSchema>;

export function readDeltaAvgFile(path: string): DeltaAvgFile {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw inputError('delta-avg-unreadable', `--delta-avg ${path}: ${(e as Error).message}`, 'pass a file written by `moe-eval calibrate`');
  }
  const parsed = deltaAvgFileSchema.safeParse(doc);
  if (!parsed.success) throw inputError('delta-avg-invalid', `--delta-avg ${path}: not a ${DELTA_AVG_SCHEMA} document`, 'pass a file written by `moe-eval calibrate`');
  return parsed.data;
}
