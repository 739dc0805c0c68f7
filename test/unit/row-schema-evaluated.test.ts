import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { InvalidCell, readCell } from '../../lambda/core/coerce.js';
import { compileRowSchema, type Column } from '../../lambda/core/row-schema.js';

// A row schema is compiled without ajv's record of evaluated properties when it has no
// `unevaluatedProperties` or `unevaluatedItems`. These tests hold its verdicts to those of ajv as it
// comes (Ajv2020, which always keeps the record), and hold the two keywords to their meaning.

const ROOT = path.resolve(import.meta.dirname, '../..');
const ROW_SCHEMAS = ['trade', 'trade-by-year', 'visits', 'enterprises', 'milestones', 'transport'];

function readSchema(id: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(ROOT, 'schemas', `${id}.schema.json`), 'utf8')) as Record<
    string,
    unknown
  >;
}

/** ajv as it comes, set up as the project's row checks are, with V8's engine for patterns. */
function referenceCheck(schema: Record<string, unknown>) {
  const ajv = new Ajv2020({ strict: true, allErrors: true, multipleOfPrecision: 9, loopEnum: 64 });
  addFormats.default(ajv);
  ajv.addKeyword({ keyword: 'allowFormulaPrefix', schemaType: 'boolean' });
  return ajv.compile(schema);
}

function compiled(schema: Record<string, unknown>, file: string) {
  const result = compileRowSchema(schema, file);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}

/** What an error says, without the message text (the same keyword, place and parameters). */
function said(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) =>
    JSON.stringify([error.keyword, error.instancePath, error.schemaPath, error.params]),
  );
}

/** The values a cell of `column` may hold: its own `enum` and `const` values, edges, and anything of its type. */
function valueOf(column: Column): fc.Arbitrary<string | number | boolean> {
  const own: (string | number | boolean)[] = [];
  for (const key of ['enum', 'examples'] as const) {
    const listed = column.schema[key];
    if (Array.isArray(listed)) own.push(...(listed as (string | number | boolean)[]));
  }
  if (column.schema.const !== undefined) own.push(column.schema.const as string | number | boolean);
  for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'] as const) {
    const edge = column.schema[key];
    if (typeof edge === 'number') own.push(edge - 1, edge, edge + 1);
  }
  const typed: fc.Arbitrary<string | number | boolean> =
    column.type === 'integer'
      ? fc.integer({ min: 1980, max: 2040 })
      : column.type === 'number'
        ? fc.double({ noNaN: true, noDefaultInfinity: true })
        : column.type === 'boolean'
          ? fc.boolean()
          : column.type === 'date'
            ? fc.constantFrom('2019-04-01', '2019-02-30', '2001-12-31')
            : fc.oneof(fc.string({ maxLength: 12 }), fc.stringMatching(/^[a-z0-9]+(-[a-z0-9]+)*$/));
  return own.length === 0 ? typed : fc.oneof(fc.constantFrom(...own), typed);
}

/** The dataset's own rows from `data/`, each cell read as its column's type, as the cells check reads them. */
function publishedRows(id: string, columns: readonly Column[]): Record<string, string | number | boolean>[] {
  const text = readFileSync(path.join(ROOT, 'data', `${id}.csv`), 'utf8');
  const records = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true }).data;
  return records.map((record) => {
    const values: Record<string, string | number | boolean> = {};
    for (const column of columns) {
      const cell = readCell(record[column.name] ?? '', column.type);
      if (cell !== undefined && !(cell instanceof InvalidCell)) values[column.name] = cell;
    }
    return values;
  });
}

describe('row schemas compiled without the record of evaluated properties', () => {
  for (const id of ROW_SCHEMAS) {
    it(`give ajv's verdicts and errors on generated ${id} rows`, () => {
      const schema = readSchema(id);
      expect(JSON.stringify(schema)).not.toMatch(/unevaluated(Properties|Items)/);
      const ours = compiled(schema, `schemas/${id}.schema.json`);
      const reference = referenceCheck(schema);
      // A row of the dataset with none, one or two of its cells replaced or taken out.
      const change = fc
        .constantFrom(...ours.columns)
        .chain((column) =>
          fc.tuple(fc.constant(column.name), fc.option(valueOf(column), { nil: undefined })),
        );
      const row = fc
        .tuple(fc.constantFrom(...publishedRows(id, ours.columns)), fc.array(change, { maxLength: 2 }))
        .map(([published, changes]) => {
          const values = new Map(Object.entries(published));
          for (const [name, value] of changes) {
            if (value === undefined) values.delete(name);
            else values.set(name, value);
          }
          return Object.fromEntries(values);
        });
      const verdicts = new Set<boolean>();
      fc.assert(
        fc.property(row, (values) => {
          const valid = ours.validate(values);
          verdicts.add(valid);
          expect(reference(values)).toBe(valid);
          expect(said(ours.validate.errors)).toEqual(said(reference.errors));
        }),
        { numRuns: 300 },
      );
      // Both verdicts were compared, not only refusals.
      expect([...verdicts].sort()).toEqual([false, true]);
    });
  }

  it('still applies unevaluatedProperties where a schema has it', () => {
    // The `not` holds for a row with a property its own `properties` does not evaluate, and only then.
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { a: { type: 'integer' }, b: { type: 'integer' } },
      additionalProperties: false,
      not: { properties: { a: true }, unevaluatedProperties: false },
    };
    const { validate } = compiled(schema, 'x.schema.json');
    expect(validate({ a: 1 })).toBe(false);
    expect(validate({ a: 1, b: 2 })).toBe(true);
    expect(validate({ b: 2 })).toBe(true);
  });

  it('still applies unevaluatedProperties reached through a $ref', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { a: { type: 'integer' }, b: { type: 'integer' } },
      additionalProperties: false,
      $defs: { onlyA: { type: 'object', properties: { a: true }, unevaluatedProperties: false } },
      not: { $ref: '#/$defs/onlyA' },
    };
    const { validate } = compiled(schema, 'x.schema.json');
    expect(validate({ a: 1 })).toBe(false);
    expect(validate({ a: 1, b: 2 })).toBe(true);
  });
});
