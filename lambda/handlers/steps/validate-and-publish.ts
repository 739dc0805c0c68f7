import type { Catalog } from '../../core/catalog.js';
import { formatIssue } from '../../core/issue.js';
import type { ObjectStore } from '../../core/object-store.js';
import { runContextOf, validateAndStage } from '../../core/pipeline.js';
import { loadDatasetSource } from '../../core/sources.js';
import { chooseDatasetSource, curatedDatasets, type CuratedSources } from '../../core/uploads.js';
import type { StepLogger } from '../logger.js';
import { InvalidEventError, rejectedResult, type DatasetResult } from './dataset-result.js';

export interface ValidateAndPublishDeps {
  readonly sources: CuratedSources;
  /** The published tree. */
  readonly site: ObjectStore;
  /** Absolute site URL for download links in the catalog. */
  readonly siteUrl?: string;
  /** The publish time recorded for a new version (the wall clock on Lambda). */
  readonly now: () => Date;
  readonly logger: StepLogger;
}

/**
 * The Map state's step: validates one dataset and, when it is valid, stages
 * its new version (the version folder only; never `latest/` or the catalog,
 * which the commit step writes). Invalid data is a result, not an error, so
 * the state machine goes on with the others; only a failure to read or write
 * (after the store's own retries) throws.
 */
export function createValidateAndPublishHandler(deps: ValidateAndPublishDeps) {
  return async (event: { readonly id?: unknown } | null | undefined): Promise<DatasetResult> => {
    const id = event?.id;
    if (typeof id !== 'string' || id === '')
      throw new InvalidEventError(
        `the event must name a dataset as {"id": "<id>"}, not ${JSON.stringify(event)}`,
      );
    deps.logger.appendKeys({ datasetId: id });
    try {
      return await stageFromCuratedSource(deps.sources, deps.site, id, {
        now: deps.now(),
        siteUrl: deps.siteUrl,
        logger: deps.logger,
      });
    } finally {
      deps.logger.removeKeys(['datasetId']);
    }
  };
}

/**
 * Validates one dataset from the curated sources (a curator's upload when it
 * is newer than the deployed CSV) and stages it against the catalog's head, or
 * against `base` when the commit step re-bases it.
 */
export async function stageFromCuratedSource(
  sources: CuratedSources,
  site: ObjectStore,
  id: string,
  options: {
    readonly now: Date;
    readonly siteUrl?: string | undefined;
    readonly base?: { readonly catalog: Catalog | undefined } | undefined;
    readonly logger?: StepLogger | undefined;
  },
): Promise<Exclude<DatasetResult, { status: 'failed' }>> {
  const logger = options.logger;
  const { location, csvFile: csv, fromUpload } = await chooseDatasetSource(sources, id);
  if (fromUpload) logger?.info('using the curator upload, newer than the deployed CSV', { upload: csv });
  const loaded = await loadDatasetSource(location, id, { csvFile: csv });
  const staging = loaded.ok
    ? await validateAndStage(loaded.value, site, {
        now: options.now,
        baseUrl: options.siteUrl,
        base: options.base,
        // The other datasets as their own steps read them: each from its upload when that is newer.
        run: { ...runContextOf(location), datasets: curatedDatasets(sources) },
      })
    : undefined;
  const outcome = staging?.outcome;
  if (outcome === undefined) {
    const report = loaded.ok ? staging?.report : undefined;
    const issues = report?.issues ?? (loaded.ok ? [] : loaded.issues);
    // The report lists the first issues only; its count covers them all.
    const result = rejectedResult(id, csv, issues, report?.issueCount ?? issues.length);
    logger?.warn('dataset rejected; its published versions are left as they were', {
      csv,
      issueCount: result.issueCount,
      omittedIssues: result.omittedIssues,
      issues: result.issues.map(formatIssue),
    });
    return result;
  }
  if (outcome.status === 'unchanged') {
    logger?.info('dataset unchanged; nothing written', { version: outcome.version });
    return { id, status: 'unchanged', version: outcome.version };
  }
  const { version, change, rows } = outcome.staged.version;
  logger?.info('new version staged', { version, change, rows, skipped: outcome.staged.skipped ?? [] });
  return { id, status: 'staged', staged: outcome.staged };
}
