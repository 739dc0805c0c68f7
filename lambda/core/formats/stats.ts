import { columnStats } from '../column-stats.js';
import type { VersionFormat } from './format.js';
import { prettyJson } from './pretty-json.js';

/**
 * `stats.json`: each column's count, missing, distinct, range and common values; taken while the rows are
 * validated when they come in key order, else here in one streamed pass when the ranges are known, else two.
 */
export const statsFormat: VersionFormat = {
  format: 'stats',
  stem: 'stats',
  extension: 'json',
  mediaType: 'application/json',
  charset: 'utf-8',
  label: 'Column statistics',
  description: 'per column: values, missing, distinct, range, common values',
  euFileType: 'JSON',
  packaged: false,
  tabular: false,
  renderer: {
    kind: 'streamed',
    render: async ({ table }, sink) => {
      await sink.write(prettyJson(await columnStats(table.definition.columns, table.rows, table.ranges)));
    },
    // Statistics taken while the rows were validated, when they came in key order.
    existing: ({ table }) =>
      table.stats?.().then((stats) => (stats === undefined ? undefined : prettyJson(stats))),
  },
};
