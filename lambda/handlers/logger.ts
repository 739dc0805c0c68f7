import { Logger } from '@aws-lambda-powertools/logger';

/** The `service` of every log line (also set as POWERTOOLS_SERVICE_NAME by the stack). */
export const SERVICE_NAME = 'kz-az-open-data';

/** The part of Powertools' Logger the steps use; tests pass a Logger writing to a buffer. */
export type StepLogger = Pick<Logger, 'info' | 'warn' | 'error' | 'appendKeys' | 'removeKeys'>;

/** The one Logger of a function instance: structured JSON, one object per line. */
export function createLogger(): Logger {
  return new Logger({ serviceName: SERVICE_NAME });
}
