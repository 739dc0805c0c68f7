import { datasetMetadata } from '../dataset-document.js';
import { writeJsonObject } from '../json-writer.js';
import type { DatasetDefinition } from '../validate.js';
import type { VersionFormat } from './format.js';

/**
 * What `<id>.json` of `version` is written from, besides its rows: the head `writeJsonObject` takes
 * (the dataset's metadata) and the array the rows go in, last. The Parquet worker thread writes the
 * file from the same parts (see `existing` below).
 */
export function jsonDocumentParts(
  definition: DatasetDefinition,
  version: string,
): { readonly head: Readonly<Record<string, unknown>>; readonly array: string } {
  return { head: datasetMetadata(definition, version), array: 'rows' };
}

/** `<id>.json`: the metadata pretty-printed, then the typed rows, one per line. */
export const jsonFormat: VersionFormat = {
  format: 'json',
  extension: 'json',
  mediaType: 'application/json',
  charset: 'utf-8',
  label: 'JSON',
  description: 'typed rows with column names, types, units and descriptions',
  euFileType: 'JSON',
  primaryRank: 3,
  packaged: true,
  tabular: false, // typed rows wrapped with metadata, not a bare table a Frictionless reader would load
  renderer: {
    kind: 'streamed',
    render: ({ table, version }, sink) => {
      const { head, array } = jsonDocumentParts(table.definition, version);
      return writeJsonObject(sink, head, [[array, table.rows.openJson()]]);
    },
    // Written by the worker thread beside the Parquet file, for the version it was asked for (parquet-worker.ts).
    existing: ({ table, version }) => table.prerendered?.['json']?.(version),
  },
};
