import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { ColumnType } from './coerce.js';
import type { Issue, Result } from './issue.js';

/** One column of a dataset, in the order the schema's `properties` list it. */
export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly required: boolean;
  /** The column's own JSON Schema (constraints such as `enum`, `minimum`, `pattern`). */
  readonly schema: Readonly<Record<string, unknown>>;
}

/** A row as published: typed values keyed by column name; absent cells are missing keys. */
export type Row = Readonly<Record<string, string | number | boolean>>;

/** A dataset's JSON Schema, compiled once and ready to check rows. */
export interface RowSchema {
  readonly columns: readonly Column[];
  readonly validate: ValidateFunction<Row>;
}

/** Creates the ajv instance every schema is compiled with: draft 2020-12, strict, all errors, formats. */
export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  // Annotation only: lets a text column hold cells starting with = + - @ (see FORMULA_PREFIX in validate.ts).
  ajv.addKeyword({ keyword: 'allowFormulaPrefix', schemaType: 'boolean' });
  return ajv;
}

/**
 * Compiles a dataset's row schema (draft 2020-12, strict mode) and derives its
 * columns. The schema must describe an object whose `properties` each declare
 * one of `integer`, `number`, `boolean`, `string` or `string` with
 * `format: date`, and must forbid additional properties.
 */
export function compileRowSchema(
  schema: unknown,
  file: string,
  ajv: Ajv2020 = createAjv(),
): Result<RowSchema> {
  const issues: Issue[] = [];
  const problem = (pointer: string, message: string): void => {
    issues.push({ code: 'schema-error', file, line: 1, column: 1, field: pointer, message });
  };
  if (!isRecord(schema) || schema.type !== 'object' || !isRecord(schema.properties)) {
    problem('', 'a dataset schema must be an object schema with "type": "object" and "properties"');
    return { ok: false, issues };
  }
  if (schema.additionalProperties !== false) {
    problem('/additionalProperties', 'must be false so that unknown columns are refused');
  }
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const columns: Column[] = [];
  for (const [name, property] of Object.entries(schema.properties)) {
    if (name === '__proto__') {
      // ajv skips a property of this name, so its cells could never be checked.
      problem(`/properties/${name}`, 'a column may not be named __proto__; rename it');
      continue;
    }
    const type = isRecord(property) ? columnTypeOf(property) : undefined;
    if (!isRecord(property) || type === undefined) {
      problem(
        `/properties/${name}`,
        'declare "type" as one of integer, number, boolean, string, or string with "format": "date"',
      );
      continue;
    }
    columns.push({ name, type, required: required.has(name), schema: property });
  }
  for (const name of required) {
    if (!(name in schema.properties)) problem('/required', `"${name}" is required but has no property`);
  }
  if (issues.length > 0) return { ok: false, issues };
  try {
    return { ok: true, value: { columns, validate: ajv.compile<Row>(schema) } };
  } catch (error) {
    problem('', `the schema does not compile: ${error instanceof Error ? error.message : String(error)}`);
    return { ok: false, issues };
  }
}

function columnTypeOf(property: Record<string, unknown>): ColumnType | undefined {
  switch (property.type) {
    case 'integer':
    case 'number':
    case 'boolean':
      return property.type;
    case 'string':
      return property.format === 'date' ? 'date' : 'string';
    default:
      return undefined;
  }
}

/** The column an ajv error is about, if it concerns one. */
export function columnOfError(error: ErrorObject): string | undefined {
  if (error.keyword === 'required')
    return String((error.params as { missingProperty: unknown }).missingProperty);
  const match = /^\/([^/]+)/.exec(error.instancePath);
  return match?.[1]?.replaceAll('~1', '/').replaceAll('~0', '~');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
