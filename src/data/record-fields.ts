// Typed field access for normalisers: each check names the row's file and line/row and the field,
// so a malformed record is reported where it is, never turned into a wrong answer later.

import { malformedRow } from './readers/table.js';
import type { RowLocation } from './types.js';

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'bigint') return `integer ${value}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export function stringField(values: Readonly<Record<string, unknown>>, name: string, at: RowLocation): string {
  if (!(name in values)) throw malformedRow(at, `missing field "${name}"`);
  const value = values[name];
  if (typeof value !== 'string') throw malformedRow(at, `field "${name}" must be a string, found ${describeValue(value)}`);
  return value;
}
