import { datasetIdFromUploadKey, UPLOAD_FOLDER } from '../../core/dataset-id.js';
import { OpenDataError } from '../../core/errors.js';
import type { ObjectStore } from '../../core/object-store.js';
import { csvWithoutDescriptor, csvWithoutDescriptorMessage, findDatasetIds } from '../../core/sources.js';
import type { CuratedSources } from '../../core/uploads.js';
import type { StepLogger } from '../logger.js';
import { InvalidEventError } from './dataset-result.js';
import { itemsKey } from './run-files.js';

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
export class NoDatasetsError extends OpenDataError {
  override readonly name = 'NoDatasetsError';
  readonly code = 'no-datasets';
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
      // As the CLI warns before a local run: a CSV no descriptor names is neither validated nor published.
      for (const found of await csvWithoutDescriptor(deps.sources.location))
        deps.logger.warn(csvWithoutDescriptorMessage(deps.sources.location, found), {
          csv: found.csv,
          descriptor: found.descriptor,
        });
      if (ids.length === 0)
        throw new NoDatasetsError(
          `no datasets found in the source bucket's ${deps.sources.location.dataLabel}/ (expected <id>.dataset.json files): was the deployment complete?`,
        );
    }
    deps.logger.info('datasets to publish', { trigger, datasetIds: ids });
    return { ids };
  };
}

/** What the state machine passes to the list step: the run's input, and its execution name. */
export interface ListRunEvent {
  /** `$$.Execution.Name`: names the run's files. */
  readonly execution?: unknown;
  /** The execution's input, as {@link ListDatasetsEvent}. */
  readonly input?: ListDatasetsEvent | null;
}

/** What the list step returns to the state machine: a count and a key, whatever the number of datasets. */
export interface ListRunResult {
  /** How many datasets the run maps over. */
  readonly datasets: number;
  /** Key, in the source bucket, of the JSON array of dataset ids the Distributed Map reads. */
  readonly itemsKey: string;
}

export interface ListRunDeps extends ListDatasetsDeps {
  /** The source bucket as a whole (keys are bucket keys): the ids are written under `runs/items/`. */
  readonly runs: ObjectStore;
}

/**
 * The list step as the state machine runs it: lists the ids as
 * {@link createListDatasetsHandler} does and writes them to the source bucket
 * as the Distributed Map's items, returning only their key, so that the
 * state's payload does not grow with the number of datasets. A retried step
 * writes the same key again.
 */
export function createListRunHandler(deps: ListRunDeps) {
  const listDatasets = createListDatasetsHandler(deps);
  return async (event: ListRunEvent | null | undefined): Promise<ListRunResult> => {
    const execution = event?.execution;
    if (typeof execution !== 'string')
      throw new InvalidEventError(
        `the event must carry the execution name as {"execution": "<name>", "input": {…}}, not ${JSON.stringify(event)}`,
      );
    const key = itemsKey(execution);
    const { ids } = await listDatasets(event?.input);
    await deps.runs.put(key, new TextEncoder().encode(JSON.stringify(ids)), {
      contentType: 'application/json',
      cacheControl: 'no-store',
    });
    return { datasets: ids.length, itemsKey: key };
  };
}
