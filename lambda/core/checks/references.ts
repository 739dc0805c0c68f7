import type { CellValue } from '../coerce.js';
import type { Row } from '../row-schema.js';
import type { CheckContext } from './check.js';

/**
 * What foreign keys and rules share: finding the rows of the dataset a
 * reference names (another one through the run's resolver, or this one) and
 * comparing typed values.
 */

/** The rows a reference reads, by the JSON text of their key's values, or why they cannot be read. */
export type KeyIndex =
  | { readonly ok: true; readonly file: string; readonly rows: ReadonlyMap<string, Row> }
  | { readonly ok: false; readonly why: string; readonly notChecked?: true };

/** Whether a reference names this dataset (`""` or its own id). */
export function isSelf(context: CheckContext, resource: string): boolean {
  return resource === '' || resource === context.id;
}

/**
 * Indexes another dataset's rows by the values of `fields` (the first row of
 * each key wins); when a field is not a column of that dataset, or the
 * dataset cannot be read, says why.
 */
export async function indexOther(
  context: CheckContext,
  resource: string,
  fields: readonly string[],
  columns: readonly string[] = [],
): Promise<KeyIndex> {
  const datasets = context.run.datasets;
  if (datasets === undefined)
    return { ok: false, why: 'no other datasets were given to this run', notChecked: true };
  const found = await datasets.get(resource);
  if (!found.ok) return { ok: false, why: `the dataset "${resource}" ${found.why}` };
  const names = new Set(found.columns.map((column) => column.name));
  const unknown = [...fields, ...columns].find((name) => !names.has(name));
  if (unknown !== undefined)
    return { ok: false, why: `"${unknown}" is not a column of the dataset "${resource}"` };
  const rows = new Map<string, Row>();
  for (const row of found.rows) {
    const key = keyOf(row, fields);
    if (key !== undefined && !rows.has(key)) rows.set(key, row);
  }
  return { ok: true, file: found.file, rows };
}

/** The JSON text of a row's values in `fields`, or `undefined` when one is empty. */
export function keyOf(
  row: Readonly<Record<string, CellValue>>,
  fields: readonly string[],
): string | undefined {
  const values = fields.map((name) => row[name]);
  return values.some((value) => value === undefined) ? undefined : JSON.stringify(values);
}

/** `a=1, b=x` for messages. */
export function describeKey(row: Readonly<Record<string, CellValue>>, fields: readonly string[]): string {
  return fields.map((name) => `${name}=${String(row[name])}`).join(', ');
}

/** Two typed cells are equal: numbers within `tolerance`, anything else exactly (two empty cells are equal). */
export function sameValue(a: CellValue | undefined, b: CellValue | undefined, tolerance = 0): boolean {
  if (typeof a === 'number' && typeof b === 'number') return withinTolerance(a, b, tolerance);
  return a === b;
}

/** `|a - b| <= tolerance`, forgiving the rounding of binary floating point (a sum of decimals). */
export function withinTolerance(a: number, b: number, tolerance: number): boolean {
  return Math.abs(a - b) <= tolerance + 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}
