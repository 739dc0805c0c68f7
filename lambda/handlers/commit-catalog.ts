/**
 * Lambda entry: reads the datasets' results where the Distributed Map wrote
 * them and commits the staged versions to the catalog (staging again any
 * dataset another run overtook), brings `latest/` and the pages up to date, and fails the run
 * if any dataset was not published. Configuration is read once, when the
 * function instance starts, and a missing variable fails it at once.
 */
import type { Context } from 'aws-lambda';
import { ScratchDirectory } from '../core/scratch.js';
import { createS3Client, S3Store } from '../store/s3.js';
import { ENV, requireUrl, requireVariable } from './environment.js';
import { createLogger } from './logger.js';
import { S3SourceBucket } from './source-bucket.js';
import {
  createCommitCatalogHandler,
  type CommitCatalogEvent,
  type CommitSummary,
} from './steps/commit-catalog.js';

const logger = createLogger();
const client = createS3Client({});
const sourceBucket = requireVariable(process.env, ENV.sourceBucket);
const commitCatalog = createCommitCatalogHandler({
  sources: new S3SourceBucket(client, sourceBucket),
  // The Distributed Map writes the datasets' results under runs/results/ of the source bucket.
  mapResults: { store: new S3Store({ client, bucket: sourceBucket }), bucket: sourceBucket },
  site: new S3Store({ client, bucket: requireVariable(process.env, ENV.siteBucket) }),
  siteUrl: requireUrl(process.env, ENV.siteUrl),
  now: () => new Date(),
  logger,
});

export const handler = async (event: CommitCatalogEvent, context: Context): Promise<CommitSummary> => {
  logger.addContext(context);
  // A re-base stages a dataset again in /tmp: scratch there now is from a run that timed out.
  const leftovers = await ScratchDirectory.removeLeftovers();
  if (leftovers.length > 0) logger.warn('removed scratch left by an interrupted run', { leftovers });
  return commitCatalog(event);
};
