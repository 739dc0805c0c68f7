import type { CellValue } from '../coerce.js';
import type { KeyIndex } from '../referenced-datasets.js';
import type { CheckContext } from './check.js';

export { keyOf, type KeyIndex } from '../referenced-datasets.js';

/**
 * What foreign keys and rules share: finding the rows of the dataset a
 * reference names (another one through the run's resolver, or this one) and
 * comparing typed values.
 */

/** Whether a reference names this dataset (`""` or its own id). */
export function isSelf(context: CheckContext, resource: string): boolean {
  return resource === '' || resource === context.id;
}

/**
 * Another dataset's rows by the values of `fields` (the first row of each
 * key), each holding its values in `columns`, from the run's resolver; when
 * a field is not a column of that dataset, or the dataset cannot be read,
 * says why.
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
  return datasets.index(resource, fields, columns);
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
