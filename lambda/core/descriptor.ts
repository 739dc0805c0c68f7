import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import descriptorSchema from '../../schemas/dataset.schema.json' with { type: 'json' };
import type { Issue, Result } from './issue.js';
import type { DatasetLimits } from './limits.js';
import type { Column } from './row-schema.js';

/** The curator's description of a dataset (`data/<id>.dataset.json`), see `schemas/dataset.schema.json`. */
export interface DatasetDescriptor {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly license: 'CC-BY-4.0';
  readonly publisher: { readonly name: string; readonly url?: string };
  readonly source: {
    readonly citation: string;
    readonly authors: readonly string[];
    readonly title: string;
    readonly file: string;
  };
  readonly keywords: readonly string[];
  readonly temporalCoverage: { readonly start: string; readonly end: string };
  readonly spatialCoverage: readonly { readonly name: string; readonly iso3166: string }[];
  readonly primaryKey: readonly string[];
  readonly columns: readonly ColumnDescription[];
  readonly conflicts?: readonly { readonly id: string; readonly summary: string }[];
  readonly limits?: Partial<DatasetLimits>;
  /** Charts of the dataset's page, each naming the columns it draws. */
  readonly charts?: readonly ChartDeclaration[];
  /** EU data-theme codes (`ECON`, `INTR`, …), published as `dcat:theme`. */
  readonly themes?: readonly string[];
  /** EU frequency code (`IRREG`, `ANNUAL`, …), published as `dct:accrualPeriodicity`. */
  readonly accrualPeriodicity?: string;
}

/** A chart the descriptor asks for: its kind and the columns it draws (see `schemas/dataset.schema.json`). */
export interface ChartDeclaration {
  readonly name: string;
  readonly kind: 'series' | 'timeline' | 'bars';
  readonly title: string;
  readonly x: string;
  readonly y?: string;
  readonly series?: string;
  readonly label?: string;
  readonly year?: string;
  readonly precision?: string;
  readonly flag?: string;
  readonly facet?: string;
  readonly unit?: string;
  readonly where?: Readonly<Record<string, string | number | boolean>>;
}

/** What the descriptor says about one column. */
export interface ColumnDescription {
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly unit?: string;
}

/**
 * Checks a parsed descriptor against `schemas/dataset.schema.json`, then
 * against the dataset it describes: its id must match the file name, its
 * columns must be the schema's columns in the same order, and its primary key
 * must name required columns.
 */
export function checkDescriptor(
  descriptor: unknown,
  expectedId: string,
  columns: readonly Column[] | undefined,
  file: string,
  ajv: Ajv2020,
): Result<DatasetDescriptor> {
  // Compiled once per ajv instance, then found again by its $id.
  const validate = (ajv.getSchema(descriptorSchema.$id) ??
    ajv.compile(descriptorSchema)) as ValidateFunction<DatasetDescriptor>;
  const issue = (field: string, message: string): Issue => ({
    code: 'descriptor-error',
    file,
    line: 1,
    column: 1,
    field,
    message,
  });
  if (!validate(descriptor)) {
    const issues = (validate.errors ?? []).map((error) =>
      issue(
        error.instancePath === '' ? '/' : error.instancePath,
        `${error.message ?? 'is invalid'}${paramsText(error.params)}`,
      ),
    );
    return { ok: false, issues };
  }
  const issues: Issue[] = [];
  if (descriptor.id !== expectedId) {
    issues.push(issue('/id', `is "${descriptor.id}" but the file is named for "${expectedId}"`));
  }
  if (columns !== undefined) {
    const described = descriptor.columns.map((column) => column.name).join(', ');
    const declared = columns.map((column) => column.name).join(', ');
    if (described !== declared) {
      issues.push(
        issue(
          '/columns',
          `must describe the schema's columns in order: expected [${declared}], found [${described}]`,
        ),
      );
    }
    for (const key of descriptor.primaryKey) {
      const column = columns.find((candidate) => candidate.name === key);
      if (column === undefined)
        issues.push(issue('/primaryKey', `names "${key}", which is not a column of the schema`));
      else if (!column.required)
        issues.push(issue('/primaryKey', `names "${key}", which the schema must list as required`));
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: descriptor };
}

function paramsText(params: Record<string, unknown>): string {
  const entries = Object.entries(params).filter(([, value]) => value !== undefined);
  return entries.length === 0
    ? ''
    : ` (${entries.map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join(', ')})`;
}
