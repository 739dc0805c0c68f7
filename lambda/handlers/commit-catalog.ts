/**
 * Lambda entry: commits the staged versions to the catalog (staging again any
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
import { createCommitCatalogHandler, type CommitSummary } from './steps/commit-catalog.js';

const logger = createLogger();
const client = createS3Client({});
const commitCatalog = createCommitCatalogHandler({
  sources: new S3SourceBucket(client, requireVariable(process.env, ENV.sourceBucket)),
  site: new S3Store({ client, bucket: requireVariable(process.env, ENV.siteBucket) }),
  siteUrl: requireUrl(process.env, ENV.siteUrl),
  now: () => new Date(),
  logger,
});

export const handler = async (event: { results?: unknown }, context: Context): Promise<CommitSummary> => {
  logger.addContext(context);
  // A re-base stages a dataset again in /tmp: scratch there now is from a run that timed out.
  const leftovers = await ScratchDirectory.removeLeftovers();
  if (leftovers.length > 0) logger.warn('removed scratch left by an interrupted run', { leftovers });
  return commitCatalog(event);
};
