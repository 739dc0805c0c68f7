/**
 * Lambda entry: validates one dataset and writes its new version files.
 * Configuration is read once, when the function instance starts, and a
 * missing variable fails it at once.
 *
 * The function runs with the CLI's V8 flags (listed in `heap-wrapper.sh`), put
 * on node's command line by `heap-wrapper.sh`, through which Lambda starts
 * node (`AWS_LAMBDA_EXEC_WRAPPER`, set for every pipeline function). It cannot
 * come from here or from `NODE_OPTIONS`: the Node.js runtime's bootstrap passes
 * its own `--max-semi-space-size` and `--max-old-space-size`, sized from the
 * function's memory, on the command line, where they override `NODE_OPTIONS`;
 * and `v8.setFlagsFromString` runs after the heap is configured and leaves the
 * young generation as it is (checked under Node 20 and 24). See BENCHMARKS.md,
 * Memory.
 */
import type { Context } from 'aws-lambda';
import { ScratchDirectory } from '../core/scratch.js';
import { createS3Client, S3Store } from '../store/s3.js';
import { ENV, requireUrl, requireVariable } from './environment.js';
import { createLogger } from './logger.js';
import { S3SourceBucket } from './source-bucket.js';
import type { DatasetResult } from './steps/dataset-result.js';
import { createValidateAndPublishHandler } from './steps/validate-and-publish.js';

const logger = createLogger();
const client = createS3Client({});
const validateAndPublish = createValidateAndPublishHandler({
  sources: new S3SourceBucket(client, requireVariable(process.env, ENV.sourceBucket)),
  site: new S3Store({ client, bucket: requireVariable(process.env, ENV.siteBucket) }),
  siteUrl: requireUrl(process.env, ENV.siteUrl),
  // SOURCE_DATE_EPOCH is for reproducible local builds; a cloud run records when it happened.
  now: () => new Date(),
  logger,
});

export const handler = async (event: { id?: unknown }, context: Context): Promise<DatasetResult> => {
  logger.addContext(context);
  // An environment runs one invocation at a time: scratch left in /tmp now is from a run that timed out.
  const leftovers = await ScratchDirectory.removeLeftovers();
  if (leftovers.length > 0) logger.warn('removed scratch left by an interrupted run', { leftovers });
  return validateAndPublish(event);
};
