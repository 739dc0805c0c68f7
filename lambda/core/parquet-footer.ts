import type { ParquetWriter } from 'hyparquet-writer';

type RowGroup = ParquetWriter['row_groups'][number];
type ColumnChunk = RowGroup['columns'][number];
type PendingIndexes = ParquetWriter['pendingIndexes'][number];

/**
 * What hyparquet-writer keeps of each written row group until it writes the footer: every column
 * chunk's metadata (`row_groups`) and an entry for its page indexes (`pendingIndexes`). As the writer
 * leaves them, they grew by about 17 MiB of heap over the 1 221 row groups of ten million rows of the
 * trade table; this keeps them to what the footer is written from, about 10 MiB there, without
 * changing a byte of it (`FooterEntries.keepSmall`).
 */
export class FooterEntries {
  /** Arrays every chunk of a column repeats (its encodings, its path, its pages' encoding counts), one copy each. */
  readonly #shared = new Map<string, unknown>();

  /**
   * Called after each row group is written: gives the group's statistics bytes of their own
   * ({@link ownStatistics}); drops the index entries of its chunks that the writer would write
   * nothing for (a chunk of one page, without a Bloom filter), and replaces those chunks' metadata
   * with copies holding only the fields that are set, their repeated arrays shared.
   */
  keepSmall(parquet: ParquetWriter): void {
    const group = parquet.row_groups.at(-1);
    if (group === undefined) return;
    ownStatistics(group);
    const pending = parquet.pendingIndexes;
    const count = group.columns.length;
    // The writer adds one entry per chunk, in the group's order; anything else is left as it is.
    const entries = pending.slice(-count);
    if (entries.length !== count || entries.some((entry, index) => entry.chunk !== group.columns[index]))
      return;
    pending.length -= count;
    entries.forEach((entry, index) => {
      if (writesIndexes(entry)) pending.push(entry);
      else group.columns[index] = this.#compact(entry.chunk);
    });
  }

  #compact(chunk: ColumnChunk): ColumnChunk {
    const meta = chunk.meta_data;
    if (meta === undefined) return chunk;
    return setOnly({
      ...chunk,
      meta_data: setOnly({
        ...meta,
        encodings: this.#share(meta.encodings),
        path_in_schema: this.#share(meta.path_in_schema),
        ...(meta.encoding_stats === undefined ? {} : { encoding_stats: this.#share(meta.encoding_stats) }),
        ...(meta.statistics === undefined ? {} : { statistics: setOnly(meta.statistics) }),
      }),
    });
  }

  /** The one copy of an array of names and counts (no binary values: it is keyed by its JSON text). */
  #share<T>(value: T): T {
    const key = JSON.stringify(value);
    const known = this.#shared.get(key);
    if (known !== undefined) return known as T;
    this.#shared.set(key, value);
    return value;
  }
}

/**
 * Whether the writer writes anything for a chunk's index entry when it finishes the file: a column
 * index or an offset index of more than one page, or a Bloom filter (hyparquet-writer 0.17's
 * `writeIndexes` and `writeBlooms` skip the rest).
 */
function writesIndexes(entry: PendingIndexes): boolean {
  return (
    (entry.columnIndex?.min_values.length ?? 0) > 1 ||
    (entry.offsetIndex?.page_locations.length ?? 0) > 1 ||
    entry.bloomFilter !== undefined
  );
}

/** A copy of an object without its fields that are `undefined`, which the footer skips anyway. */
function setOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/**
 * Gives a written row group's column statistics, which the writer keeps for the footer, bytes of their
 * own. A minimum or maximum of a column passed as UTF-8 bytes (parquet.ts, `utf8Bytes`) is one of its
 * values, a view of an 8 KiB slab `Buffer.from` shares among short strings: kept as it is, each row group
 * would hold up to two slabs a text column till the file ends (ten million rows of the trade table:
 * about 29 MB).
 */
export function ownStatistics(group: RowGroup): void {
  for (const chunk of group.columns) {
    const statistics = chunk.meta_data?.statistics;
    if (statistics === undefined) continue;
    if (statistics.min_value instanceof Uint8Array)
      statistics.min_value = new Uint8Array(statistics.min_value);
    if (statistics.max_value instanceof Uint8Array)
      statistics.max_value = new Uint8Array(statistics.max_value);
  }
}
