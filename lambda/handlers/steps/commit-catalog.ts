import { OpenDataError } from '../../core/errors.js';
import type { StagedVersion } from '../../core/catalog.js';
import { formatIssue } from '../../core/issue.js';
import type { ObjectStore } from '../../core/object-store.js';
import { SiteMetaError } from '../../core/pipeline.js';
import { commitVersions, type Restage } from '../../core/history.js';
import { referenceCheck } from '../../core/published-datasets.js';
import { loadSiteMeta } from '../../core/sources.js';
import type { CuratedSources } from '../../core/uploads.js';
import { stageFromCuratedSource } from './validate-and-publish.js';
import type { StepLogger } from '../logger.js';
import { InvalidEventError, type DatasetResult } from './dataset-result.js';
import { isResultWriterDetails, readMapResults, type MapResultsSource } from './map-results.js';

export interface CommitCatalogDeps {
  /** Where datasets come from: a dataset whose head moved since it was staged is staged again from there. */
  readonly sources: CuratedSources;
  readonly site: ObjectStore;
  /** Absolute site URL for the links in the pages, feed and DCAT catalog rendered after the commit. */
  readonly siteUrl?: string;
  /** The catalog's `modified` time (the wall clock on Lambda). */
  readonly now: () => Date;
  readonly logger: StepLogger;
  /**
   * Where the Distributed Map's ResultWriter writes the datasets' results (the
   * source bucket, read through a store over the whole bucket).
   *
   * @default - only events carrying the results inline are accepted
   */
  readonly mapResults?: MapResultsSource;
}

/**
 * What the commit step is given: where the Distributed Map wrote the results
 * (as the state machine runs it), or the results themselves (a step run by
 * hand, or the tests).
 */
export interface CommitCatalogEvent {
  /** The Map state's `ResultWriterDetails`: `{"Bucket": …, "Key": "runs/results/<map run>/manifest.json"}`. */
  readonly resultWriterDetails?: unknown;
  /** The datasets' results inline. */
  readonly results?: unknown;
}

/** What a successful run did. */
export interface CommitSummary {
  readonly catalogWritten: boolean;
  /** Pages, feed, DCAT catalog and charts rewritten because their bytes changed. */
  readonly siteFilesWritten: number;
  readonly published: readonly { readonly id: string; readonly version: string }[];
  readonly unchanged: readonly string[];
  /** Datasets staged again because another run moved their head first. */
  readonly rebased: readonly string[];
}

/** Files just listed in the catalog read back with other sizes or hashes: the store lost or changed them. */
export class PublishedFilesMismatchError extends OpenDataError {
  override readonly name = 'PublishedFilesMismatchError';
  readonly code = 'published-files-mismatch';
}

/**
 * Some datasets were not published (invalid data, or their step failed); the
 * valid ones were committed first. Thrown so the execution fails and the alarm
 * fires.
 */
export class DatasetsNotPublishedError extends Error {
  override readonly name = 'DatasetsNotPublishedError';
  constructor(
    message: string,
    readonly ids: readonly string[],
  ) {
    super(message);
  }
}

/**
 * The last step of a run: the commit of `core/history.ts`. Lists every staged
 * version in the catalog (written after every version file, so a reader never
 * sees an entry whose files are missing), staging again any dataset whose head
 * another run moved meanwhile; then core brings `latest/`, the pages, feed and
 * DCAT catalog up to date, and the run fails if any dataset was rejected or failed.
 */
export function createCommitCatalogHandler(deps: CommitCatalogDeps) {
  return async (event: CommitCatalogEvent | null | undefined): Promise<CommitSummary> => {
    const datasetResults = await datasetResultsOf(event, deps.mapResults);

    const site = await loadSiteMeta(deps.sources.location);
    if (!site.ok) throw new SiteMetaError(site.issues.map(formatIssue).join('\n'));
    const staged: StagedVersion[] = [];
    for (const result of datasetResults) if (result.status === 'staged') staged.push(result.staged);
    const now = deps.now();
    const restage: Restage = async (id, catalog) => {
      deps.logger.info('head moved since staging: staging again', { datasetId: id });
      const outcome = await stageFromCuratedSource(deps.sources, deps.site, id, {
        now,
        siteUrl: deps.siteUrl,
        base: { catalog },
      });
      if (outcome.status === 'rejected')
        throw new DatasetsNotPublishedError(
          `${id}: its source changed while the run was publishing it and is now invalid`,
          [id],
        );
      return outcome.status === 'unchanged'
        ? { status: 'unchanged', id, version: outcome.version }
        : { status: 'staged', id, staged: outcome.staged };
    };
    const commit = await commitVersions(deps.site, site.value, staged, now, {
      ...(deps.siteUrl === undefined ? {} : { baseUrl: deps.siteUrl }),
      restage,
      check: 'new',
      references: referenceCheck(deps.site, deps.sources.location),
    });
    const written = commit.catalogWritten;
    const siteFilesWritten = commit.derivedFilesWritten.length;
    const problems = commit.problems;

    for (const result of datasetResults) {
      deps.logger.appendKeys({ datasetId: result.id });
      switch (result.status) {
        case 'staged': {
          const listed = commit.results.find((entry) => entry.id === result.id);
          if (listed?.status === 'listed')
            deps.logger.info('listed in the catalog', {
              version: listed.version.version,
              rebased: listed.rebased,
            });
          else if (listed?.status === 'refused')
            deps.logger.error('not published: a foreign key or a rule between datasets would not hold', {
              version: listed.version,
              message: listed.message,
            });
          else deps.logger.info('already published by another run', { version: listed?.version });
          break;
        }
        case 'unchanged':
          deps.logger.info('unchanged', { version: result.version });
          break;
        case 'rejected':
          deps.logger.error('not published: invalid data', {
            csv: result.csv,
            issueCount: result.issueCount,
            issues: result.issues.map(formatIssue),
          });
          break;
        case 'failed':
          deps.logger.error('not published: the validate-and-publish step failed', {
            error: result.error,
            cause: result.cause,
          });
          break;
      }
      // Once per dataset of the run, as the CLI prints them: what its page leaves out, and why.
      for (const note of commit.notes.filter((each) => each.id === result.id))
        deps.logger.warn('left out of the dataset page', { note: note.message });
      deps.logger.removeKeys(['datasetId']);
    }

    const notPublished = datasetResults.filter(
      (result): result is Extract<DatasetResult, { status: 'rejected' | 'failed' }> =>
        result.status === 'rejected' || result.status === 'failed',
    );
    const published = commit.results.flatMap((entry) =>
      entry.status === 'listed' ? [{ id: entry.id, version: entry.version.version }] : [],
    );
    const rebased = commit.results.flatMap((entry) =>
      entry.status === 'listed' && entry.rebased ? [entry.id] : [],
    );
    const unchanged = [
      ...datasetResults.filter((result) => result.status === 'unchanged').map((result) => result.id),
      ...commit.results.flatMap((entry) => (entry.status === 'unchanged' ? [entry.id] : [])),
    ];
    deps.logger.info(written ? 'catalog updated' : 'catalog unchanged', {
      datasetIds: datasetResults.map((result) => result.id),
      published: published.map((entry) => entry.id),
      unchanged,
      notPublished: [
        ...notPublished.map((result) => result.id),
        ...commit.results.flatMap((entry) => (entry.status === 'refused' ? [entry.id] : [])),
      ],
      siteFilesWritten,
      // A run that published nothing new wrote only what a hand edit or a crash had left: named.
      ...(published.length === 0 && siteFilesWritten > 0 ? { repaired: commit.derivedFilesWritten } : {}),
    });
    if (problems.length > 0) {
      const listed = problems.map((problem) => `${problem.path}: ${problem.message}`);
      deps.logger.error('published files do not read back as the catalog states', { problems: listed });
      throw new PublishedFilesMismatchError(
        `${problems.length} published files do not match the catalog: ${listed.join('; ')}`,
      );
    }
    const refused = commit.results.flatMap((entry) => (entry.status === 'refused' ? [entry] : []));
    if (notPublished.length > 0 || refused.length > 0) {
      const count = notPublished.length + refused.length;
      throw new DatasetsNotPublishedError(
        `${count} of ${datasetResults.length} datasets not published (the others were): ${[
          ...notPublished.map(describe),
          ...refused.map((entry) => `${entry.id}: ${entry.message}`),
        ].join('; ')}`,
        [...notPublished.map((result) => result.id), ...refused.map((entry) => entry.id)],
      );
    }
    return { catalogWritten: written, siteFilesWritten, published, unchanged, rebased };
  };
}

/** The datasets' results, read from where the Map wrote them or taken from the event. */
async function datasetResultsOf(
  event: CommitCatalogEvent | null | undefined,
  mapResults: MapResultsSource | undefined,
): Promise<DatasetResult[]> {
  const details = event?.resultWriterDetails;
  if (details !== undefined) {
    if (!isResultWriterDetails(details))
      throw new InvalidEventError(
        `"resultWriterDetails" must be the Map state's {"Bucket": …, "Key": …}, not ${JSON.stringify(details)}`,
      );
    if (mapResults === undefined)
      throw new InvalidEventError('this commit step reads no Map results from S3: pass "results" instead');
    return readMapResults(mapResults, details);
  }
  const results = event?.results;
  if (!Array.isArray(results))
    throw new InvalidEventError(
      `the event must name the Map state's results as {"resultWriterDetails": {"Bucket": …, "Key": …}} or carry them as "results", not ${JSON.stringify(event)}`,
    );
  return results as DatasetResult[];
}

function describe(result: Extract<DatasetResult, { status: 'rejected' | 'failed' }>): string {
  if (result.status === 'failed') return `${result.id}: step failed with ${result.error}`;
  const first = result.issues[0];
  const more = result.issueCount > 1 ? ` (and ${result.issueCount - 1} more)` : '';
  return `${result.id}: ${result.issueCount} issue${result.issueCount === 1 ? '' : 's'}${first === undefined ? '' : `, first ${formatIssue(first)}`}${more}`;
}
