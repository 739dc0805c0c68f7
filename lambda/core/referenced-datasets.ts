import { formatIssue } from './issue.js';
import { RowSchemaScope, type Column, type Row } from './row-schema.js';
import { loadDatasetSource, type SourceLocation } from './sources.js';
import { validateDataset } from './validate.js';

/** Another dataset as its source files give it, for foreign keys and rules, or why it cannot be used. */
export type ReferencedDataset =
  | {
      readonly ok: true;
      /** Its CSV as users name it. */
      readonly file: string;
      readonly columns: readonly Column[];
      /** Its typed rows, in file order. */
      readonly rows: readonly Row[];
    }
  | { readonly ok: false; readonly why: string };

/**
 * The datasets of a run that foreign keys and rules refer to, by id. The CLI's
 * pipeline and the Lambda's validate step supply one through the run context
 * (`RunContext.datasets`), reading from where they read sources.
 */
export interface DatasetResolver {
  get(id: string): Promise<ReferencedDataset>;
}

/**
 * Datasets read from a source location (the data folder, or the source
 * bucket for the Lambda), each validated on its own at most once per run and
 * kept in memory while the run lasts. A referenced dataset is checked without
 * its own references (so that two datasets may refer to each other) and in a
 * schema scope of its own (its `$id` is its own in this reading); one with an
 * issue cannot be referred to, and says so.
 */
export function referencedDatasetsFrom(source: SourceLocation): DatasetResolver {
  const cache = new Map<string, Promise<ReferencedDataset>>();
  const read = async (id: string): Promise<ReferencedDataset> => {
    const loaded = await loadDatasetSource(source, id);
    if (!loaded.ok)
      return { ok: false, why: `cannot be read (${loaded.issues.map(formatIssue).join('; ')})` };
    const { report, dataset } = await validateDataset(loaded.value, new RowSchemaScope(), { keepRows: true });
    if (dataset === undefined) {
      const count = report.issueCount ?? report.issues.length;
      return { ok: false, why: `has ${count} issue${count === 1 ? '' : 's'} of its own (validate it first)` };
    }
    return { ok: true, file: loaded.value.csv.file, columns: dataset.columns, rows: dataset.rows };
  };
  return {
    get(id) {
      let found = cache.get(id);
      if (found === undefined) cache.set(id, (found = read(id)));
      return found;
    },
  };
}
