// Reads a YAML file and validates it with a zod schema; every failure is an input error naming the
// file, the key path and the fix (tasks/*.yaml, devices/*.yaml, user files alike).

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { inputError } from '../errors.js';

export function readYamlFile<S extends z.ZodType>(path: string, schema: S, code: string, hint: string): z.infer<S> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw inputError(code, `${path}: ${(e as Error).message}`, 'fix the YAML syntax');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw inputError(code, `${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`, hint);
  }
  return parsed.data;
}
