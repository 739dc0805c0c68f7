import { ByteWriter, type ParquetWriter } from 'hyparquet-writer';
import { writeBlooms } from 'hyparquet-writer/src/bloom.js';
import { writeIndexes } from 'hyparquet-writer/src/indexes.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';

type RowGroup = ParquetWriter['row_groups'][number];
type PendingIndexes = ParquetWriter['pendingIndexes'][number];

/** The file's last four bytes, as its first: `PAR1`. */
const MAGIC = 0x31524150;
/** Thrift's compact protocol: the element type of a list of structs, and the longest list whose size fits its header byte. */
const THRIFT_STRUCT = 12;
const THRIFT_SHORT_LIST = 14;

/**
 * A Parquet file's footer, written by hyparquet-writer's own serializer but without holding what the
 * writer holds for it. `ParquetWriter` keeps every column chunk's metadata, and an index entry per
 * chunk, until `finish` writes the footer from them all at once: for the 1 220 row groups of ten
 * million rows of the trade table, about 17 MiB of heap that grew with the rows, and a footer built
 * from them in one go at the end. Here each row group's entry in the footer is serialized as soon as
 * the group is written, and the writer lets go of the group: a kilobyte or so of bytes a group. A group
 * with a chunk of several pages (whose page indexes are written at the end, and whose entry then says
 * where) or a Bloom filter stays with the writer until then. The file is the same, byte for byte, as
 * `ParquetWriter.finish` makes it (checked by the tests over many shapes of tables).
 */
export class ParquetFooter {
  /** Each written group's footer entry in order: its Thrift bytes, or the group itself when kept for the end. */
  readonly #groups: (Uint8Array | RowGroup)[] = [];
  /** The file metadata with no row group, which each group's entry is told apart from. */
  #none: Uint8Array | undefined;

  constructor(private readonly parquet: ParquetWriter) {}

  /** Called after each row group is written: takes the group's entry from the writer, or keeps the group with it. */
  groupWritten(): void {
    const { parquet } = this;
    const group = parquet.row_groups.at(-1);
    if (group === undefined || this.#groups.includes(group)) return;
    const count = group.columns.length;
    // The writer adds one index entry per chunk, in the group's order; anything else is left as it is.
    const entries = parquet.pendingIndexes.slice(-count);
    const aligned =
      entries.length === count && entries.every((entry, index) => entry.chunk === group.columns[index]);
    if (!aligned || entries.some(writesAtTheEnd)) {
      ownStatistics(group);
      this.#groups.push(group);
      return;
    }
    this.#groups.push(this.#entry(group));
    parquet.row_groups.pop();
    parquet.pendingIndexes.length -= count;
  }

  /**
   * Ends the file as `ParquetWriter.finish` would: the page indexes and Bloom filters of the groups kept,
   * the footer (every group's entry in order, `num_rows` counting them all), its length and `PAR1`.
   */
  finish(): void {
    const { parquet } = this;
    const { writer } = parquet;
    writeIndexes(writer, parquet.pendingIndexes);
    writeBlooms(writer, parquet.pendingIndexes);
    const entries = this.#groups.map((group) => (group instanceof Uint8Array ? group : this.#entry(group)));
    const none = metadataBytes(parquet, parquet.num_rows, []);
    const start = writer.offset;
    if (entries.length === 0) {
      // The writer's own bytes for no group (an empty list has an element type of its own there).
      writer.appendBytes(none);
    } else {
      const header = listHeaderAt(none, metadataBytes(parquet, parquet.num_rows, [EMPTY_GROUP]));
      writer.appendBytes(none.subarray(0, header));
      if (entries.length > THRIFT_SHORT_LIST) {
        writer.appendUint8((0x0f << 4) | THRIFT_STRUCT);
        writer.appendVarInt(entries.length);
      } else writer.appendUint8((entries.length << 4) | THRIFT_STRUCT);
      for (const entry of entries) writer.appendBytes(entry);
      writer.appendBytes(none.subarray(header + 1));
    }
    writer.appendUint32(writer.offset - start);
    writer.appendUint32(MAGIC);
  }

  /**
   * A row group's entry in the footer, as the writer serializes it: the metadata with the group alone,
   * less the metadata without it, at the list's header (a list of one struct has a header of one byte).
   */
  #entry(group: RowGroup): Uint8Array {
    const none = (this.#none ??= metadataBytes(this.parquet, 0n, []));
    const one = metadataBytes(this.parquet, 0n, [group]);
    const header = listHeaderAt(none, one);
    return one.slice(header + 1, one.length - (none.length - header - 1));
  }
}

/**
 * Whether the writer writes something for a chunk at the end of the file, which the chunk's footer
 * entry then points to: a column index or an offset index of more than one page, or a Bloom filter
 * (hyparquet-writer 0.17's `writeIndexes` and `writeBlooms` skip the rest).
 */
function writesAtTheEnd(entry: PendingIndexes): boolean {
  return (
    (entry.columnIndex?.min_values.length ?? 0) > 1 ||
    (entry.offsetIndex?.page_locations.length ?? 0) > 1 ||
    entry.bloomFilter !== undefined
  );
}

/** The file metadata's Thrift bytes (without the length after them) as the writer serializes them. */
function metadataBytes(parquet: ParquetWriter, rows: bigint, groups: RowGroup[]): Uint8Array {
  const writer = new ByteWriter();
  writeMetadata(
    writer,
    {
      version: 2,
      created_by: parquet.createdBy,
      schema: parquet.schema,
      num_rows: rows,
      row_groups: groups,
      key_value_metadata: parquet.kvMetadata,
      // Required by the type, not serialized: the length is written after the metadata, as here.
      metadata_length: 0,
    },
    parquet.statisticsTruncateLength,
  );
  return writer.getBytes().slice(0, writer.index - 4);
}

/**
 * Where the list of row groups starts in the file metadata: the first byte that differs between the
 * metadata with no group (`none`) and with one (`one`), the list's header (its size and element type).
 */
function listHeaderAt(none: Uint8Array, one: Uint8Array): number {
  const header = none.findIndex((byte, index) => byte !== one[index]);
  if (header === -1) throw new Error('could not find the list of row groups in the Parquet footer');
  return header;
}

/** A row group of no column, whose entry in a list sets the list's header apart. */
const EMPTY_GROUP: RowGroup = { columns: [], total_byte_size: 0n, num_rows: 0n };

/**
 * Gives a kept row group's column statistics, which the writer keeps for the footer, bytes of their
 * own. A minimum or maximum of a column passed as UTF-8 bytes (parquet.ts, `utf8Bytes`) is one of its
 * values, a view of an 8 KiB slab `Buffer.from` shares among short strings: kept as it is, each row
 * group would hold up to two slabs a text column till the file ends (ten million rows of the trade
 * table: about 29 MB).
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
