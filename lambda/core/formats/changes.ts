import { writeJsonObject } from '../json-writer.js';
import type { VersionFormat } from './format.js';

/**
 * `changes.json`: what changed since the previous version, the row lists
 * streamed one row per line. An initial version states its change without
 * repeating every row as added (they are in `<id>.json` and the CSV):
 * `rowsListed` is false and the lists are empty.
 */
export const changesFormat: VersionFormat = {
  format: 'changes',
  stem: 'changes',
  extension: 'json',
  mediaType: 'application/json',
  charset: 'utf-8',
  label: 'Changes',
  description: 'rows added, removed and changed since the previous version',
  euFileType: 'JSON',
  packaged: false,
  tabular: false,
  renderer: {
    kind: 'streamed',
    render: (context, sink) => {
      const { table, version, previousVersion, change, schemaChanged, schemaChanges, rowChanges, message } =
        context;
      const head = {
        id: table.definition.id,
        version,
        previousVersion: previousVersion ?? null,
        change,
        ...(message === undefined ? {} : { message }),
        schemaChanged,
        schemaChanges,
        summary: rowChanges.summary,
        rowsListed: change !== 'initial',
        ...(change === 'initial'
          ? {
              note: `Initial version: all ${rowChanges.summary.added} rows are new; they are in ${table.definition.id}.json and ${table.definition.id}.csv.`,
            }
          : {}),
      };
      if (change === 'initial')
        return writeJsonObject(sink, { ...head, added: [], removed: [], changed: [] }, []);
      return writeJsonObject(sink, head, [
        ['added', rowChanges.added.openJson()],
        ['removed', rowChanges.removed.openJson()],
        ['changed', rowChanges.changed.openJson()],
      ]);
    },
  },
};
