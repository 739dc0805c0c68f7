import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isValidDatasetId } from '../core/dataset-id.js';
import { ObjectStoreError, type ObjectStore } from '../core/object-store.js';
import type { SourceLocation } from '../core/sources.js';
import { S3Store } from '../store/s3.js';

/** Folders of the source bucket: the deployed repository files and the curators' uploads. */
export const SOURCE_FOLDERS = { data: 'data', schemas: 'schemas', incoming: 'incoming' } as const;

/** Where one dataset's files come from, and the upload key when a curator's upload is used. */
export interface DatasetSourceChoice {
  readonly location: SourceLocation;
  /** `incoming/<id>.csv` when that upload replaces `data/<id>.csv` for this run. */
  readonly upload?: string;
}

/** The curated inputs as the steps see them. */
export interface SourceFiles {
  /** `data/` and `schemas/` as deployed from the repository. */
  readonly location: SourceLocation;
  /** The location to validate dataset `id` from, with its upload if that is the newest CSV. */
  forDataset(id: string): Promise<DatasetSourceChoice>;
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
 * The source bucket over S3: `data/` and `schemas/` through {@link S3Store},
 * and a curator's `incoming/<id>.csv` in place of `data/<id>.csv` when it is
 * the newer of the two. Nothing here writes: an invalid upload is rejected by
 * validation and leaves `data/` and the published tree as they were.
 */
export class S3SourceBucket implements SourceFiles {
  readonly location: SourceLocation;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #incoming: S3Store;

  constructor(client: S3Client, bucket: string) {
    this.#client = client;
    this.#bucket = bucket;
    this.location = {
      data: new S3Store({ client, bucket, prefix: SOURCE_FOLDERS.data }),
      schemas: new S3Store({ client, bucket, prefix: SOURCE_FOLDERS.schemas }),
      dataLabel: SOURCE_FOLDERS.data,
      schemasLabel: SOURCE_FOLDERS.schemas,
    };
    this.#incoming = new S3Store({ client, bucket, prefix: SOURCE_FOLDERS.incoming });
  }

  async forDataset(id: string): Promise<DatasetSourceChoice> {
    // A malformed id is refused by loadDatasetSource before any read; never build keys from it.
    if (!isValidDatasetId(id)) return { location: this.location };
    const csv = `${id}.csv`;
    const [deployed, upload] = await Promise.all([
      this.#lastModified(`${SOURCE_FOLDERS.data}/${csv}`),
      this.#lastModified(`${SOURCE_FOLDERS.incoming}/${csv}`),
    ]);
    if (!uploadIsNewer(deployed, upload)) return { location: this.location };
    const deployedData = this.location.data;
    const incoming = this.#incoming;
    const data: Pick<ObjectStore, 'get' | 'list'> = {
      get: (key) => (key === csv ? incoming.get(key) : deployedData.get(key)),
      list: (prefix) => deployedData.list(prefix),
    };
    return { location: { ...this.location, data }, upload: `${SOURCE_FOLDERS.incoming}/${csv}` };
  }

  async #lastModified(key: string): Promise<Date | undefined> {
    try {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return head.LastModified;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (error instanceof Error && error.name === 'NotFound')) return undefined;
      const detail = error instanceof Error ? `: ${error.name}: ${error.message}` : '';
      throw new ObjectStoreError(`could not head s3://${this.#bucket}/${key}${detail}`, key, {
        cause: error,
      });
    }
  }
}
