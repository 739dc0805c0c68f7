import type { CellValue } from './coerce.js';

/** A row's typed values by column name, as validation builds them (see {@link RowValues}). */
export type RowValuesObject = Record<string, CellValue>;

/**
 * The typed values of one row: an object with no `Object.prototype` in its
 * chain (a column named `constructor` or `toString` is just a column, never
 * an inherited member), yet built by a constructor, so that the rows of a
 * table share V8's hidden classes (fast property access in ajv's compiled
 * check and everything after it) where `Object.create(null)` would give each
 * row a hash table of its own. `__proto__` is refused as a column name
 * (`row-schema.ts`); with no `Object.prototype` above it, it would be an own
 * property all the same.
 */
export const RowValues = function RowValues() {
  // Properties are added by the cells check, in column order, through {@link valueSetter}.
} as unknown as new () => RowValuesObject;
RowValues.prototype = Object.create(null) as object;

/** Sets one column's value on a row's values. */
export type ValueSetter = (values: RowValuesObject, value: CellValue) => void;

/**
 * A function that adds the column `name` to a row's values. Each column gets a function of its own,
 * whose property name is a constant, so V8 caches the step from one hidden class to the next at that
 * one place; a single `values[name] = value` for every column sees them all and falls back to a
 * generic lookup, which a validate of 10^6 rows paid about 0.1 s for. The name is written into the
 * function's source as a JSON string literal, which quotes any character, so no column name can
 * become code; `__proto__` never reaches here (see {@link RowValues}).
 */
export function valueSetter(name: string): ValueSetter {
  if (name === '__proto__') throw new Error('a column may not be named __proto__');
  return new Function('values', 'value', `values[${JSON.stringify(name)}] = value;`) as ValueSetter;
}
