import { JSONParser } from '@streamparser/json';
import { limitBytes } from '../../core/limits.js';
import { ObjectStoreError, type ObjectStore } from '../../core/object-store.js';
import { RUN_FILES, RunFileError } from './run-files.js';
import type { DatasetResult } from './dataset-result.js';

/**
 * Where a Distributed Map's ResultWriter put the run's results: the Map state's
 * output `ResultWriterDetails`, passed on to the commit step.
 */
export interface ResultWriterDetails {
  readonly Bucket: string;
  /** `runs/results/<map run id>/manifest.json`. */
  readonly Key: string;
}

/** The bucket the results are read from, through the store that reads it. */
export interface MapResultsSource {
  /** A store over the whole bucket (keys are the bucket's keys). */
  readonly store: ObjectStore;
  /** Its name: a manifest in any other bucket is refused. */
  readonly bucket: string;
}

/**
 * The manifest lists a few result files (each up to 5 GB, Step Functions'
 * limit), so it is small whatever the number of datasets.
 */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/**
 * Most bytes read from the result files of one run. One dataset's entry is a
 * few KiB (its input, its output of at most 256 KiB, and the child
 * execution's metadata): this admits some 100,000 datasets, and refuses a
 * result set that would exhaust the commit function's memory before it does.
 */
export const MAX_RESULT_BYTES_PER_RUN = 768 * 1024 * 1024;
/** Longest failure cause kept for a dataset (a Lambda's cause holds its stack trace). */
export const MAX_CAUSE_CHARS = 4096;

type ResultFileStatus = 'SUCCEEDED' | 'FAILED' | 'PENDING';
const FILE_STATUSES: readonly ResultFileStatus[] = ['SUCCEEDED', 'FAILED', 'PENDING'];
const RESULT_STATUSES = new Set(['staged', 'unchanged', 'rejected', 'failed']);

/** True when `value` has the shape of a ResultWriter's output. */
export function isResultWriterDetails(value: unknown): value is ResultWriterDetails {
  if (typeof value !== 'object' || value === null) return false;
  const details = value as Record<string, unknown>;
  return typeof details.Bucket === 'string' && typeof details.Key === 'string';
}

/**
 * Reads every dataset's result that a Distributed Map's ResultWriter wrote:
 * the manifest, then each `SUCCEEDED_n.json` (the child execution's output is
 * the step's {@link DatasetResult}), `FAILED_n.json` (a child that failed, timed
 * out or was aborted: a `failed` result naming the dataset from its input) and
 * `PENDING_n.json` (never started: also `failed`). Files are streamed, one
 * entry at a time, and every read is bounded. Sorted by dataset id.
 */
export async function readMapResults(
  source: MapResultsSource,
  details: ResultWriterDetails,
): Promise<DatasetResult[]> {
  if (details.Bucket !== source.bucket)
    throw new RunFileError(
      `the Map results are in bucket ${JSON.stringify(details.Bucket)}, not in the source bucket ${JSON.stringify(source.bucket)} this step reads`,
    );
  const folder = details.Key.slice(0, details.Key.lastIndexOf('/') + 1);
  if (!folder.startsWith(RUN_FILES.results) || !details.Key.endsWith('/manifest.json'))
    throw new RunFileError(
      `the Map results manifest must be ${RUN_FILES.results}<map run>/manifest.json, not ${JSON.stringify(details.Key)}`,
    );
  const manifest = await readManifest(source.store, details.Key, folder);

  const results = new Map<string, DatasetResult>();
  let budget = MAX_RESULT_BYTES_PER_RUN;
  for (const status of FILE_STATUSES) {
    for (const file of manifest[status]) {
      if (file.Size > budget)
        throw new RunFileError(
          `the Map results of ${details.Key} exceed ${MAX_RESULT_BYTES_PER_RUN} bytes at ${file.Key}: too many datasets for one run`,
        );
      budget -= file.Size;
      await readEntries(source.store, file.Key, file.Size, (entry, index) => {
        const result = datasetResultOf(status, entry, `${file.Key} entry ${index}`);
        if (results.has(result.id))
          throw new RunFileError(`${file.Key} entry ${index}: dataset ${result.id} has a second result`);
        results.set(result.id, result);
      });
    }
  }
  return [...results.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

interface ResultFile {
  readonly Key: string;
  readonly Size: number;
}

async function readManifest(
  store: ObjectStore,
  key: string,
  folder: string,
): Promise<Record<ResultFileStatus, ResultFile[]>> {
  const chunks = await store.open(key);
  if (chunks === undefined) throw new RunFileError(`the Map results manifest ${key} does not exist`);
  const bytes: Uint8Array[] = [];
  try {
    for await (const chunk of limitBytes(chunks, MAX_MANIFEST_BYTES)) bytes.push(chunk);
  } catch (error) {
    if (error instanceof ObjectStoreError) throw error;
    throw new RunFileError(`the Map results manifest ${key} is larger than ${MAX_MANIFEST_BYTES} bytes`, {
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(bytes).toString('utf8'));
  } catch (error) {
    throw new RunFileError(`the Map results manifest ${key} is not JSON`, { cause: error });
  }
  const files = (parsed as { ResultFiles?: unknown } | null)?.ResultFiles;
  if (typeof files !== 'object' || files === null)
    throw new RunFileError(`the Map results manifest ${key} has no "ResultFiles" object`);
  const listed = {} as Record<ResultFileStatus, ResultFile[]>;
  for (const status of FILE_STATUSES) {
    const entries = (files as Record<string, unknown>)[status] ?? [];
    if (!Array.isArray(entries))
      throw new RunFileError(`"ResultFiles.${status}" of ${key} must be a list of files`);
    listed[status] = entries.map((entry: unknown, index) => {
      const file = entry as Partial<ResultFile> | null;
      // A result file outside the manifest's folder would be someone else's: never read it.
      if (
        typeof file?.Key !== 'string' ||
        !file.Key.startsWith(folder) ||
        file.Key.slice(folder.length).includes('/') ||
        typeof file.Size !== 'number' ||
        !Number.isSafeInteger(file.Size) ||
        file.Size < 0
      )
        throw new RunFileError(
          `"ResultFiles.${status}[${index}]" of ${key} must be {"Key": "${folder}<file>", "Size": <bytes>}, not ${JSON.stringify(entry)}`,
        );
      return { Key: file.Key, Size: file.Size };
    });
  }
  return listed;
}

/** Streams the entries of a result file (a JSON array), reading no more than its declared size. */
async function readEntries(
  store: ObjectStore,
  key: string,
  size: number,
  onEntry: (entry: unknown, index: number) => void,
): Promise<void> {
  const chunks = await store.open(key);
  if (chunks === undefined) throw new RunFileError(`the Map result file ${key} does not exist`);
  const parser = new JSONParser({ paths: ['$.*'], keepStack: false });
  let index = 0;
  let failure: unknown;
  parser.onValue = ({ value }) => {
    if (failure !== undefined) return;
    try {
      onEntry(value, index++);
    } catch (error) {
      failure = error;
    }
  };
  try {
    for await (const chunk of limitBytes(chunks, size)) {
      parser.write(chunk);
      if (failure !== undefined) throw failure;
    }
    if (!parser.isEnded) parser.end();
  } catch (error) {
    if (error instanceof ObjectStoreError || error instanceof RunFileError) throw error;
    throw new RunFileError(`the Map result file ${key} is not a JSON list of at most ${size} bytes`, {
      cause: error,
    });
  }
}

/** One entry of a result file as the dataset's result. */
function datasetResultOf(status: ResultFileStatus, entry: unknown, where: string): DatasetResult {
  if (typeof entry !== 'object' || entry === null) throw new RunFileError(`${where} is not an object`);
  const execution = entry as Record<string, unknown>;
  const input = parseJsonField(execution.Input, `${where} "Input"`) as { id?: unknown } | null;
  const id = input?.id;
  if (typeof id !== 'string' || id === '')
    throw new RunFileError(`${where}: its "Input" names no dataset as {"id": "<id>"}`);
  if (status === 'SUCCEEDED') {
    const output = parseJsonField(execution.Output, `${where} "Output"`) as Partial<DatasetResult> | null;
    if (output?.id !== id || typeof output.status !== 'string' || !RESULT_STATUSES.has(output.status))
      throw new RunFileError(
        `${where}: the "Output" of dataset ${id} is no result of that dataset (${JSON.stringify(output?.status)})`,
      );
    return output as DatasetResult;
  }
  const error =
    typeof execution.Error === 'string' && execution.Error !== ''
      ? execution.Error
      : status === 'PENDING'
        ? 'States.NotStarted'
        : `States.${typeof execution.Status === 'string' ? execution.Status : 'Failed'}`;
  const cause = typeof execution.Cause === 'string' ? execution.Cause : undefined;
  return {
    id,
    status: 'failed',
    error,
    ...(cause === undefined
      ? {}
      : {
          cause:
            cause.length <= MAX_CAUSE_CHARS
              ? cause
              : `${cause.slice(0, MAX_CAUSE_CHARS)}… (${cause.length - MAX_CAUSE_CHARS} more characters)`,
        }),
  };
}

/** Input and Output of a child execution are JSON documents stored as strings. */
function parseJsonField(value: unknown, where: string): unknown {
  if (typeof value !== 'string') throw new RunFileError(`${where} is missing`);
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new RunFileError(`${where} is not JSON`, { cause: error });
  }
}
