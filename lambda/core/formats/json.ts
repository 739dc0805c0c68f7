import { datasetMetadata } from '../dataset-document.js';
import { writeJsonObject } from '../json-writer.js';
import type { VersionFormat } from './format.js';

/** `<id>.json`: the metadata pretty-printed, then the typed rows, one per line. */
export const jsonFormat: VersionFormat = {
  format: 'json',
  extension: 'json',
  mediaType: 'application/json',
  charset: 'utf-8',
  label: 'JSON',
  // An empty cell is left out of its row (a reader making a table of `rows` alone drops a column empty in
  // every row): said where the file is offered, with what lists every column.
  description:
    'typed rows with column names, types, units and descriptions; an empty cell is left out of its row, and columns lists every column in order',
  euFileType: 'JSON',
  primaryRank: 3,
  packaged: true,
  tabular: false, // typed rows wrapped with metadata, not a bare table a Frictionless reader would load
  renderer: {
    kind: 'streamed',
    render: ({ table, version }, sink) =>
      writeJsonObject(sink, datasetMetadata(table.definition, version), [['rows', table.rows.openJson()]]),
  },
};
