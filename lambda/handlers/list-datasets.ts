/**
 * Lambda entry: lists the dataset ids of a run. Configuration is read once,
 * when the function instance starts, and a missing variable fails it at once.
 */
import type { Context } from 'aws-lambda';
import { createS3Client } from '../store/s3.js';
import { ENV, requireVariable } from './environment.js';
import { createLogger } from './logger.js';
import { S3SourceBucket } from './source-bucket.js';
import { createListDatasetsHandler, type ListDatasetsEvent } from './steps/list-datasets.js';

const logger = createLogger();
const sources = new S3SourceBucket(createS3Client({}), requireVariable(process.env, ENV.sourceBucket));
const listDatasets = createListDatasetsHandler({ sources, logger });

export const handler = async (event: ListDatasetsEvent, context: Context): Promise<{ ids: string[] }> => {
  logger.addContext(context);
  return listDatasets(event);
};
