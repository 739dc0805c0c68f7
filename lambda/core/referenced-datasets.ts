import type { CellValue, ColumnType } from './coerce.js';
import { formatIssue, type Result } from './issue.js';
import { RowSchemaScope, type Row } from './row-schema.js';
import { loadDatasetSource, type SourceLocation } from './sources.js';
import { validateDataset, type DatasetSource } from './validate.js';

/**
 * The rows of another dataset a reference reads, by the JSON text of their key's values, each cut to
 * the columns the reference compares; or why they cannot be read.
 */
export type KeyIndex =
  | {
      readonly ok: true;
      readonly file: string;
      readonly rows: ReadonlyMap<string, Row>;
      /**
       * The keys more than one row has, with how many rows: a rule comparing a value with the row a key
       * names cannot tell which of them it means (a foreign key, which only asks whether one exists, can).
       */
      readonly repeated: ReadonlyMap<string, number>;
      /** The types of the key's fields in that dataset, in order. */
      readonly fieldTypes: readonly ColumnType[];
    }
  | {
      readonly ok: false;
      readonly why: string;
      readonly notChecked?: true;
      /** The dataset is read, but has no column of the name asked for (a reference to it cannot hold). */
      readonly noSuchColumn?: true;
    };

/**
 * The datasets of a run that foreign keys and rules refer to, by id. The CLI's
 * pipeline and the Lambda's validate step supply one through the run context
 * (`RunContext.datasets`), reading from where they read sources.
 */
export interface DatasetResolver {
  /**
   * The rows of dataset `id` by the JSON text of their values in `fields` (the first row of each
   * key; a row with an empty cell there has none), each holding only its values in `columns`; or
   * why they cannot be used.
   */
  index(id: string, fields: readonly string[], columns: readonly string[]): Promise<KeyIndex>;
}

/** The JSON text of a row's values in `fields`, or `undefined` when one is empty. */
export function keyOf(row: Readonly<Row>, fields: readonly string[]): string | undefined {
  const values = fields.map((name) => row[name]);
  return values.some((value) => value === undefined) ? undefined : JSON.stringify(values);
}

/** What an index keeps of a row that a reference only looks up (a foreign key): nothing. */
const KEY_ONLY: Row = Object.freeze(Object.create(null) as Row);

/**
 * Datasets read from a source location (the data folder, or the source bucket for the Lambda).
 * See {@link referencedDatasets}.
 */
export function referencedDatasetsFrom(source: SourceLocation): DatasetResolver {
  return referencedDatasets((id) => loadDatasetSource(source, id));
}

/**
 * Datasets as `load` gives their sources, each validated on its own when a
 * reference first asks for it and indexed as it is read: only the index is
 * kept (its keys, and the columns the reference compares), never the whole
 * dataset, so memory follows the number of keys. A reference asking for
 * other fields or columns reads the dataset again; each index is made once
 * per run. A referenced dataset is checked without its own references (so
 * that two datasets may refer to each other) and in a schema scope of its own
 * (its `$id` is its own in this reading); one with an issue cannot be referred
 * to, and says so.
 */
export function referencedDatasets(load: (id: string) => Promise<Result<DatasetSource>>): DatasetResolver {
  const read = async (
    id: string,
    fields: readonly string[],
    columns: readonly string[],
  ): Promise<KeyIndex> => {
    const loaded = await load(id);
    if (!loaded.ok)
      return {
        ok: false,
        why: `the dataset "${id}" cannot be read (${loaded.issues.map(formatIssue).join('; ')})`,
      };
    const rows = new Map<string, Row>();
    const repeated = new Map<string, number>();
    let unknown: string | undefined;
    let fieldTypes: ColumnType[] = [];
    const { report, definition } = await validateDataset(loaded.value, new RowSchemaScope(), {
      keepRows: false,
      sinkRows: (known) => {
        const names = new Set(known.columns.map((column) => column.name));
        unknown = [...fields, ...columns].find((name) => !names.has(name));
        fieldTypes = fields.map(
          (name) => known.columns.find((column) => column.name === name)?.type ?? 'string',
        );
        return {
          async add(batch) {
            if (unknown !== undefined) return;
            for (const row of batch) indexRow(rows, repeated, row, fields, columns);
          },
        };
      },
    });
    if (definition === undefined) {
      const count = report.issueCount ?? report.issues.length;
      return {
        ok: false,
        why: `the dataset "${id}" has ${count} issue${count === 1 ? '' : 's'} of its own (validate it first)`,
      };
    }
    if (unknown !== undefined)
      return { ok: false, why: `"${unknown}" is not a column of the dataset "${id}"`, noSuchColumn: true };
    return { ok: true, file: loaded.value.csv.file, rows, repeated, fieldTypes };
  };
  return indexedOnce(read);
}

/** A resolver that builds each index with `read` once per run: a second reference asking the same is given the first's. */
export function indexedOnce(read: DatasetResolver['index']): DatasetResolver {
  const indexes = new Map<string, Promise<KeyIndex>>();
  return {
    index(id, fields, columns) {
      const signature = JSON.stringify([id, fields, columns]);
      let found = indexes.get(signature);
      if (found === undefined) indexes.set(signature, (found = read(id, fields, columns)));
      return found;
    },
  };
}

/**
 * Adds `row` to an index by its values in `fields` (none where one is empty): the first row of each key,
 * cut to `columns`; a key met again is counted in `repeated`.
 */
export function indexRow(
  rows: Map<string, Row>,
  repeated: Map<string, number>,
  row: Readonly<Row>,
  fields: readonly string[],
  columns: readonly string[],
): void {
  const key = keyOf(row, fields);
  if (key === undefined) return;
  if (rows.has(key)) repeated.set(key, (repeated.get(key) ?? 1) + 1);
  else rows.set(key, indexedRow(row, columns));
}

/** What an index keeps of a row: its values in `columns`, or nothing for a reference that only looks keys up. */
export function indexedRow(row: Readonly<Row>, columns: readonly string[]): Row {
  return columns.length === 0 ? KEY_ONLY : cut(row, columns);
}

/** A row holding only its values in `names`, with no prototype (a column may be named `constructor`). */
function cut(row: Readonly<Row>, names: readonly string[]): Row {
  const kept = Object.create(null) as Record<string, CellValue>;
  for (const name of names) {
    const value = row[name];
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}
