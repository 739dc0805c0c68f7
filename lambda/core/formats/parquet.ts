import { writeParquet } from '../parquet.js';
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
    // Written by a worker thread while the rows were validated, when they came in key order (parquet-worker.ts).
    existing: ({ table }) => table.prerendered?.['parquet'],
  },
};
