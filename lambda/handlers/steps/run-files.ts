import { OpenDataError } from '../../core/errors.js';

/**
 * Where a run keeps its working files in the source bucket, next to `data/`,
 * `schemas/` and `incoming/` (which no deployment prunes it with). The state
 * machine's Distributed Map reads the dataset ids from `items` and writes one
 * result per dataset under `results`, so no state's payload grows with the
 * number of datasets. `lib/` grants exactly these prefixes and expires them.
 */
export const RUN_FILES = {
  /** Every run file: the prefix the bucket's lifecycle rule expires. */
  root: 'runs/',
  /** `runs/items/<execution name>.json`: the JSON array of dataset ids, written by list-datasets. */
  items: 'runs/items/',
  /** `runs/results/<map run id>/manifest.json` and `SUCCEEDED_n.json`…: written by the Map's ResultWriter. */
  results: 'runs/results/',
} as const;

/**
 * Characters an execution name may have here: those Step Functions allows that
 * need no escaping in an S3 key or a log line. A generated name (a UUID) and a
 * hand-given ASCII name pass.
 */
const EXECUTION_NAME = /^[A-Za-z0-9._-]{1,80}$/;

/** A run file that cannot be used: the message names its key and what was expected. */
export class RunFileError extends OpenDataError {
  override readonly name = 'RunFileError';
  readonly code = 'run-file';
}

/** The key of a run's dataset ids, or a {@link RunFileError} when the execution name cannot be a key. */
export function itemsKey(execution: string): string {
  if (!EXECUTION_NAME.test(execution))
    throw new RunFileError(
      `the execution name must be 1 to 80 letters, digits, ".", "_" or "-" to name the run's files, not ${JSON.stringify(execution)}`,
    );
  return `${RUN_FILES.items}${execution}.json`;
}
