import type { Column } from './row-schema.js';
import { authorName } from './authors.js';
import type { DatasetDefinition } from './validate.js';

/** Frictionless Data Package v2 profile URLs (declared in `$schema`). */
export const FRICTIONLESS_PROFILES = {
  package: 'https://datapackage.org/profiles/2.0/datapackage.json',
  tableSchema: 'https://datapackage.org/profiles/2.0/tableschema.json',
  dialect: 'https://datapackage.org/profiles/2.0/tabledialect.json',
} as const;

/** A file of the version that the package lists as a resource. */
export interface PackagedFile {
  readonly name: string;
  readonly format: string;
  readonly mediaType: string;
  /** The text encoding of a text file, given as the resource's `encoding`. */
  readonly charset?: 'utf-8';
  readonly bytes: number;
  readonly sha256: string;
  /** True for files holding the table itself (CSV, Parquet): they get the Table Schema. */
  readonly tabular: boolean;
}

/**
 * Builds `datapackage.json` (Frictionless Data Package v2) for one version:
 * one resource per data file with `bytes` and `hash`, the CSV one with its
 * dialect and a Table Schema derived from the dataset's JSON Schema.
 */
export function buildDataPackage(
  definition: DatasetDefinition,
  version: string,
  files: readonly PackagedFile[],
): object {
  const { descriptor, columns } = definition;
  return {
    $schema: FRICTIONLESS_PROFILES.package,
    name: descriptor.id,
    title: descriptor.title,
    description: descriptor.description,
    version,
    keywords: descriptor.keywords,
    licenses: [
      {
        name: descriptor.license,
        path: 'https://creativecommons.org/licenses/by/4.0/',
        title: 'Creative Commons Attribution 4.0 International',
      },
    ],
    sources: [{ title: descriptor.source.citation }],
    contributors: [
      ...descriptor.source.authors.map((author) => ({ title: authorName(author), roles: ['author'] })),
      { title: descriptor.publisher.name, roles: ['publisher'] },
    ],
    resources: files.map((file) => ({
      name: file.format === 'csv' ? descriptor.id : `${descriptor.id}-${file.format}`,
      path: file.name,
      ...(file.tabular ? { type: 'table' } : {}),
      format: file.format,
      mediatype: file.mediaType,
      ...(file.charset === undefined ? {} : { encoding: file.charset }),
      bytes: file.bytes,
      hash: `sha256:${file.sha256}`,
      ...(file.format === 'csv'
        ? {
            dialect: {
              $schema: FRICTIONLESS_PROFILES.dialect,
              header: true,
              delimiter: ',',
              lineTerminator: '\n',
              quoteChar: '"',
              doubleQuote: true,
            },
          }
        : {}),
      ...(file.tabular
        ? {
            schema: {
              $schema: FRICTIONLESS_PROFILES.tableSchema,
              fields: columns.map((column) => tableSchemaField(column, definition)),
              primaryKey: descriptor.primaryKey,
              missingValues: [''],
            },
          }
        : {}),
    })),
  };
}

function tableSchemaField(column: Column, definition: DatasetDefinition): object {
  const described = definition.descriptor.columns.find((entry) => entry.name === column.name);
  const constraints: Record<string, unknown> = {};
  if (column.required) constraints.required = true;
  const s = column.schema;
  if (Array.isArray(s.enum)) constraints.enum = s.enum;
  else if (s.const !== undefined) constraints.enum = [s.const];
  if (typeof s.minimum === 'number') constraints.minimum = s.minimum;
  if (typeof s.maximum === 'number') constraints.maximum = s.maximum;
  if (typeof s.minLength === 'number') constraints.minLength = s.minLength;
  if (typeof s.maxLength === 'number') constraints.maxLength = s.maxLength;
  if (typeof s.pattern === 'string') constraints.pattern = s.pattern;
  const unit = described?.unit === undefined ? '' : ` Unit: ${described.unit}.`;
  return {
    name: column.name,
    type: column.type,
    ...(described?.title === undefined ? {} : { title: described.title }),
    ...(described === undefined ? {} : { description: `${described.description}${unit}` }),
    ...(column.type === 'date' ? { format: 'default' } : {}),
    ...(Object.keys(constraints).length > 0 ? { constraints } : {}),
  };
}
