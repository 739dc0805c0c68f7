import { isValidDatasetId } from './dataset-id.js';
import type { ObjectInfo, ObjectStore } from './object-store.js';
import { referencedDatasets, type DatasetResolver } from './referenced-datasets.js';
import { loadDatasetSource, type SourceLocation } from './sources.js';
import { OpenDataError } from './errors.js';

/** The deployed `data/` and `schemas/`, with `head` on `data` so the upload rule can compare times. */
export interface DeployedSourceLocation extends SourceLocation {
  readonly data: Pick<ObjectStore, 'get' | 'head' | 'open' | 'list'>;
}

/** The folder curators upload `<id>.csv` to, and how to name it to users. */
export interface UploadFolder {
  readonly store: Pick<ObjectStore, 'get' | 'head' | 'open'>;
  /** Display prefix for uploads, e.g. `incoming` ⇒ `incoming/trade.csv`. */
  readonly label: string;
}

/** The curated inputs of a run: the files deployed from the repository and the curators' uploads beside them. */
export interface CuratedSources {
  /** `data/` and `schemas/` as deployed from the repository. */
  readonly location: DeployedSourceLocation;
  readonly uploads: UploadFolder;
}

/** Where one dataset's files are read from for this run. */
export interface DatasetSourceChoice {
  /** The location to validate from: the deployed one, or one reading `<id>.csv` from the upload. */
  readonly location: SourceLocation;
  /** The CSV that will be read, as issues name it: `incoming/<id>.csv` for an upload, else `data/<id>.csv`. */
  readonly csvFile: string;
  /** True when the curator's upload replaces the deployed CSV. */
  readonly fromUpload: boolean;
}

/** A store reported an object without its modification time, so the upload rule cannot be decided. */
export class UnknownModificationTimeError extends OpenDataError {
  override readonly name = 'UnknownModificationTimeError';
  readonly code = 'unknown-modification-time';
  constructor(readonly file: string) {
    super(
      `the store reported no modification time for ${file}: cannot tell whether the upload or the deployed CSV is newer`,
    );
  }
}

/**
 * An upload replaces the deployed CSV when it is newer than it (or there is
 * none): whichever of the repository's file and the curator's upload was
 * written last is the dataset's CSV. A tie goes to the repository.
 */
export function uploadIsNewer(deployed: Date | undefined, upload: Date | undefined): boolean {
  return upload !== undefined && (deployed === undefined || upload.getTime() > deployed.getTime());
}

/**
 * Applies the upload rule to dataset `id`: when `incoming/<id>.csv` is newer
 * than `data/<id>.csv` (see {@link uploadIsNewer}), the returned location reads
 * the CSV from the upload and everything else (descriptor, schema, listing)
 * from the deployed files. Nothing is written: an invalid upload is rejected
 * by validation and leaves `data/` and the published tree as they were.
 */
export async function chooseDatasetSource(sources: CuratedSources, id: string): Promise<DatasetSourceChoice> {
  const deployed = sources.location;
  const csv = `${id}.csv`;
  const deployedChoice = { location: deployed, csvFile: `${deployed.dataLabel}/${csv}`, fromUpload: false };
  // A malformed id is refused by loadDatasetSource before any read; never build keys from it.
  if (!isValidDatasetId(id)) return deployedChoice;
  const uploadFile = `${sources.uploads.label}/${csv}`;
  const [deployedInfo, uploadInfo] = await Promise.all([
    deployed.data.head(csv),
    sources.uploads.store.head(csv),
  ]);
  const newer = uploadIsNewer(
    modified(deployedInfo, deployedChoice.csvFile),
    modified(uploadInfo, uploadFile),
  );
  if (!newer) return deployedChoice;
  const uploads = sources.uploads.store;
  const data: DeployedSourceLocation['data'] = {
    get: (key, options) => (key === csv ? uploads.get(key, options) : deployed.data.get(key, options)),
    head: (key) => (key === csv ? uploads.head(key) : deployed.data.head(key)),
    open: (key) => (key === csv ? uploads.open(key) : deployed.data.open(key)),
    list: (prefix) => deployed.data.list(prefix),
  };
  return { location: { ...deployed, data }, csvFile: uploadFile, fromUpload: true };
}

/**
 * The datasets a dataset's references read, each from the CSV its own step publishes: the curator's
 * upload when it is newer than the deployed file ({@link chooseDatasetSource}), as for the dataset
 * itself. Reading the deployed CSV instead would check a reference against rows the run does not publish.
 */
export function curatedDatasets(sources: CuratedSources): DatasetResolver {
  return referencedDatasets(async (id) => {
    const { location, csvFile } = await chooseDatasetSource(sources, id);
    return loadDatasetSource(location, id, { csvFile });
  });
}

function modified(info: ObjectInfo | undefined, file: string): Date | undefined {
  if (info === undefined) return undefined;
  if (info.lastModified === undefined) throw new UnknownModificationTimeError(file);
  return info.lastModified;
}
