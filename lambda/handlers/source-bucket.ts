import type { S3Client } from '@aws-sdk/client-s3';
import { SOURCE_FOLDERS } from './deploy-contract.js';
import type { CuratedSources, DeployedSourceLocation, UploadFolder } from '../core/uploads.js';
import { sourceTextsFrom } from '../core/source-texts.js';
import { S3Store } from '../store/s3.js';

/** Folders of the source bucket: the deployed repository files and the curators' uploads. */
export { SOURCE_FOLDERS };

/**
 * The source bucket over S3: `data/` and `schemas/` as deployed from the
 * repository and the curators' `incoming/`, each through an {@link S3Store}.
 * Which CSV a dataset is read from is core's rule (`chooseDatasetSource`).
 */
export class S3SourceBucket implements CuratedSources {
  readonly location: DeployedSourceLocation;
  readonly uploads: UploadFolder;

  constructor(client: S3Client, bucket: string) {
    const folder = (prefix: string): S3Store => new S3Store({ client, bucket, prefix });
    this.location = {
      data: folder(SOURCE_FOLDERS.data),
      schemas: folder(SOURCE_FOLDERS.schemas),
      dataLabel: SOURCE_FOLDERS.data,
      schemasLabel: SOURCE_FOLDERS.schemas,
      texts: sourceTextsFrom(folder(SOURCE_FOLDERS.sources), SOURCE_FOLDERS.sources),
    };
    this.uploads = { store: folder(SOURCE_FOLDERS.incoming), label: SOURCE_FOLDERS.incoming };
  }
}
