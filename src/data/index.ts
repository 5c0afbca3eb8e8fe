// Public surface of the dataset readers: normalising loaders per dataset kind,
// the DatasetSource interface they return, and the format/cache building blocks beneath them.

export type {
  DatasetFormat,
  DatasetIdentity,
  DatasetKind,
  DatasetSource,
  FileIdentity,
  Gsm8kRecord,
  MmluRecord,
  RawTextSource,
  RowLocation,
  TextLineRecord,
} from './types.js';
export { loadMmlu, MMLU_DATASET_IDS, MMLU_LAYOUTS, HENDRYCKS_COLUMNS, type LoadMmluOptions } from './mmlu.js';
export { loadGsm8k, GSM8K_DATASET_IDS, GSM8K_LAYOUTS, type LoadGsm8kOptions } from './gsm8k.js';
export { loadRawText, WIKITEXT_DATASET_IDS, RAW_TEXT_LAYOUTS, type LoadRawTextOptions } from './raw-text.js';
export { wikitextDocuments, wikitextRowsFromRaw, rawFromWikitextRows } from './wikitext-text.js';
export { findHfSnapshot, hubCacheRoots, datasetsCacheRoots, isHfRepoId, type HfLookupOptions, type HfSnapshot } from './hf-cache.js';
export { locateData, type LocatedData } from './locate.js';
export { readerFor, readerFormats, formatOfPath, readTable } from './readers/reader-registry.js';
export { formatLocation, type ReadOptions, type Table, type TableReader, type TableRow } from './readers/table.js';
export { parseCsv, CsvSyntaxError, type CsvRecord } from './csv-rfc4180.js';
export { canonicalSplit } from './splits.js';
