// Small filesystem questions the layout probes ask (is it a file or a directory, what does a
// directory hold), following symlinks as the Hugging Face cache's snapshots/ requires.

import { readdir, stat } from 'node:fs/promises';

export type PathKind = 'file' | 'dir';

export async function pathKind(path: string): Promise<PathKind | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/** Entry names of a directory in code-unit order (deterministic across platforms); [] if unreadable. */
export async function listNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort(byCodeUnit);
  } catch {
    return [];
  }
}

/** Python's default str ordering (by code point), which lm-eval and cais/mmlu use for subjects. */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
