import { columnStats, OnePassStats } from '../column-stats.js';
import type { VersionFormat } from './format.js';
import { prettyJson } from './pretty-json.js';

/** `stats.json`: each column's count, missing, distinct, range and common values (one streamed pass when the ranges are known, else two). */
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
    whileValidating: ({ definition, scratch }, sink) => {
      const stats = new OnePassStats(definition.columns, scratch);
      return {
        add: (rows) => stats.add(rows),
        finish: async () => sink.write(prettyJson(await stats.finish())),
      };
    },
  },
};
