import type { ChangeKind } from './changes.js';
import type { StagedVersion } from './catalog.js';
import { canonicalizeTable } from './canonical.js';
import type { ObjectStore } from './object-store.js';
import { commitCatalog, stageDataset, type StageOutcome, type StreamingTuning } from './publish.js';
import { ScratchDirectory } from './scratch.js';
import { RowSorter } from './sort-rows.js';
import { findDatasetIds, loadDatasetSource, loadSiteMeta, type SourceLocation } from './sources.js';
import { createAjv } from './row-schema.js';
import { validateDataset, type DatasetReport, type DatasetSource, type ValidDataset } from './validate.js';
import type { VerifyProblem } from './distribution-check.js';

/** What happened to one dataset in a publish run. */
export type DatasetOutcome =
  | { readonly id: string; readonly status: 'rejected'; readonly report: DatasetReport }
  | {
      readonly id: string;
      readonly status: 'unchanged';
      readonly report: DatasetReport;
      readonly version: string;
    }
  | {
      readonly id: string;
      readonly status: 'published';
      readonly report: DatasetReport;
      readonly version: string;
      readonly change: ChangeKind;
      readonly rows: number;
    };

/**
 * Validates the named datasets, or every dataset in the data folder when
 * `ids` is empty. One report per dataset, in id order; nothing is written.
 * Rows are kept (and each valid dataset returned) only with `keepRows`.
 */
export async function validateDatasets(
  source: SourceLocation,
  ids: readonly string[] = [],
  options: { readonly keepRows?: boolean } = {},
): Promise<{ report: DatasetReport; dataset?: ValidDataset }[]> {
  const ajv = createAjv();
  const results: { report: DatasetReport; dataset?: ValidDataset }[] = [];
  for (const id of await wantedIds(source, ids))
    results.push(await validateOne(source, id, ajv, options.keepRows ?? false));
  return results;
}

async function wantedIds(source: SourceLocation, ids: readonly string[]): Promise<string[]> {
  return ids.length > 0 ? [...new Set(ids)] : findDatasetIds(source);
}

async function validateOne(
  source: SourceLocation,
  id: string,
  ajv: ReturnType<typeof createAjv>,
  keepRows: boolean,
): Promise<{ report: DatasetReport; dataset?: ValidDataset }> {
  const loaded = await loadDatasetSource(source, id);
  if (loaded.ok) return validateDataset(loaded.value, ajv, { keepRows });
  return { report: unloadedReport(source, id, loaded.issues) };
}

/** The report of a dataset whose files could not be loaded. */
function unloadedReport(source: SourceLocation, id: string, issues: DatasetReport['issues']): DatasetReport {
  const files = {
    csv: `${source.dataLabel}/${id}.csv`,
    schema: `${source.schemasLabel}/${id}.schema.json`,
    descriptor: `${source.dataLabel}/${id}.dataset.json`,
  };
  return { id, valid: false, rows: 0, invalidRows: 0, files, issues, truncated: false };
}

/** How {@link validateAndStage} runs. */
export interface ValidateAndStageOptions {
  readonly now: Date;
  readonly baseUrl?: string | undefined;
  readonly ajv?: ReturnType<typeof createAjv>;
  /** Where scratch files go (the OS temp directory by default). */
  readonly scratchParent?: string | undefined;
  readonly tuning?: StreamingTuning | undefined;
}

/**
 * Validates one dataset and, when it is valid, stages its new version (or
 * finds it unchanged). The rows stream from the source into a key-sorted
 * scratch file as they are validated, and from there into every published
 * file: memory holds a batch of rows (and, for a file out of key order, its primary keys), never the
 * table. The scratch files are removed whatever happens.
 */
export async function validateAndStage(
  source: DatasetSource,
  store: ObjectStore,
  options: ValidateAndStageOptions,
): Promise<{ report: DatasetReport; outcome?: StageOutcome }> {
  const scratch = await ScratchDirectory.create(options.scratchParent);
  try {
    let sorter: RowSorter | undefined;
    const validation = await validateDataset(source, options.ajv, {
      sinkRows: (definition) =>
        (sorter = new RowSorter(scratch, definition.descriptor.primaryKey, options.tuning?.sortRunRows)),
    });
    const { report, definition } = validation;
    if (definition === undefined || sorter === undefined) return { report };
    const table = await canonicalizeTable(definition, await sorter.finish(), scratch);
    const outcome = await stageDataset(store, table, report, options.now, {
      scratch,
      baseUrl: options.baseUrl,
      tuning: options.tuning,
    });
    return { report, outcome };
  } finally {
    await scratch.dispose();
  }
}

/** Options of a publish run: where sources come from, where the tree goes, and the run's clock. */
export interface PublishRun {
  readonly source: SourceLocation;
  readonly store: ObjectStore;
  readonly ids?: readonly string[];
  /** The publish time recorded in the catalog (honour `SOURCE_DATE_EPOCH` in the adapter). */
  readonly now: Date;
  /** Absolute site URL used for download links in the catalog. */
  readonly baseUrl?: string;
  /** Where scratch files go (the OS temp directory by default) and the sizes they are streamed in. */
  readonly scratchParent?: string;
  readonly tuning?: StreamingTuning;
}

/** What a publish run did. */
export interface PublishResult {
  readonly outcomes: DatasetOutcome[];
  readonly catalogWritten: boolean;
  readonly siteFilesWritten: number;
  /** Files this run wrote that do not read back as written (empty when all is well). */
  readonly problems: readonly VerifyProblem[];
}

/** A site metadata problem stops a run before anything is written. */
export class SiteMetaError extends Error {
  override readonly name = 'SiteMetaError';
}

/**
 * The whole publishing protocol: validate every dataset, stage each valid one
 * (immutable version files, then `latest/`), and finally commit the catalog
 * once. A rejected dataset is reported and leaves its published versions as
 * they were; the others are still published.
 */
export async function publishDatasets(run: PublishRun): Promise<PublishResult> {
  const site = await loadSiteMeta(run.source);
  if (!site.ok)
    throw new SiteMetaError(
      site.issues.map((issue) => `${issue.file}: ${issue.field ?? ''} ${issue.message}`).join('\n'),
    );
  const outcomes: DatasetOutcome[] = [];
  const staged: StagedVersion[] = [];
  const stagedOutcomes: { report: DatasetReport; staged: StagedVersion }[] = [];
  const ajv = createAjv();
  // One dataset at a time, validated then staged, each streamed through scratch files.
  for (const id of await wantedIds(run.source, run.ids ?? [])) {
    const loaded = await loadDatasetSource(run.source, id);
    const { report, outcome } = loaded.ok
      ? await validateAndStage(loaded.value, run.store, { ...run, ajv })
      : { report: unloadedReport(run.source, id, loaded.issues), outcome: undefined };
    if (outcome === undefined) {
      outcomes.push({ id: report.id, status: 'rejected', report });
      continue;
    }
    if (outcome.status === 'unchanged') {
      outcomes.push({ id: report.id, status: 'unchanged', report, version: outcome.version });
    } else {
      staged.push(outcome.staged);
      stagedOutcomes.push({ report, staged: outcome.staged });
    }
  }
  const { written, added, siteFilesWritten, problems } = await commitCatalog(
    run.store,
    site.value,
    staged,
    run.now,
    {
      ...(run.baseUrl === undefined ? {} : { baseUrl: run.baseUrl }),
    },
  );
  for (const { report, staged: entry } of stagedOutcomes) {
    const { version, change, rows } = entry.version;
    // A concurrent run that listed the same content first has already published it: nothing new from us.
    outcomes.push(
      added.includes(entry.id)
        ? { id: report.id, status: 'published', report, version, change, rows }
        : { id: report.id, status: 'unchanged', report, version },
    );
  }
  outcomes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { outcomes, catalogWritten: written, siteFilesWritten, problems };
}
