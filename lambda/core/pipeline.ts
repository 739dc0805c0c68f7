import type { ChangeKind, ChangePreview } from './changes.js';
import type { Catalog, StagedVersion } from './catalog.js';
import { CanonicalCsvWriter, canonicalizeTable, type WrittenCsv } from './canonical.js';
import { ParquetBesideValidation } from './parquet-worker.js';
import { ColumnRanges, StreamedColumnStats, type StatsDocument } from './column-stats.js';
import { NumberLog } from './number-log.js';
import type { ObjectStore } from './object-store.js';
import { messageOf, OpenDataError } from './errors.js';
import { commitVersions, DerivedFilesError, headOf, readCatalog, type Restage } from './history.js';
import { versionFolder } from './site-keys.js';
import { stageDataset, type StageOutcome, type StreamingTuning } from './publish.js';
import { ScratchDirectory } from './scratch.js';
import type { RowSource } from './row-source.js';
import { RowSorter, type InOrderRows } from './sort-rows.js';
import { findDatasetIds, loadDatasetSource, loadSiteMeta, type SourceLocation } from './sources.js';
import { formatIssue } from './issue.js';
import { RowSchemaScope } from './row-schema.js';
import {
  reserveRowSchemaIds,
  validateDataset,
  type DatasetReport,
  type DatasetSource,
  type ValidDataset,
} from './validate.js';
import type { VerifyProblem } from './distribution-check.js';
import { SiteSourceError, type SiteNote } from './site.js';
import type { RunContext } from './checks/index.js';
import {
  foreignKeysOutside,
  rulesBrokenBy,
  rulesOutside,
  sourceDeclarations,
  publishedDatasets,
  referenceCheck,
  referencesBrokenBy,
} from './published-datasets.js';
import { referencedDatasetsFrom, type DatasetResolver } from './referenced-datasets.js';
import { isValidDatasetId } from './dataset-id.js';

/** What happened to one dataset in a publish run. */
export type DatasetOutcome =
  | { readonly id: string; readonly status: 'rejected'; readonly report: DatasetReport }
  | {
      readonly id: string;
      readonly status: 'unchanged';
      readonly report: DatasetReport;
      readonly version: string;
      /**
       * Version folders this run wrote and left unlisted, when another publisher listed the same content
       * first (see the published outcome's `superseded`); absent when there are none.
       */
      readonly superseded?: readonly string[];
    }
  | {
      readonly id: string;
      readonly status: 'published';
      readonly report: DatasetReport;
      readonly version: string;
      readonly change: ChangeKind;
      readonly rows: number;
      /** Version numbers passed over because unlisted folders of failed attempts hold other files. */
      readonly skipped: readonly string[];
      /**
       * Version folders this run wrote itself and then left unlisted: it staged the dataset there, another
       * publisher moved the head meanwhile, and the run staged it again on that head, under a later number.
       * Their files stay (no run deletes a version folder), reachable at their URLs but listed nowhere.
       */
      readonly superseded: readonly string[];
      /** Staged again on a head that another publisher moved while this run was working. */
      readonly rebased: boolean;
      /** The rows it changed since the previous version (absent for a first version). */
      readonly changes?: ChangePreview;
      /** The curator's reason for the change, when one was given. */
      readonly message?: string;
      /** The earlier version that already carries the descriptor's `changeMessage` (so this one has none). */
      readonly messageUsedBy?: string;
    };

/** What a run is doing, as a progress display names it. */
export type ProgressPhase = 'validating' | 'sorting' | 'writing files' | 'site';

/**
 * Where a run is, for a progress display (the CLI's, on a terminal). Events
 * come often (after every batch of rows read): a listener throttles itself.
 */
export interface ProgressEvent {
  readonly phase: ProgressPhase;
  /** The dataset the phase works on; absent for `site`, which is the whole run's. */
  readonly dataset?: string;
  /** Which of the run's datasets it is (1-based) and how many the run has, when the run knows. */
  readonly position?: { readonly index: number; readonly count: number };
  /**
   * Rows so far: read (`validating`), put in key order and written to the
   * canonical CSV (`sorting`), or the dataset's rows (`writing files`); 0 for `site`.
   */
  readonly rows: number;
}

/** Receives {@link ProgressEvent}s; the Lambda passes none. */
export type ProgressListener = (event: ProgressEvent) => void;

/**
 * Validates the named datasets, or every dataset in the data folder when
 * `ids` is empty. One report per dataset, in id order; nothing is written.
 * Rows are kept (and each valid dataset returned) only with `keepRows`.
 */
export async function validateDatasets(
  source: SourceLocation,
  ids: readonly string[] = [],
  options: { readonly keepRows?: boolean; readonly onProgress?: ProgressListener | undefined } = {},
): Promise<{ report: DatasetReport; dataset?: ValidDataset }[]> {
  const scope = new RowSchemaScope();
  // One run context for the run, so a dataset referred to by several is read once.
  const context = runContextOf(source);
  const results: { report: DatasetReport; dataset?: ValidDataset }[] = [];
  for await (const { id, position } of datasetsOfRun(source, ids, scope)) {
    const onRows = validationProgress(options.onProgress, id, position);
    results.push(await validateOne(source, id, scope, context, options.keepRows ?? false, onRows));
  }
  return results;
}

/** Tells `listener` that validation of `dataset` starts, and returns what tells it the rows read since. */
function validationProgress(
  listener: ProgressListener | undefined,
  dataset: string,
  position: ProgressEvent['position'],
): ((rows: number) => void) | undefined {
  if (listener === undefined) return undefined;
  const tell = (rows: number): void => listener({ phase: 'validating', dataset, position, rows });
  tell(0);
  return tell;
}

/** `source`, telling `onRows` how many rows a read has yielded after each batch. */
function countingReads(source: RowSource, onRows: (rows: number) => void): RowSource {
  return {
    count: source.count,
    openJson: () => source.openJson(),
    openBatches: (want) => source.openBatches(want),
    async *open() {
      let rows = 0;
      for await (const batch of source.open()) {
        rows += batch.length;
        onRows(rows);
        yield batch;
      }
    },
  };
}

/**
 * The datasets a run goes through, in the order a run of every dataset takes (by id): each one asked for
 * (every one, when none is named), and before it the others only lend their row schemas' `$id`s to the
 * run's scope ({@link passOver}). A dataset checked with some of the others or alone is then refused for
 * reusing an `$id` exactly when a run of them all would refuse it.
 */
async function runOrder(
  source: SourceLocation,
  ids: readonly string[],
): Promise<{ readonly id: string; readonly wanted: boolean }[]> {
  if (ids.length === 0) return (await findDatasetIds(source)).map((id) => ({ id, wanted: true }));
  const wanted = new Set(ids);
  // Only a well-formed id can come after others; a malformed one is refused before any read.
  const last = [...wanted].filter(isValidDatasetId).sort().at(-1);
  const all = last === undefined ? [] : await findDatasetIds(source);
  return [...new Set([...all, ...wanted])]
    .sort()
    .filter((id) => wanted.has(id) || (last !== undefined && id < last))
    .map((id) => ({ id, wanted: wanted.has(id) }));
}

/**
 * The datasets a run checks, in {@link runOrder}, each with its place among them; those it passes over
 * have lent their `$id`s to `scope` ({@link passOver}) by the time the next one comes.
 */
async function* datasetsOfRun(
  source: SourceLocation,
  ids: readonly string[],
  scope: RowSchemaScope,
): AsyncGenerator<{ readonly id: string; readonly position: NonNullable<ProgressEvent['position']> }> {
  const order = await runOrder(source, ids);
  const count = order.filter((entry) => entry.wanted).length;
  let index = 0;
  for (const { id, wanted } of order) {
    if (wanted) yield { id, position: { index: ++index, count } };
    else await passOver(source, id, scope);
  }
}

/** Records in `scope` the `$id`s of the row schema of dataset `id`, which this run does not check. */
async function passOver(source: SourceLocation, id: string, scope: RowSchemaScope): Promise<void> {
  const loaded = await loadDatasetSource(source, id);
  if (loaded.ok) reserveRowSchemaIds(loaded.value, scope);
}

async function validateOne(
  source: SourceLocation,
  id: string,
  scope: RowSchemaScope,
  context: RunContext,
  keepRows: boolean,
  onRows: ((rows: number) => void) | undefined,
): Promise<{ report: DatasetReport; dataset?: ValidDataset }> {
  const loaded = await loadDatasetSource(source, id);
  if (loaded.ok) return validateDataset(loaded.value, scope, { keepRows, run: context, onRows });
  return { report: unloadedReport(source, id, loaded.issues) };
}

/**
 * What a validation run shares between its datasets, from where it reads them (see `checks/check.ts`).
 * A publish of some datasets only gives `published`: the datasets outside the run are then referred to
 * as they are published in its store (see {@link publishedDatasets}), not as their sources now stand.
 */
export function runContextOf(
  source: SourceLocation,
  published?: { readonly store: ObjectStore; readonly inRun: ReadonlySet<string> },
): RunContext {
  // Datasets that foreign keys and rules refer to are read from the same place, each once per context.
  const sources = referencedDatasetsFrom(source);
  let datasets: DatasetResolver = sources;
  if (published !== undefined) {
    const outside = publishedDatasets(published.store);
    datasets = {
      index: (id, fields, columns) =>
        (published.inRun.has(id) ? sources : outside).index(id, fields, columns),
    };
  }
  return source.texts === undefined ? { datasets } : { sourceTexts: source.texts, datasets };
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
  /** See {@link PublishRun.chosenTime}. */
  readonly chosenTime?: boolean | undefined;
  readonly baseUrl?: string | undefined;
  /** The run's record of row-schema `$id`s, so that two datasets cannot claim the same one. */
  readonly scope?: RowSchemaScope | undefined;
  /** Where scratch files go (the OS temp directory by default). */
  readonly scratchParent?: string | undefined;
  readonly tuning?: StreamingTuning | undefined;
  /** The curator's reason for the change, given to every dataset this run publishes a new version of. */
  readonly message?: string | undefined;
  /** The catalog to stage against (a re-base); read from the store when not given. */
  readonly base?: { readonly catalog: Catalog | undefined } | undefined;
  /** What the run shares between datasets (source texts, other datasets), see {@link runContextOf}. */
  readonly run?: RunContext | undefined;
  /** Told what the staging is doing (a progress display); the Lambda passes none. */
  readonly onProgress?: ProgressListener | undefined;
  /** Which of the run's datasets this is, for {@link ProgressEvent.position}. */
  readonly position?: ProgressEvent['position'] | undefined;
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
  const { onProgress, position } = options;
  const tell = (phase: ProgressPhase, rows: number): void =>
    onProgress?.({ phase, dataset: source.id, position, rows });
  // Rows in key order also go to a worker thread writing the Parquet file, on the other core. A file out
  // of key order is read twice, and each read has its own: every one is stopped by the end.
  const workers: ParquetBesideValidation[] = [];
  // The statistics taken as the rows were validated, once something asks for them: their logs are
  // scratch files, so they are finished before the scratch folder goes.
  let statsFinished: Promise<StatsDocument | undefined> | undefined;
  try {
    let sorter: RowSorter | undefined;
    // Rows in key order (the usual case) are written as canonical CSV while they are validated, and hashed
    // as they are written.
    let csv: CanonicalCsvWriter | undefined;
    // The number and date columns' ranges, so that the statistics need one read of the rows, not two.
    let ranges: ColumnRanges | undefined;
    // The statistics themselves, taken as the rows are validated: kept when they came in key order (the
    // usual case), as `stats.json` takes them, so that nothing parses the sorted rows again for them.
    let stats: StreamedColumnStats | undefined;
    const onRows = validationProgress(onProgress, source.id, position);
    const validation = await validateDataset(source, options.scope, {
      ...(options.run === undefined ? {} : { run: options.run }),
      onRows,
      sinkRows: (definition) => {
        const writer = (csv = CanonicalCsvWriter.inScratch(definition, scratch));
        // The first read's worker, when the file is read again, has seen rows that are not the table's.
        void workers.at(-1)?.abandon();
        const beside = new ParquetBesideValidation(definition.columns, scratch, `${definition.id}.parquet`, {
          rowGroupRows: options.tuning?.parquetRowGroupRows,
          startRows: options.tuning?.parquetWorkerRows,
          // The worker counts the text and boolean columns; the CSV is hashed here, as it is written.
          unorderedStats: true,
        });
        workers.push(beside);
        const counting = (stats = new StreamedColumnStats(
          definition.columns,
          (n) => new NumberLog(scratch, `stats-values-${n}.f64`),
        ));
        const inOrder: InOrderRows = {
          add: async (rows, spilled) => {
            await writer.add(rows);
            beside.spilled(rows.length, spilled);
            // The worker counts the text and boolean columns from the first row once it has started.
            if (beside.countsUnordered) counting.handOverUnordered();
            counting.add(rows);
          },
        };
        const { primaryKey } = definition.descriptor;
        const sorting = (sorter = new RowSorter(scratch, primaryKey, options.tuning?.sortRunRows, inOrder));
        const taking = (ranges = new ColumnRanges(definition.columns));
        return {
          add: async (rows) => {
            taking.add(rows);
            await sorting.add(rows);
          },
        };
      },
    });
    const { report, definition } = validation;
    if (definition === undefined || sorter === undefined) return { report };
    tell('sorting', 0);
    const sorted = await sorter.finish();
    // The last read's worker, the one that saw the table. Out of order, it saw only the rows before the
    // first one out of place: it is stopped at once.
    const parquet = workers.at(-1);
    if (!sorter.sorted) await parquet?.abandon();
    // Input in key order needed no sorting, and its CSV is written: every row is through this phase.
    if (sorter.sorted) tell('sorting', sorted.count);
    // The CSV written and hashed as the rows came in key order.
    const written: WrittenCsv | undefined = sorter.sorted ? csv : undefined;
    // Writing the canonical CSV, when the input was out of order, is the one full read of the sorted rows:
    // the sorting phase's count.
    const canonical = await canonicalizeTable(
      definition,
      onProgress === undefined ? sorted : countingReads(sorted, (rows) => tell('sorting', rows)),
      scratch,
      written,
    );
    const prerendered = sorter.sorted && parquet !== undefined ? { parquet: parquet.finish() } : undefined;
    const streamed = sorter.sorted ? stats : undefined;
    const table = {
      ...canonical,
      rows: sorted,
      ...(ranges === undefined ? {} : { ranges }),
      ...(prerendered === undefined ? {} : { prerendered }),
      ...(streamed === undefined
        ? {}
        : {
            // With the text and boolean columns' statistics from the worker when it took them (and none,
            // should it have failed: `stats.json` is then taken from the rows).
            // The number and date columns are binned while the worker is still at work.
            stats: () =>
              (statsFinished ??= streamed.finish(
                parquet?.countsUnordered === true ? parquet.finishUnorderedStats() : undefined,
              )),
          }),
    };
    tell('writing files', table.rows.count);
    const outcome = await stageDataset(store, table, report, options.now, {
      scratch,
      baseUrl: options.baseUrl,
      tuning: options.tuning,
      message: options.message,
      base: options.base,
      chosenTime: options.chosenTime,
    });
    return { report, outcome };
  } finally {
    await Promise.all(workers.map((worker) => worker.abandon()));
    await statsFinished?.catch(() => undefined);
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
  /**
   * Whether {@link PublishRun.now} was chosen by whoever runs the publish (`SOURCE_DATE_EPOCH`) rather
   * than read from the clock: a new version it would date before its dataset's latest is then refused.
   * @default false
   */
  readonly chosenTime?: boolean;
  /**
   * Absolute site URL for the links of the catalog, pages, feed and DCAT,
   * recorded in the catalog; without it the tree keeps the one it recorded.
   */
  readonly baseUrl?: string;
  /** Where scratch files go (the OS temp directory by default) and the sizes they are streamed in. */
  readonly scratchParent?: string;
  readonly tuning?: StreamingTuning;
  /** The curator's reason for this run's changes (`--message`); overrides each descriptor's `changeMessage`. */
  readonly message?: string;
  /** Told what the run is doing (a progress display); the Lambda passes none. */
  readonly onProgress?: ProgressListener;
}

/** What a publish run did. */
export interface PublishResult {
  readonly outcomes: DatasetOutcome[];
  readonly catalogWritten: boolean;
  /** The keys of `latest/`, pages, feed and DCAT written because they were missing or out of date. */
  readonly siteFilesWritten: readonly string[];
  /** Listed files that do not read back as the catalog states (empty when the tree verifies). */
  readonly problems: readonly VerifyProblem[];
  /** What the pages leave out (a chart not drawn, and why), for the datasets of {@link PublishResult.outcomes}. */
  readonly notes: readonly SiteNote[];
  /** The base URL the tree records after the run; `undefined` while none was ever given. */
  readonly baseUrl: string | undefined;
  /** The one it recorded before (differs from {@link PublishResult.baseUrl} when the run was given a new one). */
  readonly previousBaseUrl: string | undefined;
  /**
   * Datasets the catalog lists that a run over every dataset of the source did not find there (their
   * files were removed): their published versions stay, listed as they were. Empty when the run was
   * given ids.
   */
  readonly notInSource: readonly string[];
  /** True when the destination has no catalog after the run: it had none, and no dataset was published. */
  readonly empty: boolean;
}

/** A site metadata problem stops a run before anything is written. */
export class SiteMetaError extends OpenDataError {
  override readonly name = 'SiteMetaError';
  readonly code = 'site-metadata';
}

/**
 * A run listed its versions in the catalog, then failed to bring `latest/`, the pages, feed or DCAT up to
 * date: the message says what failed and what the catalog lists, and {@link SiteUpdateError.outcomes} is
 * the run's report, as a whole run's would be.
 */
export class SiteUpdateError extends OpenDataError {
  override readonly name = 'SiteUpdateError';
  readonly code = 'site-update';
  constructor(
    message: string,
    readonly outcomes: readonly DatasetOutcome[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A run failed after staging: version folders were written but not listed.
 * The message names them and what the next run does with them.
 */
export class UncommittedVersionsError extends OpenDataError {
  override readonly name = 'UncommittedVersionsError';
  readonly code = 'uncommitted-versions';
}

/**
 * The whole publishing protocol (see `history.ts`): validate every dataset,
 * stage each valid one against the catalog's head, then commit the catalog
 * once, re-basing any dataset whose head another publisher moved meanwhile,
 * and bring `latest/`, the pages, feed and DCAT up to date. A rejected dataset
 * is reported and leaves its published versions as they were; the others are
 * still published. The commit runs even when nothing was staged: it also
 * repairs derived files that are missing or altered.
 */
export async function publishDatasets(run: PublishRun): Promise<PublishResult> {
  const site = await loadSiteMeta(run.source);
  if (!site.ok) throw new SiteMetaError(site.issues.map((issue) => formatIssue(issue)).join('\n'));
  // One record of row-schema `$id`s for the run, so that two datasets cannot claim the same one.
  const scope = new RowSchemaScope();
  const ids = run.ids ?? [];
  const inRun = new Set(ids);
  const context = runContextOf(run.source, ids.length === 0 ? undefined : { store: run.store, inRun });
  const datasets = context.datasets ?? referencedDatasetsFrom(run.source);
  const outcomes = new Map<string, DatasetOutcome>();
  const reports = new Map<string, DatasetReport>();
  const staged: StagedVersion[] = [];

  // Another publisher moved a head since this run staged: validate and stage that dataset again on it.
  const restage: Restage = async (id, catalog) => {
    const { report, outcome } = await validateAndStageFromSource(run, scope, context, id, { catalog });
    reports.set(id, report);
    if (outcome === undefined)
      throw new UncommittedVersionsError(
        `dataset "${id}" changed in its source while this run was publishing it and is now invalid; run again`,
      );
    if (outcome.status === 'staged') staged.push(outcome.staged);
    return outcome;
  };
  let commit;
  try {
    // One dataset at a time, validated then staged, each streamed through scratch files.
    // A run of some datasets leaves the others as published: what those refer to must stay there. A
    // catalog that cannot be read is left to staging, which reads it next and says why, after validation.
    const published =
      ids.length === 0
        ? []
        : await readCatalog(run.store).then(
            ({ catalog }) =>
              catalog?.datasets.map(({ id, latest }) => ({
                id,
                latest,
                keys: headOf(catalog, id)?.foreignKeys,
                rules: headOf(catalog, id)?.crossDatasetRules,
              })) ?? [],
            () => [],
          );
    // Each source descriptor read once, for the keys and the rules of a version that does not record them.
    const declarations = sourceDeclarations(run.source);
    const outsideKeys = await foreignKeysOutside(published, inRun, declarations);
    const outsideRules = await rulesOutside(published, inRun, declarations);
    for await (const { id, position } of datasetsOfRun(run.source, run.ids ?? [], scope)) {
      const broken = [
        ...(await referencesBrokenBy(id, outsideKeys, datasets)).map((message) => ({
          code: 'foreign-key' as const,
          message,
        })),
        ...(await rulesBrokenBy(id, outsideRules, datasets)).map((message) => ({
          code: 'rule-error' as const,
          message,
        })),
      ];
      if (broken.length > 0) {
        const report = unloadedReport(
          run.source,
          id,
          broken.map(({ code, message }) => ({
            code,
            file: `${run.source.dataLabel}/${id}.csv`,
            line: 0,
            column: 0,
            message,
          })),
        );
        reports.set(id, report);
        outcomes.set(id, { id, status: 'rejected', report });
        continue;
      }
      const { report, outcome } = await validateAndStageFromSource(
        run,
        scope,
        context,
        id,
        undefined,
        position,
      );
      reports.set(report.id, report);
      if (outcome === undefined) outcomes.set(report.id, { id: report.id, status: 'rejected', report });
      else if (outcome.status === 'unchanged')
        outcomes.set(report.id, { id: report.id, status: 'unchanged', report, version: outcome.version });
      else staged.push(outcome.staged);
    }
    run.onProgress?.({ phase: 'site', rows: 0 });
    commit = await commitVersions(run.store, site.value, [...staged], run.now, {
      baseUrl: run.baseUrl,
      restage,
      check: 'all',
      references: referenceCheck(run.store, run.source),
    });
  } catch (error) {
    // A failure after the catalog's commit says itself what the catalog lists (history.ts), and the run's
    // report goes with it: what each dataset published is said before what stopped the run.
    if (error instanceof DerivedFilesError) {
      addCommitOutcomes(error.commit, staged, reports, outcomes);
      throw new SiteUpdateError(messageOf(error), sortedOutcomes(outcomes), { cause: error });
    }
    if (staged.length === 0 || error instanceof SiteSourceError) throw error;
    const folders = staged.map((entry) => versionFolder(entry.id, entry.version.version)).join(', ');
    const reason = messageOf(error);
    throw new UncommittedVersionsError(
      `${reason}. Written but not listed in the catalog: ${folders}; readers do not see them, and the next run adopts them (same bytes) or skips their version numbers`,
      { cause: error },
    );
  }
  addCommitOutcomes(commit, staged, reports, outcomes);
  const sorted = sortedOutcomes(outcomes);
  return {
    outcomes: sorted,
    catalogWritten: commit.catalogWritten,
    siteFilesWritten: commit.derivedFilesWritten,
    problems: commit.problems,
    notes: commit.notes.filter((note) => outcomes.has(note.id)),
    baseUrl: commit.catalog.baseUrl,
    previousBaseUrl: commit.previousBaseUrl,
    notInSource:
      (run.ids ?? []).length > 0
        ? []
        : commit.catalog.datasets.map((entry) => entry.id).filter((id) => !outcomes.has(id)),
    empty: commit.empty,
  };
}

function sortedOutcomes(outcomes: ReadonlyMap<string, DatasetOutcome>): DatasetOutcome[] {
  return [...outcomes.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Each staged dataset's outcome, as the commit listed it (or found it already published). */
function addCommitOutcomes(
  commit: DerivedFilesError['commit'],
  staged: readonly StagedVersion[],
  reports: ReadonlyMap<string, DatasetReport>,
  outcomes: Map<string, DatasetOutcome>,
): void {
  for (const result of commit.results) {
    const report = reports.get(result.id);
    if (report === undefined) continue;
    if (result.status === 'refused') {
      // Valid on its own, and staged, but left unlisted: a foreign key or a rule between datasets would not hold.
      const refused: DatasetReport = {
        ...report,
        valid: false,
        issues: [
          ...report.issues,
          { code: result.code, file: report.files.csv, line: 0, column: 0, message: result.message },
        ],
        ...(report.issueCount === undefined ? {} : { issueCount: report.issueCount + 1 }),
      };
      outcomes.set(result.id, { id: result.id, status: 'rejected', report: refused });
      continue;
    }
    const entry =
      result.status === 'listed' ? staged.find((each) => each.version === result.version) : undefined;
    // The folders this run staged for the dataset that the catalog does not list: it re-based them away.
    const listed = new Set(
      commit.catalog.datasets
        .find((dataset) => dataset.id === result.id)
        ?.versions.map((each) => each.version),
    );
    const superseded = staged
      .filter((each) => each.id === result.id && !listed.has(each.version.version))
      .map((each) => each.version.version);
    outcomes.set(
      result.id,
      result.status === 'listed'
        ? {
            id: result.id,
            status: 'published',
            report,
            version: result.version.version,
            change: result.version.change,
            rows: result.version.rows,
            skipped: (entry?.skipped ?? []).filter((version) => !superseded.includes(version)),
            superseded,
            rebased: result.rebased,
            ...(entry?.changes === undefined ? {} : { changes: entry.changes }),
            ...(result.version.message === undefined ? {} : { message: result.version.message }),
            ...(entry?.messageUsedBy === undefined ? {} : { messageUsedBy: entry.messageUsedBy }),
          }
        : {
            id: result.id,
            status: 'unchanged',
            report,
            version: result.version,
            ...(superseded.length === 0 ? {} : { superseded }),
          },
    );
  }
}

async function validateAndStageFromSource(
  run: PublishRun,
  scope: RowSchemaScope,
  context: RunContext,
  id: string,
  base: { readonly catalog: Catalog | undefined } | undefined,
  position?: ProgressEvent['position'],
): Promise<{ report: DatasetReport; outcome?: StageOutcome }> {
  const loaded = await loadDatasetSource(run.source, id);
  if (!loaded.ok) return { report: unloadedReport(run.source, id, loaded.issues) };
  return validateAndStage(loaded.value, run.store, {
    now: run.now,
    chosenTime: run.chosenTime,
    baseUrl: run.baseUrl,
    scope,
    scratchParent: run.scratchParent,
    tuning: run.tuning,
    message: run.message,
    base,
    run: context,
    onProgress: run.onProgress,
    position,
  });
}
