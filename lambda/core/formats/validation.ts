import type { VersionFormat } from './format.js';
import { prettyJson } from './pretty-json.js';

/** `validation.json`: the validation report of the version, naming the files as they sit in the repository. */
export const validationFormat: VersionFormat = {
  format: 'validation',
  stem: 'validation',
  extension: 'json',
  mediaType: 'application/json',
  charset: 'utf-8',
  label: 'Validation report',
  description: 'the validation report of this version',
  euFileType: 'JSON',
  packaged: false,
  tabular: false,
  renderer: {
    kind: 'streamed',
    render: async ({ report, table }, sink) => {
      const id = table.definition.id;
      // Published reports name the files as they sit in the repository, not where this run read them from,
      // so that the same inputs give the same bytes wherever they are published from.
      const files = {
        csv: `data/${id}.csv`,
        schema: `schemas/${id}.schema.json`,
        descriptor: `data/${id}.dataset.json`,
      };
      await sink.write(prettyJson({ valid: report.valid, datasets: [{ ...report, files }] }));
    },
  },
};
