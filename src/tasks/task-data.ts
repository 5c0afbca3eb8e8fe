// Loads the documents a task needs (evaluation split, few-shot split) with the data readers, from
// --data or the task's embedded default, and labels which one it was.

import { join } from 'node:path';
import { loadGsm8k, loadMmlu, loadRawText } from '../data/index.js';
import type { DatasetIdentity } from '../data/types.js';
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

export async function loadTaskData(task: TaskConfig, dataFlag: string | undefined, needFewshot: boolean): Promise<LoadedTaskData> {
  const label = dataFlag === undefined ? 'embedded' : 'user';
  const spec = dataFlag ?? join(PACKAGE_ROOT, task.dataset.embedded);
  const { evalSplit, fewshotSplit } = task.dataset;
  switch (task.dataset.format) {
    case 'mmlu': {
      const data = await loadMmlu(spec, evalSplit);
      const shots = needFewshot && fewshotSplit ? (await loadMmlu(spec, fewshotSplit)).rows : [];
      return { identity: { ...data.identity, label }, docs: data.rows.map((r) => ({ ...r })), fewshotDocs: shots.map((r) => ({ ...r })) };
    }
    case 'gsm8k': {
      const data = await loadGsm8k(spec, evalSplit);
      const shots = needFewshot && fewshotSplit ? (await loadGsm8k(spec, fewshotSplit)).rows : [];
      return { identity: { ...data.identity, label }, docs: data.rows.map((r) => ({ ...r })), fewshotDocs: shots.map((r) => ({ ...r })) };
    }
    case 'raw-text': {
      const data = await loadRawText(spec, { split: evalSplit });
      return { identity: { ...data.identity, label }, docs: [], fewshotDocs: [], text: data.text, lines: data.rows.map((r) => r.text) };
    }
  }
}
