import { datasetIdFromUploadKey, UPLOAD_FOLDER } from '../../core/dataset-id.js';
import { findDatasetIds } from '../../core/sources.js';
import type { CuratedSources } from '../../core/uploads.js';
import type { StepLogger } from '../logger.js';
import { InvalidEventError } from './dataset-result.js';

/** What starts a run: nothing (every dataset), some ids, or the key of a curator's upload. */
export interface ListDatasetsEvent {
  /** Run these datasets only (a hand-started run). */
  readonly ids?: readonly string[];
  /** `incoming/<id>.csv`: run the uploaded dataset only (the upload rule). */
  readonly key?: string;
  /** Which trigger started the run (`schedule`, `upload`, `deployment`, or anything by hand); logged. */
  readonly trigger?: string;
}

export interface ListDatasetsDeps {
  readonly sources: Pick<CuratedSources, 'location'>;
  readonly logger: StepLogger;
}

/** No `<id>.dataset.json` in the source bucket's `data/`: the deployment is broken, not the data. */
export class NoDatasetsError extends Error {
  override readonly name = 'NoDatasetsError';
}

/**
 * First step of a run: the dataset ids to map over. An upload key names its
 * dataset (`incoming/trade.csv` → `trade`), even one that is not deployed, so
 * the validation step can reject it naming the missing descriptor; a key whose
 * stem is no valid dataset id is refused here, saying what an id may be.
 */
export function createListDatasetsHandler(deps: ListDatasetsDeps) {
  return async (event: ListDatasetsEvent | null | undefined): Promise<{ ids: string[] }> => {
    const trigger = typeof event?.trigger === 'string' ? event.trigger : 'manual';
    let ids: string[];
    if (event?.key !== undefined) {
      const id = typeof event.key === 'string' ? datasetIdFromUploadKey(event.key) : undefined;
      if (id === undefined)
        throw new InvalidEventError(
          `"key" must be an upload key "${UPLOAD_FOLDER}/<id>.csv" whose <id> is a lowercase letter followed by up to 62 lowercase letters, digits or hyphens, not ${JSON.stringify(event.key)}`,
        );
      ids = [id];
    } else if (event?.ids !== undefined && (!Array.isArray(event.ids) || event.ids.length > 0)) {
      if (!Array.isArray(event.ids) || !event.ids.every((id) => typeof id === 'string'))
        throw new InvalidEventError(`"ids" must be a list of dataset ids, not ${JSON.stringify(event.ids)}`);
      ids = [...new Set(event.ids)].sort();
    } else {
      ids = await findDatasetIds(deps.sources.location);
      if (ids.length === 0)
        throw new NoDatasetsError(
          `no datasets found in the source bucket's ${deps.sources.location.dataLabel}/ (expected <id>.dataset.json files): was the deployment complete?`,
        );
    }
    deps.logger.info('datasets to publish', { trigger, datasetIds: ids });
    return { ids };
  };
}
