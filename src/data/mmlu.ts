// Loads MMLU in every layout we accept into cais/mmlu-shaped records {subject, question, choices,
// answer}; subjects in code-point order (lm-eval's mmlu group, cais/mmlu "all"), rows in file order.

import { basename, join } from 'node:path';
import { inputError, usageError } from '../errors.js';
import { byCodeUnit, listNames, pathKind } from './fs-probe.js';
import { makeSource } from './dataset-source.js';
import type { HfLookupOptions } from './hf-cache.js';
import { hfParquetShards, hfShardPattern } from './hf-parquet-files.js';
import { layoutHelp, missingSplit, planLayout, type LayoutPlan, type LayoutProbe, type PlannedFile } from './layout-probe.js';
import { locateData } from './locate.js';
import { readTable } from './readers/reader-registry.js';
import { malformedRow } from './readers/table.js';
import { describeValue, stringField } from './record-fields.js';
import { splitOfFileName } from './split-file-name.js';
import { canonicalSplit, hendrycksSplitName } from './splits.js';
import type { DatasetSource, FileIdentity, MmluRecord, RowLocation } from './types.js';

/** The Hugging Face ids that hold MMLU in the cais/mmlu schema (lm-eval reads hails/mmlu_no_train). */
export const MMLU_DATASET_IDS = ['cais/mmlu', 'hails/mmlu_no_train'] as const;

/** Headerless columns of the Hendrycks CSV files. */
export const HENDRYCKS_COLUMNS = ['question', 'A', 'B', 'C', 'D', 'answer'] as const;
const LETTERS = ['A', 'B', 'C', 'D'] as const;

export interface LoadMmluOptions extends HfLookupOptions {
  /** restrict to these subjects (snake_case, e.g. "abstract_algebra"); undefined or [] = all */
  readonly subjects?: readonly string[];
}

const hendrycksFiles = async (dir: string, split: string): Promise<PlannedFile[]> => {
  const suffix = `_${hendrycksSplitName(split)}.csv`;
  const files: PlannedFile[] = [];
  for (const name of await listNames(dir)) {
    if (name.endsWith(suffix) && name.length > suffix.length) {
      files.push({ path: join(dir, name), format: 'csv', subject: name.slice(0, -suffix.length) });
    }
  }
  return files;
};

const probes: readonly LayoutProbe[] = [
  {
    name: 'hendrycks-csv',
    help: 'the original Hendrycks layout: DIR/{dev,val,test}/<subject>_<split>.csv (no header; question,A,B,C,D,answer-letter)',
    async probe(path, kind, split) {
      if (kind !== 'dir') return undefined;
      const folders = await Promise.all(['dev', 'val', 'test'].map(async (s) => (await pathKind(join(path, s))) === 'dir'));
      if (!folders.some(Boolean)) return undefined;
      const dir = join(path, hendrycksSplitName(split));
      const files = await hendrycksFiles(dir, split);
      if (files.length === 0) throw missingSplit('MMLU', split, `${dir}/<subject>_${hendrycksSplitName(split)}.csv`, 'Hendrycks CSV');
      return { layout: 'hendrycks-csv', files };
    },
  },
  {
    name: 'hendrycks-csv-split-dir',
    help: 'one Hendrycks split folder: DIR/<subject>_<split>.csv',
    async probe(path, kind, split) {
      if (kind !== 'dir') return undefined;
      const files = await hendrycksFiles(path, split);
      return files.length ? { layout: 'hendrycks-csv', files } : undefined;
    },
  },
  {
    name: 'hf-parquet',
    help: `a cais/mmlu snapshot: DIR/${hfShardPattern('all', '<split>')} or DIR/<subject>/<split>-00000-of-00001.parquet`,
    async probe(path, kind, split) {
      if (kind !== 'dir') return undefined;
      const all = await hfParquetShards(path, 'all', split);
      if (all.length) return { layout: 'hf-parquet', files: all.map((p) => ({ path: p, format: 'parquet' as const })) };
      const files: PlannedFile[] = [];
      for (const subject of await listNames(path)) {
        if (subject.startsWith('.')) continue;
        for (const p of await hfParquetShards(path, subject, split)) files.push({ path: p, format: 'parquet', subject });
      }
      if (files.length) return { layout: 'hf-parquet', files };
      if ((await pathKind(join(path, 'all'))) === 'dir') throw missingSplit('MMLU', split, join(path, hfShardPattern('all', split)), 'cais/mmlu parquet');
      return undefined;
    },
  },
  {
    name: 'single-file',
    help: 'one file: <subject>_<split>.csv (Hendrycks) or a cais/mmlu .parquet file (columns question, subject, choices, answer)',
    async probe(path, kind, split) {
      if (kind !== 'file') return undefined;
      const named = splitOfFileName('mmlu', path);
      if (named !== undefined && named !== split) {
        throw missingSplit('MMLU', split, `a ${split} file, but ${path} holds the ${named} split`, 'single-file');
      }
      const csv = /^(.+)_(dev|val|test)\.csv$/.exec(basename(path));
      if (csv) return { layout: 'hendrycks-csv', files: [{ path, format: 'csv', subject: csv[1]! }] };
      if (path.toLowerCase().endsWith('.parquet')) return { layout: 'parquet-file', files: [{ path, format: 'parquet' }] };
      return undefined;
    },
  },
];

export const MMLU_LAYOUTS = layoutHelp(probes);

function letterAnswer(value: string, at: RowLocation): 0 | 1 | 2 | 3 {
  const index = LETTERS.indexOf(value as (typeof LETTERS)[number]);
  if (index < 0) throw malformedRow(at, `answer ${describeValue(value)} is not one of A, B, C, D`);
  return index as 0 | 1 | 2 | 3;
}

/** cais/mmlu stores a ClassLabel (int64, read as bigint); community copies sometimes keep the letter. */
function indexAnswer(value: unknown, at: RowLocation): 0 | 1 | 2 | 3 {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 3) return n as 0 | 1 | 2 | 3;
  if (typeof value === 'string') return letterAnswer(value, at);
  throw malformedRow(at, `field "answer" must be an index 0-3 (or a letter A-D), found ${describeValue(value)}`);
}

function choicesField(value: unknown, at: RowLocation): [string, string, string, string] {
  const list = Array.isArray(value) ? value : undefined;
  if (!list || list.length !== 4 || !list.every((c) => typeof c === 'string')) {
    throw malformedRow(at, `field "choices" must be a list of 4 strings, found ${describeValue(value)}`);
  }
  return [list[0], list[1], list[2], list[3]];
}

async function readPlannedFile(file: PlannedFile): Promise<{ identity: FileIdentity; records: MmluRecord[]; locations: RowLocation[] }> {
  const records: MmluRecord[] = [];
  const locations: RowLocation[] = [];
  if (file.format === 'csv') {
    const table = await readTable(file.path, 'csv', { columns: HENDRYCKS_COLUMNS });
    for (const { values, at } of table.rows) {
      const v = values as Record<(typeof HENDRYCKS_COLUMNS)[number], string>;
      records.push({ subject: file.subject!, question: v.question, choices: [v.A, v.B, v.C, v.D], answer: letterAnswer(v.answer, at) });
      locations.push(at);
    }
    return { identity: table.file, records, locations };
  }
  const columns = file.subject === undefined ? ['question', 'subject', 'choices', 'answer'] : ['question', 'choices', 'answer'];
  const table = await readTable(file.path, 'parquet', { columns });
  for (const { values, at } of table.rows) {
    records.push({
      subject: file.subject ?? stringField(values, 'subject', at),
      question: stringField(values, 'question', at),
      choices: choicesField(values.choices, at),
      answer: indexAnswer(values.answer, at),
    });
    locations.push(at);
  }
  return { identity: table.file, records, locations };
}

function checkSubjects(wanted: readonly string[], available: ReadonlySet<string>, where: string): void {
  const unknown = wanted.filter((s) => !available.has(s));
  if (unknown.length) {
    throw usageError(
      'data-unknown-subject',
      `unknown MMLU subject${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} in ${where}; available: ${[...available].sort(byCodeUnit).join(', ')}`,
    );
  }
}

/**
 * MMLU split `split` (test | validation (alias val) | dev) from `spec`: a path in any layout of
 * MMLU_LAYOUTS, or a Hugging Face dataset id (cais/mmlu, ...) found in the local hub cache.
 */
export async function loadMmlu(spec: string, split: string, options: LoadMmluOptions = {}): Promise<DatasetSource<MmluRecord>> {
  const canonical = canonicalSplit('mmlu', split);
  const located = await locateData(spec, MMLU_LAYOUTS, options);
  const plan: LayoutPlan = await planLayout(probes, 'MMLU', located.path, located.pathKind, canonical);
  const wanted = options.subjects?.length ? [...new Set(options.subjects)].sort(byCodeUnit) : undefined;

  let files = plan.files;
  const subjectsInNames = files.every((f) => f.subject !== undefined);
  if (wanted && subjectsInNames) {
    checkSubjects(wanted, new Set(files.map((f) => f.subject!)), located.path);
    files = files.filter((f) => wanted.includes(f.subject!));
  }

  const identities: FileIdentity[] = [];
  let rows: { record: MmluRecord; at: RowLocation }[] = [];
  for (const file of files) {
    const read = await readPlannedFile(file);
    identities.push(read.identity);
    read.records.forEach((record, k) => rows.push({ record, at: read.locations[k]! }));
  }
  if (wanted && !subjectsInNames) {
    checkSubjects(wanted, new Set(rows.map((r) => r.record.subject)), located.path);
    rows = rows.filter((r) => wanted.includes(r.record.subject));
  }
  if (rows.length === 0) throw inputError('data-empty', `MMLU ${canonical} split at ${located.path} has no rows`);
  // stable: rows keep file order within a subject
  rows.sort((a, b) => byCodeUnit(a.record.subject, b.record.subject));

  return makeSource({
    kind: 'mmlu',
    located,
    layout: plan.layout,
    split: canonical,
    files: identities,
    rows: rows.map((r) => r.record),
    locations: rows.map((r) => r.at),
    ...(wanted ? { subjects: wanted } : {}),
  });
}

