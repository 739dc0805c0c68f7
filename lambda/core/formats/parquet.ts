import { ParquetFileWriter, writeParquet } from '../parquet.js';
import { PARQUET_THREAD_MIN_BYTES, parquetThreadAvailable, ParquetThreadWriter } from '../parquet-thread.js';
import type { VersionFormat } from './format.js';

/** `<id>.parquet`: the version's table with typed columns, written a row group at a time. */
export const parquetFormat: VersionFormat = {
  format: 'parquet',
  extension: 'parquet',
  mediaType: 'application/vnd.apache.parquet',
  label: 'Parquet',
  description: 'the table with typed columns, for DuckDB, pandas, R arrow, Spark',
  euFileType: 'PARQUET',
  primaryRank: 2,
  packaged: true,
  tabular: true,
  renderer: {
    kind: 'streamed',
    render: async ({ table, parquetRowGroupRows }, sink) => {
      await writeParquet(table.definition.columns, table.rows.open(), sink, {
        ...(parquetRowGroupRows === undefined ? {} : { rowGroupRows: parquetRowGroupRows }),
      });
    },
    whileValidating: ({ definition, parquetRowGroupRows, csvBytes, parquetThreadMinBytes }, sink) => {
      const options = parquetRowGroupRows === undefined ? {} : { rowGroupRows: parquetRowGroupRows };
      // A large table is encoded on a second core while this one validates (see parquet-thread.ts).
      const thread =
        (csvBytes ?? 0) >= (parquetThreadMinBytes ?? PARQUET_THREAD_MIN_BYTES) && parquetThreadAvailable()
          ? ParquetThreadWriter.start(definition.columns, sink, options)
          : undefined;
      if (thread !== undefined)
        return {
          add: (_rows, lines) => thread.add(lines),
          finish: async () => void (await thread.finish()),
          abandon: () => thread.abandon(),
        };
      const writer = new ParquetFileWriter(definition.columns, sink, options);
      return { add: (rows) => writer.add(rows), finish: async () => void (await writer.finish()) };
    },
  },
};
