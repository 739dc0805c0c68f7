import { formatIssue } from '../../core/issue.js';
import type { ObjectStore } from '../../core/object-store.js';
import { validateAndStage } from '../../core/pipeline.js';
import { loadDatasetSource } from '../../core/sources.js';
import { chooseDatasetSource, type CuratedSources } from '../../core/uploads.js';
import type { StepLogger } from '../logger.js';
import { InvalidEventError, MAX_RESULT_ISSUES, type DatasetResult } from './dataset-result.js';

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
 * The Map state's step: validates one dataset and, when it is valid, writes
 * its new version files and `latest/` (never the catalog). Invalid data is a
 * result, not an error, so the state machine goes on with the others; only a
 * failure to read or write (after the store's own retries) throws.
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
      const { location, csvFile: csv, fromUpload } = await chooseDatasetSource(deps.sources, id);
      if (fromUpload)
        deps.logger.info('using the curator upload, newer than the deployed CSV', { upload: csv });
      const loaded = await loadDatasetSource(location, id, { csvFile: csv });
      const staging = loaded.ok
        ? await validateAndStage(loaded.value, deps.site, { now: deps.now(), baseUrl: deps.siteUrl })
        : undefined;
      const outcome = staging?.outcome;
      if (outcome === undefined) {
        const issues = loaded.ok ? (staging?.report.issues ?? []) : loaded.issues;
        const issueCount = issues.length;
        deps.logger.warn('dataset rejected; its published versions are left as they were', {
          csv,
          issueCount,
          truncated: staging?.report.truncated ?? false,
          issues: issues.slice(0, MAX_RESULT_ISSUES).map(formatIssue),
        });
        return { id, status: 'rejected', issueCount, issues: issues.slice(0, MAX_RESULT_ISSUES), csv };
      }
      if (outcome.status === 'unchanged') {
        deps.logger.info('dataset unchanged; nothing written', { version: outcome.version });
        return { id, status: 'unchanged', version: outcome.version };
      }
      const { version, change, rows } = outcome.staged.version;
      deps.logger.info('new version staged', { version, change, rows });
      return { id, status: 'staged', staged: outcome.staged };
    } finally {
      deps.logger.removeKeys(['datasetId']);
    }
  };
}
