import { valueKind, type CellValue, type ColumnType } from '../coerce.js';
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
  local: readonly string[] = [],
): Promise<KeyIndex> {
  const datasets = context.run.datasets;
  if (datasets === undefined)
    return { ok: false, why: 'no other datasets were given to this run', notChecked: true };
  const index = await datasets.index(resource, fields, columns);
  if (!index.ok) return index;
  const mismatch = keyTypeProblem(context, local, fields, index.fieldTypes, `the dataset "${resource}"`);
  return mismatch === undefined ? index : { ok: false, why: mismatch };
}

/**
 * Why the values of this dataset's `local` columns can never equal those of `fields` in `where`
 * (a number column against a text one, say), or undefined when they can; `types` are the types of
 * `fields` there. A reference between such columns would report every row as having no match.
 * Numbers compare with numbers, text with dates (a date is its text), booleans with booleans.
 */
export function keyTypeProblem(
  context: CheckContext,
  local: readonly string[],
  fields: readonly string[],
  types: readonly ColumnType[],
  where: string,
): string | undefined {
  for (const [i, name] of local.entries()) {
    const mine = context.columns.find((column) => column.name === name)?.type;
    const theirs = types[i];
    if (mine === undefined || theirs === undefined || valueKind(mine) === valueKind(theirs)) continue;
    return `"${name}" is ${article(mine)} ${mine} column and "${fields[i] ?? ''}" of ${where} ${article(theirs)} ${theirs} column, so no value of one can equal a value of the other`;
  }
  return undefined;
}

/** {@link keyTypeProblem} for a reference from `local` to `fields` of this dataset itself. */
export function selfKeyTypeProblem(
  context: CheckContext,
  local: readonly string[],
  fields: readonly string[],
): string | undefined {
  const types = fields.map(
    (name) => context.columns.find((column) => column.name === name)?.type ?? 'string',
  );
  return keyTypeProblem(context, local, fields, types, 'this dataset');
}

function article(type: ColumnType): string {
  return type === 'integer' ? 'an' : 'a';
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
