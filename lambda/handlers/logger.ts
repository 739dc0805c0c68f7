import { Logger } from '@aws-lambda-powertools/logger';

import { SERVICE_NAME } from './deploy-contract.js';

export { SERVICE_NAME };

/** The part of Powertools' Logger the steps use; tests pass a Logger writing to a buffer. */
export type StepLogger = Pick<Logger, 'info' | 'warn' | 'error' | 'appendKeys' | 'removeKeys'>;

/** The one Logger of a function instance: structured JSON, one object per line. */
export function createLogger(): Logger {
  return new Logger({ serviceName: SERVICE_NAME });
}
