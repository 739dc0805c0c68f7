import type { VersionFormat } from './format.js';

/** `<id>.csv`: the canonical table, handed over as validation wrote it. */
export const csvFormat: VersionFormat = {
  format: 'csv',
  extension: 'csv',
  mediaType: 'text/csv',
  charset: 'utf-8',
  label: 'CSV',
  description: 'the table: UTF-8, comma-separated, header row',
  euFileType: 'CSV',
  primaryRank: 1,
  packaged: true,
  tabular: true,
  renderer: {
    kind: 'streamed',
    render: async ({ table }, sink) => {
      for await (const chunk of table.csv.open()) await sink.write(chunk);
    },
    existing: ({ table }) => table.csv,
  },
};
