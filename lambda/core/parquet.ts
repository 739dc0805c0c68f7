import { parquetWriteBuffer, type ColumnSource, type SchemaElement } from 'hyparquet-writer';
import type { ColumnType } from './coerce.js';
import type { Column, Row } from './row-schema.js';
import type { VersionRenderer } from './version-files.js';

const MILLIS_PER_DAY = 86_400_000;

/**
 * The Parquet schema element of a column, with a logical type a reader maps
 * to its native type: integers as signed INT64 (every JS safe integer fits),
 * numbers as DOUBLE (the schema declares no scale, and a double holds exactly
 * the value the CSV and JSON files carry), dates as DATE, text as UTF-8
 * STRING. Required columns are REQUIRED, the others OPTIONAL (empty cell ⇒ null).
 */
export function parquetElement(column: Column): SchemaElement {
  const repetition_type = column.required ? 'REQUIRED' : 'OPTIONAL';
  const name = column.name;
  switch (column.type) {
    case 'integer':
      // The INT_64 converted type is the legacy spelling of INTEGER(64, signed), which readers map to the
      // same type. Not the logical type: hyparquet-writer 0.17 encodes its bitWidth with the wrong Thrift
      // type, and DuckDB then refuses the whole file footer.
      return { name, repetition_type, type: 'INT64', converted_type: 'INT_64' };
    case 'number':
      return { name, repetition_type, type: 'DOUBLE' };
    case 'boolean':
      return { name, repetition_type, type: 'BOOLEAN' };
    case 'date':
      return { name, repetition_type, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } };
    case 'string':
      return {
        name,
        repetition_type,
        type: 'BYTE_ARRAY',
        converted_type: 'UTF8',
        logical_type: { type: 'STRING' },
      };
  }
}

/** A typed cell as the writer expects it: `null` when absent, dates as days since 1970-01-01. */
function parquetValue(
  type: ColumnType,
  value: Row[string] | undefined,
): string | number | bigint | boolean | null {
  if (value === undefined) return null;
  if (type === 'integer') return BigInt(value as number);
  if (type === 'date') return Date.parse(`${String(value)}T00:00:00Z`) / MILLIS_PER_DAY;
  return value;
}

/**
 * Encodes rows as one Parquet file (Snappy-compressed, column statistics,
 * columns in schema order). Deterministic: no timestamps are written, so the
 * same rows give the same bytes.
 */
export function encodeParquet(columns: readonly Column[], rows: readonly Row[]): Uint8Array {
  const columnData: ColumnSource[] = columns.map((column) => ({
    name: column.name,
    data: rows.map((row) => parquetValue(column.type, row[column.name])),
  }));
  const schema: SchemaElement[] = [
    { name: 'root', num_children: columns.length },
    ...columns.map((column) => parquetElement(column)),
  ];
  return new Uint8Array(
    parquetWriteBuffer({ columnData, schema, createdBy: 'kz-az-open-data', statisticsTruncateLength: 64 }),
  );
}

/** `<id>.parquet`: the version's table with typed columns, listed in `datapackage.json` with the Table Schema. */
export const parquetRenderer: VersionRenderer = {
  format: 'parquet',
  mediaType: 'application/vnd.apache.parquet',
  packaged: true,
  tabular: true,
  fileName: (id) => `${id}.parquet`,
  render: ({ canonical }) => encodeParquet(canonical.dataset.columns, canonical.rows),
};
