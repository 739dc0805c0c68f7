/**
 * Lambda entry: lists the dataset ids of a run and writes them to the source
 * bucket for the Distributed Map to read. Configuration is read once, when the
 * function instance starts, and a missing variable fails it at once.
 */
import type { Context } from 'aws-lambda';
import { createS3Client, S3Store } from '../store/s3.js';
import { ENV, requireVariable } from './environment.js';
import { createLogger } from './logger.js';
import { S3SourceBucket } from './source-bucket.js';
import { createListRunHandler, type ListRunEvent, type ListRunResult } from './steps/list-datasets.js';

const logger = createLogger();
const client = createS3Client({});
const sourceBucket = requireVariable(process.env, ENV.sourceBucket);
const listRun = createListRunHandler({
  sources: new S3SourceBucket(client, sourceBucket),
  runs: new S3Store({ client, bucket: sourceBucket }),
  logger,
});

export const handler = async (event: ListRunEvent, context: Context): Promise<ListRunResult> => {
  logger.addContext(context);
  return listRun(event);
};
