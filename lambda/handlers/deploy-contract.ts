/**
 * The deploy contract: what the stacks in `lib/` and the functions in
 * `lambda/handlers/` must agree on, owned here once. `lib/` imports these
 * values to configure, grant and retry; the handlers import them to read their
 * configuration and their buckets. Plain data only, so that the CDK app can
 * load it without loading any handler.
 */
import { UPLOAD_FOLDER } from '../core/dataset-id.js';
import { RUN_FILES } from './steps/run-files.js';

/** Environment variables of the pipeline functions. */
export const ENV = {
  /** Name of the bucket holding `data/`, `schemas/` and `incoming/`. */
  sourceBucket: 'SOURCE_BUCKET',
  /** Name of the bucket holding the published tree. */
  siteBucket: 'SITE_BUCKET',
  /** Absolute base URL of the site, for download links in the catalog. */
  siteUrl: 'SITE_URL',
} as const;

/**
 * The script Lambda's Node.js runtime starts node through: it adds the CLI's
 * V8 heap flags after the bootstrap's own (see `heap-wrapper.sh` beside this
 * file). `lib/` copies `file` into every function's bundle, whose root Lambda
 * unpacks to `taskRoot`, and names it in `variable`.
 */
export const EXEC_WRAPPER = {
  variable: 'AWS_LAMBDA_EXEC_WRAPPER',
  file: 'heap-wrapper.sh',
  taskRoot: '/var/task',
} as const;

/**
 * What the functions' bundles take their AWS credentials from: `file` (from the repository root), bundled in
 * place of the SDK module `replaces` (esbuild's `alias`). The role's credentials are in the environment of
 * every function; see the module.
 */
export const CREDENTIALS_MODULE = {
  replaces: '@aws-sdk/credential-provider-node',
  file: './lambda/handlers/lambda-credentials.ts',
} as const;

/** The `service` of every log line and metric (Powertools' `POWERTOOLS_SERVICE_NAME`). */
export const SERVICE_NAME = 'kz-az-open-data';

/** Folders of the source bucket (no trailing slash), as the handlers read them. */
export const SOURCE_FOLDERS = {
  data: 'data',
  schemas: 'schemas',
  incoming: UPLOAD_FOLDER,
  sources: 'sources',
} as const;

/** Key prefixes of the source bucket; the stack deploys, grants and triggers on exactly these. */
export const SOURCE_PREFIXES = {
  /** Curated CSVs, descriptors and `site.json`, mirrored from the repository's `data/`. */
  data: `${SOURCE_FOLDERS.data}/`,
  /** JSON Schemas, mirrored from the repository's `schemas/`. */
  schemas: `${SOURCE_FOLDERS.schemas}/`,
  /** Curator uploads: `incoming/<id>.csv` replaces `data/<id>.csv` when newer and valid. */
  incoming: `${SOURCE_FOLDERS.incoming}/`,
  /** Source texts the quotes are checked against, deployed from `OPEN_DATA_SOURCES_DIR` when it exists at synth. */
  sources: `${SOURCE_FOLDERS.sources}/`,
} as const;

export { RUN_FILES };

/**
 * Error names a Lambda task is retried on: transient S3 failures surface as
 * the store's `ObjectStoreError` (after the SDK's own retries), or, where the
 * commit had already listed its versions, as a `DerivedFilesError` naming them
 * (history.ts): a retry finds them listed and brings latest/ and the pages up to date.
 */
export const TRANSIENT_ERRORS = ['ObjectStoreError', 'DerivedFilesError'] as const;

/** Lambda refusing an invocation because the account or function is at its concurrency limit. */
export const THROTTLING_ERRORS = ['Lambda.TooManyRequestsException'] as const;
