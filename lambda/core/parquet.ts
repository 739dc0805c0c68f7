import { ByteWriter, ParquetWriter, type SchemaElement } from 'hyparquet-writer';
import type { Writer } from 'hyparquet-writer/src/types.js';
import type { ColumnType } from './coerce.js';
import { ParquetFooter } from './parquet-footer.js';
import type { Column, Row } from './row-schema.js';
import { snappyCompress } from './snappy.js';

const MILLIS_PER_DAY = 86_400_000;

/**
 * Rows per Parquet row group unless a caller asks otherwise. One row group's
 * column values, and the encoder's work on them, are what the writer holds,
 * so this bounds its memory: measured on an eleven-column table, 100 000 rows
 * a group cost about 250 MB above the process's baseline, 16 384 rows about
 * 50 MB, for a file about 1 % larger (each group carries its own statistics,
 * which readers use to skip groups). Halved again to 8 192: the CLI's publish
 * of 10^6 rows (Node 24, the Parquet file on the worker thread) peaked at
 * 178-206 MiB against 200-212 MiB, in the same time (six alternating pairs),
 * for a file 0.6 % larger (22.12 against 21.99 MB).
 */
export const PARQUET_ROW_GROUP_ROWS = 8_192;

/**
 * The first row group takes this many times the rows of the others, so that a table of up to
 * 16 384 rows (at the default size) is one row group, as it was before the groups were halved: its
 * writer's memory was never the concern, and each further group repeats its dictionaries, statistics
 * and footer entries (a 10^4-row trade table: 1 829 bytes, which put the bytes published per CSV byte
 * over the 3.2 target). A large table's first group is written within its first rows, before the
 * memory a publish holds has grown; the groups after it keep their size. A rule of the rows alone,
 * not of their count, so that a streamed file, whose count is known only at its end, is the same.
 */
export const FIRST_ROW_GROUP_FACTOR = 2;

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

/**
 * hyparquet-writer's writer of a file of `columns`, as every Parquet file here is written: Snappy (by
 * {@link snappyCompress}, the same bytes as the library's own compressor, faster), column statistics
 * (text truncated to 64 bytes), the project as its writer. No timestamp: the same rows give the same bytes.
 */
export function parquetWriter(writer: Writer, columns: readonly Column[]): ParquetWriter {
  return new ParquetWriter({
    writer,
    schema: [
      { name: 'root', num_children: columns.length },
      ...columns.map((column) => parquetElement(column)),
    ],
    codec: 'SNAPPY',
    compressors: { SNAPPY: snappyCompress },
    statistics: true,
    statisticsTruncateLength: 64,
    createdBy: 'kz-az-open-data',
  });
}

/** A cell as the Parquet writer takes it. */
type ParquetCell = string | number | bigint | boolean | null;

/** A typed cell as the writer expects it: `null` when absent, dates as days since 1970-01-01. */
function parquetValue(type: ColumnType, value: Row[string] | undefined): ParquetCell {
  if (value === undefined) return null;
  if (type === 'integer') return BigInt(value as number);
  if (type === 'date') return Date.parse(`${String(value)}T00:00:00Z`) / MILLIS_PER_DAY;
  return value;
}

/** Distinct values a column's {@link CellCache} takes before it stops: past that the column is not one of few values. */
const CACHED_VALUES = 1_024;

/**
 * A column's cells as the writer takes them, made once per distinct value while the column has few
 * (a category, a year, a date): every row of a group then holds the same string, bigint or number
 * rather than its own copy. A row group's values stay alive until the group is written, long enough
 * for V8 to move each of them out of its young generation and later collect it as old garbage; made
 * once, the spill's parsed copies die young instead. A column that outgrows {@link CACHED_VALUES} is
 * converted cell by cell from then on. The cells are the same values either way, so the file is too.
 */
class CellCache {
  /** Booleans are no objects to share: their column has none. */
  #cells: Map<string | number | boolean, ParquetCell> | undefined;

  constructor(private readonly type: ColumnType) {
    this.#cells = type === 'boolean' ? undefined : new Map();
  }

  cell(value: Row[string] | undefined): ParquetCell {
    // A map takes -0 for 0: zero is converted each time, so that -0 stays -0.
    if (value === undefined || value === 0 || this.#cells === undefined)
      return parquetValue(this.type, value);
    const known = this.#cells.get(value);
    if (known !== undefined) return known;
    const cell = parquetValue(this.type, value);
    if (this.#cells.size < CACHED_VALUES) this.#cells.set(value, cell);
    else this.#cells = undefined;
    return cell;
  }
}

/**
 * A text cell as UTF-8 bytes, for the writer to copy as they are. The writer encodes a string with
 * `TextEncoder.encode`, a buffer of its own for each value; `Buffer.from` cuts short strings from a
 * shared slab, about five times faster (a million values: 0.2 against 1.2 s). The file is the same:
 * the writer compares, truncates and writes strings' statistics as their UTF-8 bytes either way.
 */
function utf8Bytes(value: ParquetCell): ParquetCell | Uint8Array {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/** Values the writer samples, and the share of the sample's bytes held by distinct values over which it takes no dictionary. */
const DICTIONARY_SAMPLE = 1000;
const DICTIONARY_REJECTED_OVER = 0.9;

/**
 * Whether the writer will write a column's values as they are rather than through a dictionary: the
 * test hyparquet-writer 0.17's `useDictionary` applies to strings, on an evenly spaced sample like its
 * own (which skips empty cells). Only such a column is passed as {@link utf8Bytes}: for a dictionary,
 * the writer keys byte arrays by hashing each one, slower than keying strings. Were the two ever to
 * disagree, the file would hold the same values, only encoded the other way.
 */
function takesNoDictionary(values: readonly ParquetCell[]): boolean {
  const size = Math.min(values.length, DICTIONARY_SAMPLE);
  const seen = new Set<string>();
  let distinct = 0;
  let total = 0;
  for (let i = 0; i < size; i++) {
    const value = values[size === 1 ? 0 : Math.floor((i * (values.length - 1)) / (size - 1))];
    if (typeof value !== 'string') continue;
    const bytes = value.length + 4; // the writer's estimate: the string's length and a length prefix
    total += bytes;
    if (!seen.has(value)) {
      seen.add(value);
      distinct += bytes;
    }
  }
  return total > 0 && distinct / total > DICTIONARY_REJECTED_OVER;
}

/** Options of {@link writeParquet}. */
export interface WriteParquetOptions {
  /**
   * Rows per row group, the first taking {@link FIRST_ROW_GROUP_FACTOR} times as many. Groups are
   * cut by row count alone, so the bytes do not depend on how the rows were batched; only the last
   * group may be smaller.
   * @default PARQUET_ROW_GROUP_ROWS
   */
  readonly rowGroupRows?: number;
}

/**
 * The one Parquet encoder: takes rows one at a time and gives back the file's
 * bytes a row group at a time. It is synchronous so that the in-memory
 * {@link encodeParquet} can stay synchronous and still share every byte
 * decision with the streaming {@link writeParquet}, which awaits its sink
 * between row groups.
 */
class ParquetEncoder {
  /** Holds one encoded row group (or the footer) until it is taken out. */
  readonly #writer = new ByteWriter();
  readonly #parquet: ParquetWriter;
  /** The current row group's values, column by column, already in the writer's representation. */
  readonly #group: { readonly column: Column; readonly cache: CellCache; values: ParquetCell[] }[];
  /** The footer, each group's entry taken from the writer as the group is written. */
  readonly #footer: ParquetFooter;
  #groupRows = 0;
  #rows = 0;
  /** Rows of the group being filled: the first group's, then every later one's. */
  #groupLimit: number;

  constructor(
    columns: readonly Column[],
    private readonly rowGroupRows: number,
  ) {
    if (!Number.isSafeInteger(rowGroupRows) || rowGroupRows < 1) {
      throw new RangeError(`rowGroupRows must be a positive integer, got ${String(rowGroupRows)}`);
    }
    this.#groupLimit = FIRST_ROW_GROUP_FACTOR * rowGroupRows;
    this.#group = columns.map((column) => ({ column, cache: new CellCache(column.type), values: [] }));
    this.#parquet = parquetWriter(this.#writer, columns);
    this.#footer = new ParquetFooter(this.#parquet);
  }

  /** Rows added so far. */
  get rows(): number {
    return this.#rows;
  }

  /** Adds a row; when it completes a row group, returns that group's bytes. */
  add(row: Row): Uint8Array | undefined {
    // By index: the first group's arrays grow, and later groups overwrite them in place (see #writeGroup).
    const at = this.#groupRows;
    for (const cells of this.#group) {
      cells.values[at] = cells.cache.cell(row[cells.column.name]);
    }
    this.#rows++;
    if (++this.#groupRows < this.#groupLimit) return undefined;
    this.#writeGroup();
    this.#groupLimit = this.rowGroupRows;
    return this.#take();
  }

  /** Ends the file: the last, partial row group if any, the page indexes and the footer. */
  finish(): Uint8Array {
    if (this.#groupRows > 0) this.#writeGroup();
    this.#footer.finish();
    return this.#take();
  }

  #writeGroup(): void {
    // A last, partial group (or the second, after the larger first) is cut to its rows; values left
    // from the group before it are not its own.
    for (const cells of this.#group)
      if (cells.values.length > this.#groupRows) cells.values.length = this.#groupRows;
    // Passed whole, the group becomes exactly one row group. The writer encodes it before returning and
    // keeps none of the arrays (only each column's minimum and maximum, which are values, for the footer),
    // so the next group reuses them: no array is grown or made again for each group.
    assertSynchronous(
      this.#parquet.write({
        columnData: this.#group.map(({ column, values }) => ({
          name: column.name,
          data: column.type === 'string' && takesNoDictionary(values) ? values.map(utf8Bytes) : values,
        })),
        rowGroupSize: this.#groupRows,
      }),
    );
    this.#footer.groupWritten();
    // The values written are let go at once (the arrays are kept, emptied), not held until overwritten.
    for (const cells of this.#group) cells.values.fill(null);
    this.#groupRows = 0;
  }

  /**
   * The bytes written since the last call, copied out so that the buffer can be
   * reused. Only `index` is reset: `offset` keeps counting the whole file, which
   * is what the footer's column chunk offsets are measured from.
   */
  #take(): Uint8Array {
    const bytes = this.#writer.getBytes().slice();
    this.#writer.index = 0;
    return bytes;
  }
}

/**
 * ParquetWriter returns a promise only when its Writer's flush() or finish()
 * does, and ByteWriter's never do; a promise here would mean bytes the encoder
 * has not waited for.
 */
function assertSynchronous(result: void | Promise<void>): void {
  if (result !== undefined) {
    throw new Error('hyparquet-writer wrote asynchronously to an in-memory ByteWriter');
  }
}

/**
 * Where {@link writeParquet} puts the file's bytes, in order. Every `ByteSink`
 * (a scratch file, a hash, a test's buffer) is one; only the method the
 * encoder calls is required, so that encoding does not depend on where the
 * bytes go.
 */
export interface ParquetSink {
  write(chunk: Uint8Array): Promise<void>;
}

/**
 * Writes rows as one Parquet file to `sink`, a row group at a time, so that no
 * more than one row group's values are ever held (plus the encoder's buffer
 * for that group's bytes). Snappy-compressed, column statistics, columns in
 * schema order, no timestamps: the same rows give the same bytes however they
 * are batched, and the same bytes as {@link encodeParquet}.
 *
 * @returns the number of rows written.
 */
export async function writeParquet(
  columns: readonly Column[],
  batches: AsyncIterable<readonly Row[]>,
  sink: ParquetSink,
  options: WriteParquetOptions = {},
): Promise<{ rows: number }> {
  const encoder = new ParquetEncoder(columns, options.rowGroupRows ?? PARQUET_ROW_GROUP_ROWS);
  for await (const batch of batches) {
    for (const row of batch) {
      const group = encoder.add(row);
      if (group !== undefined) await sink.write(group);
    }
  }
  await sink.write(encoder.finish());
  return { rows: encoder.rows };
}

/**
 * Encodes rows as one Parquet file in memory, with the same encoder and the
 * same bytes as {@link writeParquet} with the default row group size.
 */
export function encodeParquet(columns: readonly Column[], rows: readonly Row[]): Uint8Array {
  const encoder = new ParquetEncoder(columns, PARQUET_ROW_GROUP_ROWS);
  const chunks: Uint8Array[] = [];
  for (const row of rows) {
    const group = encoder.add(row);
    if (group !== undefined) chunks.push(group);
  }
  chunks.push(encoder.finish());
  const bytes = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
