// Loads the documents a task needs (evaluation split, few-shot split) from --data or the task's
// embedded default, through a registry keyed by the task file's dataset kind, and labels which of
// the two it was. A new dataset kind is one loader here.

import { join } from 'node:path';
import { loadGsm8k, loadMmlu, loadRawText } from '../data/index.js';
import type { DatasetIdentity, DatasetKind } from '../data/types.js';
import { PACKAGE_ROOT } from '../engine/model-source.js';
import type { TaskConfig } from './task-config.js';

export interface LoadedTaskData {
  identity: DatasetIdentity & { label: 'embedded' | 'user' };
  docs: Record<string, unknown>[];
  fewshotDocs: Record<string, unknown>[];
  /** raw-text tasks: the text rows joined as the protocol needs them */
  text?: string;
  /** raw-text tasks: the line records (WikiText rows) */
  lines?: string[];
}

type SplitLoader = (spec: string, evalSplit: string, fewshotSplit: string | null) => Promise<Omit<LoadedTaskData, 'identity'> & { identity: DatasetIdentity }>;

/** Records of a split loader as plain documents for the prompt templates. */
const docs = (rows: readonly object[]) => rows.map((r) => ({ ...r }) as Record<string, unknown>);

const LOADERS: Record<DatasetKind, SplitLoader> = {
  mmlu: async (spec, evalSplit, fewshotSplit) => {
    const data = await loadMmlu(spec, evalSplit);
    const shots = fewshotSplit ? (await loadMmlu(spec, fewshotSplit)).rows : [];
    return { identity: data.identity, docs: docs(data.rows), fewshotDocs: docs(shots) };
  },
  gsm8k: async (spec, evalSplit, fewshotSplit) => {
    const data = await loadGsm8k(spec, evalSplit);
    const shots = fewshotSplit ? (await loadGsm8k(spec, fewshotSplit)).rows : [];
    return { identity: data.identity, docs: docs(data.rows), fewshotDocs: docs(shots) };
  },
  'raw-text': async (spec, evalSplit) => {
    const data = await loadRawText(spec, { split: evalSplit });
    return { identity: data.identity, docs: [], fewshotDocs: [], text: data.text, lines: data.rows.map((r) => r.text) };
  },
};

export async function loadTaskData(task: TaskConfig, dataFlag: string | null, needFewshot: boolean): Promise<LoadedTaskData> {
  const label = dataFlag === null ? 'embedded' : 'user';
  const spec = dataFlag ?? join(PACKAGE_ROOT, task.dataset.embedded);
  const { evalSplit, fewshotSplit } = task.dataset;
  const data = await LOADERS[task.dataset.format](spec, evalSplit, needFewshot && fewshotSplit ? fewshotSplit : null);
  return { ...data, identity: { ...data.identity, label } };
}
