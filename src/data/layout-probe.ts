// Recognises which on-disk layout a located path is in, from a loader's ordered list of probes
// (a registry per dataset kind), and says which layouts are accepted when none matches.

import { inputError, type MoeEvalError } from '../errors.js';
import type { PathKind } from './fs-probe.js';
import type { DatasetFormat } from './types.js';

export interface PlannedFile {
  readonly path: string;
  readonly format: DatasetFormat;
  /** MMLU layouts that carry the subject in the file or folder name */
  readonly subject?: string;
}

export interface LayoutPlan {
  readonly layout: string;
  readonly files: readonly PlannedFile[];
}

export interface LayoutProbe {
  readonly name: string;
  /** one line for the "expected layouts" help */
  readonly help: string;
  /**
   * A plan when the path is in this layout; undefined when it is not. Throws when the layout is
   * recognised but the requested split is missing (naming the path it expected).
   */
  probe(path: string, kind: PathKind, split: string): Promise<LayoutPlan | undefined>;
}

export const layoutHelp = (probes: readonly LayoutProbe[]): string => probes.map((p) => `  - ${p.help}`).join('\n');

export async function planLayout(probes: readonly LayoutProbe[], what: string, path: string, kind: PathKind, split: string): Promise<LayoutPlan> {
  for (const probe of probes) {
    const plan = await probe.probe(path, kind, split);
    if (plan) return plan;
  }
  throw inputError(
    'data-layout-unknown',
    `${path} is not in a layout moe-eval can read as ${what}`,
    `Expected one of:\n${layoutHelp(probes)}`,
  );
}

export function missingSplit(what: string, split: string, expected: string, layout: string): MoeEvalError {
  return inputError(
    'data-split-missing',
    `${what} split "${split}" not found: expected ${expected}`,
    `The path looks like the ${layout} layout but has no files for split "${split}".`,
  );
}
